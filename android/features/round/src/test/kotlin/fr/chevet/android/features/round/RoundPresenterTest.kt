package fr.chevet.android.features.round

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustRoundService
import fr.chevet.core.ActResult
import fr.chevet.core.ChevetException
import fr.chevet.core.RoundFilter
import fr.chevet.core.RoundStatus
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder

/** The round's presenter over the real core (JNA), its states after each event. */
class RoundPresenterTest {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    /**
     * Now, fixed for the whole test: the round's window (now − 24 h … now + 2 h)
     * must not move between two reads, or an act crossing its edge changes the
     * counts being compared (it did, at 05:30 UTC).
     */
    private val frozen = System.currentTimeMillis().let { t -> Clock { t } }

    @After
    fun stop() = scope.cancel()

    private fun RoundPresenter.next(until: (RoundState) -> Boolean): RoundState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    private fun RoundState.item(act: ActRef) = residents.first { it.residentId == act.residentId }.items
        .first { it.plannedActId == act.plannedActId && it.dueAtMs == act.dueAtMs }

    private fun RoundState.firstOpen(): ActRef = residents.firstNotNullOf { r ->
        r.items.firstOrNull { it.open }?.let { ActRef(r.residentId, r.displayName, it.plannedActId, it.dueAtMs, it.label) }
    }

    @Test
    fun `the round loads, an act is validated in one tap and another marked not done with its reason`() {
        val (store, demo) = demoStore(dir.root)
        store.use {
            // A day back: whatever the hour, the demo's care plans have acts in it.
            val presenter = RoundPresenter(RustRoundService(store, Dispatchers.IO), demo.unitIds.first(), frozen, scope, window = dayBack)
            presenter.onEvent(RoundEvent.Refresh)
            val loaded = presenter.next { !it.loading }
            assertNull(loaded.error)
            assertEquals(6, loaded.residents.size)
            assertTrue(loaded.toDo > 0)

            val first = loaded.firstOpen()
            presenter.onEvent(RoundEvent.Validate(first))
            val validated = presenter.next { it.saving == null && it.recorded == loaded.recorded + 1 }
            assertEquals(RoundStatus.DONE, validated.item(first).status)
            assertEquals(loaded.toDo - 1, validated.toDo)

            val second = validated.firstOpen()
            presenter.onEvent(RoundEvent.AskWhyNotDone(second))
            assertEquals(second, presenter.next { it.askingWhyNotDone != null }.askingWhyNotDone)
            presenter.onEvent(RoundEvent.NotDone(second, ActResult.REFUSED))
            val refused = presenter.next { it.saving == null && it.recorded == loaded.recorded + 2 }
            assertNull(refused.askingWhyNotDone)
            assertEquals(RoundStatus.REFUSED, refused.item(second).status)
            assertEquals("refusé", refused.item(second).statusLabel)
        }
    }

    @Test
    fun `filters keep what is to do or late, counts stay those of the whole round`() {
        val (store, demo) = demoStore(dir.root)
        store.use {
            val presenter = RoundPresenter(RustRoundService(store, Dispatchers.IO), demo.unitIds.first(), frozen, scope, window = dayBack)
            presenter.onEvent(RoundEvent.Refresh)
            val all = presenter.next { !it.loading }
            presenter.onEvent(RoundEvent.Validate(all.firstOpen()))
            val afterOne = presenter.next { it.recorded == all.recorded + 1 && it.saving == null }

            presenter.onEvent(RoundEvent.SetFilter(RoundFilter.TO_DO))
            val toDo = presenter.next { it.filter == RoundFilter.TO_DO }
            assertTrue(toDo.residents.flatMap { it.items }.all { it.open })
            assertEquals(afterOne.toDo, toDo.residents.sumOf { it.items.size })

            presenter.onEvent(RoundEvent.SetFilter(RoundFilter.LATE))
            val late = presenter.next { it.filter == RoundFilter.LATE }
            assertTrue(late.residents.flatMap { it.items }.all { it.late })
            assertEquals(afterOne.late, late.residents.sumOf { it.items.size })
            assertEquals(afterOne.toDo, late.toDo)
        }
    }

