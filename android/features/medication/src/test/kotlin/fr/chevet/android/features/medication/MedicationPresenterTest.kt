package fr.chevet.android.features.medication

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustMedicationService
import fr.chevet.core.AdministrationResult
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
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
import java.time.LocalDate
import java.time.ZoneId

/** The medication screen's presenter over the real core, its boxes drawn and read back by ZXing. */
class MedicationPresenterTest {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val today: LocalDate = LocalDate.now(ZoneId.of("Europe/Paris"))

    @After
    fun stop() = scope.cancel()

    private fun MedicationPresenter.next(until: (MedicationState) -> Boolean): MedicationState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    /** The camera: whatever the test put in front of it. */
    private var inFrontOfCamera = ""

    private fun presenter(store: ChevetStore, unit: String, residentId: String) = MedicationPresenter(
        RustMedicationService(store, Dispatchers.IO), unit, MedicationResident(residentId, "Résident", "101"), Clock.System, scope,
        openScanner = { onText -> onText(printAndScan(inFrontOfCamera)) }, hoursBefore = 24,
    ).also { it.onEvent(MedicationEvent.Load) }

    @Test
    fun `a nurse scans the prescribed box, sees its lot and expiry, gives it, and a wrong or expired box is refused and not given`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 3u, 0u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val dose = planDose(store, demo.residentIds.first(), -20)
            val later = planDose(store, demo.residentIds.first(), 40)
            val p = presenter(store, demo.unitIds.first(), demo.residentIds.first())
            val loaded = p.next { !it.loading }
            assertNull(loaded.error)
            val line = loaded.lines.first { it.plannedActId == dose && it.open }
            assertEquals("Paracétamol", line.drug)
            assertTrue(line.mayRecord)

            // Another product: refused, and "Donné" does nothing until a right box is scanned.
            inFrontOfCamera = boxCode(ANOTHER, today.plusMonths(6))
            p.onEvent(MedicationEvent.Scan(line))
            val wrong = p.next { it.error != null }
            assertEquals(MedicationError.BoxRefused(line, BoxProblem.WrongProduct), wrong.error)
            val pending = store.records().pendingSyncCount()
            p.onEvent(MedicationEvent.Give(line))
            Thread.sleep(200)
            assertEquals(pending, store.records().pendingSyncCount())

            // Expired.
            inFrontOfCamera = boxCode(PRESCRIBED, today.minusDays(3))
            p.onEvent(MedicationEvent.Scan(line))
            assertEquals(MedicationError.BoxRefused(line, BoxProblem.Expired), p.next { (it.error as? MedicationError.BoxRefused)?.problem == BoxProblem.Expired }.error)

            // The right box: its lot and expiry shown, then given with it.
            inFrontOfCamera = boxCode(PRESCRIBED, today.plusMonths(11), lot = "LOT42X")
            p.onEvent(MedicationEvent.Scan(line))
            val ok = p.next { line.lineKey in it.scanned }
            assertNull(ok.error)
            assertEquals("LOT42X", ok.scanned.getValue(line.lineKey).box.lot)
            assertEquals("3400935955838", ok.scanned.getValue(line.lineKey).box.cip13)
            p.onEvent(MedicationEvent.Give(line))
            val given = p.next { s -> s.saving == null && s.lines.any { it.lineKey == line.lineKey && it.status == RoundStatus.DONE } }
            assertNull(given.error)
            assertEquals(pending + 1u, store.records().pendingSyncCount())

            // Another dose, not given: the reason in two taps.
            val next = given.lines.first { it.plannedActId == later && it.open }
            p.onEvent(MedicationEvent.AskWhyNotGiven(next))
            p.onEvent(MedicationEvent.NotGiven(next, AdministrationResult.SPAT_OUT))
            val spat = p.next { s -> s.saving == null && s.lines.any { it.lineKey == next.lineKey && it.status == RoundStatus.SPAT_OUT } }
            assertNull(spat.askingWhyNotGiven)
        }
    }

    @Test
    fun `a care aide may give only what the prescriber allowed as aide a la prise`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 0u)
            val resident = demo.residentIds.first()
            val nursing = planDose(store, resident, 10, assist = false)
            val assisted = planDose(store, resident, 15, assist = true)
            store.sessions().signIn(demo.careAideId, demo.pin)
            val lines = presenter(store, demo.unitIds.first(), resident).next { !it.loading }.lines
            assertEquals(false, lines.first { it.plannedActId == nursing }.mayRecord)
            assertEquals(true, lines.first { it.plannedActId == assisted }.mayRecord)
            for (l in lines) assertEquals(l.intakeAssistanceAllowed, l.mayRecord)
        }
    }
}
