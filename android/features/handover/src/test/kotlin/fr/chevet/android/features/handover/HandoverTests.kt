package fr.chevet.android.features.handover

import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustHandoverService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.ChevetStore
import fr.chevet.core.AlertLevel
import fr.chevet.core.HandoverInfo
import fr.chevet.core.HandoverKind
import fr.chevet.core.HandoverLineInfo
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.ResidentHandoverInfo
import fr.chevet.core.TransmissionEntry
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
import java.io.File
import java.time.LocalDateTime
import java.time.ZoneId

/** The handover over the real core; its goldens; its accessibility. */
@OptIn(ExperimentalTestApi::class)
class HandoverTests {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val zone = ZoneId.of("Europe/Paris")

    @After
    fun stop() = scope.cancel()

    private fun HandoverPresenter.next(until: (HandoverState) -> Boolean): HandoverState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    @Test
    fun `a fall written during the shift is handed over, and reading it is kept for the reader`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 4u, 1u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val resident = demo.residentIds.first()
            val now = System.currentTimeMillis()
            store.records().recordTransmission(TransmissionEntry(resident, "Chute", "Retrouvée au sol près du lit.", "", "", emptyList()), now - 60_000)
            val p = HandoverPresenter(RustHandoverService(store, Dispatchers.IO), demo.unitIds.first(), Clock.System, scope)
            p.onEvent(HandoverEvent.Load)
            val loaded = p.next { !it.loading }
            assertNull(loaded.error)
            assertNull(loaded.readUntilMs)
            val lines = loaded.handover!!.residents.first { it.residentId == resident }.lines
            assertTrue(lines.any { it.kind == HandoverKind.FALL && it.text == "Chute : Retrouvée au sol près du lit." })
            p.onEvent(HandoverEvent.MarkRead)
            val read = p.next { it.readUntilMs != null }
            assertEquals(read.untilMs, read.readUntilMs)
            // Read again later: the mark is kept.
            p.onEvent(HandoverEvent.Load)
            assertEquals(read.untilMs, p.next { !it.loading && it.untilMs > read.untilMs || it.readUntilMs == read.untilMs }.readUntilMs)
        }
    }

    private fun at(h: Int, m: Int = 0) = LocalDateTime.of(2026, 12, 3, h, m).atZone(zone).toInstant().toEpochMilli()

    private val fixture = HandoverState(
        loading = false,
        sinceMs = at(7),
        untilMs = at(19),
        readUntilMs = at(12),
        handover = HandoverInfo(
            listOf(
                ResidentHandoverInfo(
                    "a", "MARTIN Jeanne", "101",
                    listOf(
                        HandoverLineInfo(HandoverKind.ALERT, "À surveiller", AlertLevel.WATCH, "Recontrôler dans 1 h, prévenir l'IDE si cela persiste", null, "Température 38,6 °C (au-dessus de 38)", null, null),
                        HandoverLineInfo(HandoverKind.MEDICATION_NOT_GIVEN, "Médicament", null, null, at(8), "Paracétamol 1 g : Médicament recraché", "x", null),
                        HandoverLineInfo(HandoverKind.UNRECORDED, "Non tracé", null, null, at(12), "Paracétamol 1 g : prévu, non tracé", null, null),
                        HandoverLineInfo(HandoverKind.ACT_NOT_DONE, "Soin non fait", null, null, at(14, 10), "Toilette au lit : Soin non fait (endormi)", "y", null),
                    ),
                ),
                ResidentHandoverInfo(
                    "b", "BERNARD Hélène", "102",
                    listOf(
                        HandoverLineInfo(HandoverKind.FALL, "Chute", null, null, at(10, 40), "Chute : Retrouvée au sol près du lit, pas de douleur.", "z", null),
                        HandoverLineInfo(HandoverKind.TRANSMISSION, "Transmission", null, null, at(15, 5), "Douleur : EN 6 au genou droit — antalgique donné", "w", null),
                    ),
                ),
                ResidentHandoverInfo(
                    "c", "DUBOIS Yvonne", "103",
                    listOf(
                        HandoverLineInfo(HandoverKind.WOUND_NEW, "Nouvelle plaie", null, null, null, "Nouvelle plaie : avant-bras droit", "v", null),
                        HandoverLineInfo(HandoverKind.WOUND_WORSE, "Plaie", null, null, at(16), "Plaie (talon gauche) qui s'aggrave : PUSH 9 → 11", "u", null),
                    ),
                ),
            ),
            null, 0u,
        ),
    )

    @Test
    fun `goldens - a shift handed over, landscape and portrait, and a quiet one`() {
        val goldens = File("src/test/goldens")
        fun shoot(name: String, size: Tablet, state: HandoverState) =
            assertMatchesGolden(goldens, name, size) { ChevetTheme { HandoverView(state, zone, onEvent = {}, onBack = {}) } }
        shoot("handover-landscape", Tablet.Landscape, fixture)
        shoot("handover-portrait", Tablet.Portrait, fixture)
        shoot("handover-quiet", Tablet.Landscape, fixture.copy(handover = fixture.handover!!.copy(residents = emptyList())))
    }

    @Test
    fun `every action says what it does and is big enough for a gloved finger`() = runComposeUiTest {
        setContent { ChevetTheme { HandoverView(fixture, zone, onEvent = {}, onBack = {}) } }
        assertEquals(2, assertActionsLabelledAndLargeEnough())
    }
}