    @Test
    fun `what nobody recorded has its own section, which the aide may answer and only a nurse may close`() {
        val (store, demo) = demoStore(dir.root)
        store.use {
            // Five hours ago and nobody recorded it: « non tracé ».
            val label = planActAt(store, demo.residentIds.first(), "Toilette", -300)
            store.sessions().signIn(demo.careAideId, demo.pin)
            val aide = RoundPresenter(RustRoundService(store, Dispatchers.IO), demo.unitIds.first(), frozen, scope)
            aide.onEvent(RoundEvent.Refresh)
            val seen = aide.next { !it.loading }
            val item = seen.unrecorded.flatMap { it.items }.single { it.label == label }
            assertEquals(RoundStatus.UNRECORDED, item.status)
            assertEquals("non tracé", item.statusLabel)
            assertTrue("the aide may record it late", item.mayRecord)
            assertTrue("but not close it", !item.mayClose)
            assertTrue("not among the round's cards", seen.residents.flatMap { it.items }.none { it.label == label })
            assertEquals(seen.unrecorded.sumOf { it.items.size }, seen.unrecordedCount)
            assertTrue(seen.countsLine, seen.countsLine.contains("non tracé"))

            store.sessions().signIn(demo.nurseId, demo.pin)
            val nurse = RoundPresenter(RustRoundService(store, Dispatchers.IO), demo.unitIds.first(), frozen, scope)
            nurse.onEvent(RoundEvent.Refresh)
            val loaded = nurse.next { !it.loading }
            val r = loaded.unrecorded.first { row -> row.items.any { it.label == label } }
            val it0 = r.items.single { it.label == label }
            assertTrue(it0.mayClose)
            val act = ActRef(r.residentId, r.displayName, it0.plannedActId, it0.dueAtMs, it0.label, it0.medication)
            nurse.onEvent(RoundEvent.AskHowToClose(act))
            assertEquals(act, nurse.next { it.askingHowToClose != null }.askingHowToClose)
            assertEquals(listOf("Fait hors tablette", "Annulé"), closingChoices(false).map { it.label })
            nurse.onEvent(RoundEvent.Close(act, fr.chevet.core.Closing.CANCELLED))
            val closed = nurse.next { it.saving == null && it.recorded == loaded.recorded + 1 }
            assertNull(closed.askingHowToClose)
            assertTrue(closed.unrecorded.flatMap { it.items }.none { it.label == label })
            assertEquals(loaded.unrecordedCount - 1, closed.unrecordedCount)
        }
    }

    @Test
    fun `a record refused by the core shows why and changes nothing`() {
        val (store, demo) = demoStore(dir.root)
        store.use {
            val presenter = RoundPresenter(RustRoundService(store, Dispatchers.IO), demo.unitIds.first(), frozen, scope, window = dayBack)
            presenter.onEvent(RoundEvent.Refresh)
            val loaded = presenter.next { !it.loading }
            store.sessions().lock() // the idle lock fired
            presenter.onEvent(RoundEvent.Validate(loaded.firstOpen()))
            val failed = presenter.next { it.error != null && it.saving == null }
            val error = failed.error
            assertTrue(error.toString(), error is RoundError.RecordFailed && error.error is ChevetException.NoSession)
            presenter.onEvent(RoundEvent.DismissError)
            assertNull(presenter.next { it.error == null }.error)
            // Nothing was written: the store's own round has what it had.
            store.sessions().signIn(demo.nurseId, demo.pin)
            val again = store.rounds().roundScreen(demo.unitIds.first(), dayBack).load(frozen.nowMs())
            assertEquals(loaded.recorded, again.counts.recorded.toInt())
            assertEquals(loaded.recorded, again.residents.flatMap { it.items }.count { !it.open })
        }
    }

    @Test
    fun `a care aide is not offered a nurse's act, and "Mes soins" keeps what she may do`() {
        val (store, demo) = demoStore(dir.root)
        store.use {
            val resident = demo.residentIds.first()
            val due = java.time.Instant.now().plusSeconds(30 * 60).atZone(java.time.ZoneId.of("Europe/Paris"))
            store.carePlan().planAct(
                fr.chevet.core.PlannedActEntry(
                    resident, fr.chevet.core.CareActKind.WOUND_DRESSING, "Pansement talon", listOf("%02d:%02d".format(due.hour, due.minute)),
                    fr.chevet.core.Repeat.Daily, due.toLocalDate().toString(), null,
                ),
            )
            store.sessions().signIn(demo.careAideId, demo.pin)
            val presenter = RoundPresenter(RustRoundService(store, Dispatchers.IO), demo.unitIds.first(), frozen, scope)
            presenter.onEvent(RoundEvent.Refresh)
            val all = presenter.next { !it.loading }
            val dressing = all.residents.flatMap { it.items }.single { it.label == "Pansement talon" }
            assertTrue(dressing.open)
            assertEquals(false, dressing.mayRecord)
            presenter.onEvent(RoundEvent.SetFilter(RoundFilter.MINE))
            val mine = presenter.next { it.filter == RoundFilter.MINE }
            val kept = mine.residents.flatMap { it.items }
            assertTrue(kept.isNotEmpty())
            assertTrue(kept.all { it.mayRecord && it.open })
            assertTrue(kept.none { it.label == "Pansement talon" })
        }
    }
}
