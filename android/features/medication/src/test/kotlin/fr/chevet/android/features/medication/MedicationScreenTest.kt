package fr.chevet.android.features.medication

import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustMedicationService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.MedicationDueInfo
import fr.chevet.core.MedicineBoxInfo
import fr.chevet.core.RoundStatus
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.io.File
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.ZoneId

/** The medication screen driven by taps over the real core; its goldens; its accessibility. */
@OptIn(ExperimentalTestApi::class)
class MedicationScreenTest {
    @get:Rule
    val dir = TemporaryFolder()

    private val zone = ZoneId.of("Europe/Paris")

    @Test
    fun `a nurse scans the box, sees it is the right one, and gives it`() = runComposeUiTest {
        val store = ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault())
        val demo = store.seedDemo(1u, 2u, 0u)
        store.sessions().signIn(demo.nurseId, demo.pin)
        val dose = planDose(store, demo.residentIds.first(), -20)
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            val p = MedicationPresenter(
                RustMedicationService(store, Dispatchers.IO), demo.unitIds.first(), MedicationResident(demo.residentIds.first(), "Résident", "101"),
                Clock.System, scope, openScanner = { onText -> onText(printAndScan(boxCode(PRESCRIBED, LocalDate.now().plusYears(1), lot = "LOT42X"))) },
                hoursBefore = 24,
            )
            setContent {
                val s by p.state.collectAsState()
                ChevetTheme { MedicationView(s, zone, p::onEvent, onBack = {}) }
            }
            p.onEvent(MedicationEvent.Load)
            waitUntil(timeoutMillis = 10_000) { !p.state.value.loading }
            val line = p.state.value.lines.first { it.plannedActId == dose && it.open }
            val time = "%02d\u00a0h\u00a0%02d".format(java.time.Instant.ofEpochMilli(line.dueAtMs).atZone(zone).hour, java.time.Instant.ofEpochMilli(line.dueAtMs).atZone(zone).minute)
            onNode(hasContentDescription("Scanner la boîte de Paracétamol de $time")).performScrollTo().performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("✓ Boîte conforme", substring = true).fetchSemanticsNodes().isNotEmpty() }
            assertTrue(onAllNodesWithText("lot LOT42X", substring = true).fetchSemanticsNodes().isNotEmpty())
            onNode(hasContentDescription("Paracétamol de $time donné")).performScrollTo().performClick()
            waitUntil(timeoutMillis = 10_000) {
                p.state.value.lines.any { it.plannedActId == line.plannedActId && it.dueAtMs == line.dueAtMs && it.status == RoundStatus.DONE }
            }
        } finally {
            scope.cancel()
            store.close()
        }
    }

    private fun at(h: Int) = LocalDateTime.of(2026, 12, 3, h, 0).atZone(zone).toInstant().toEpochMilli()

    // Fixed data: what the core says of each status (open, late) is written out, as its words are.
    private fun line(h: Int, status: RoundStatus, word: String, mayRecord: Boolean = true) = MedicationDueInfo(
        "00000000-0000-7000-8000-00000000000$h", "Paracétamol 1 g", "Paracétamol", "1 g", "orale", at(h), status, word,
        open = status in setOf(RoundStatus.DUE, RoundStatus.LATE, RoundStatus.UNRECORDED),
        late = status in setOf(RoundStatus.LATE, RoundStatus.UNRECORDED),
        mayRecord = mayRecord, mayClose = false, intakeAssistanceAllowed = false, expectedProduct = "3400935955838",
    )

    private val resident = MedicationResident("r", "MARTIN Jeanne", "101")
    private val lines = listOf(line(8, RoundStatus.DONE, "fait"), line(12, RoundStatus.LATE, "en retard"), line(18, RoundStatus.DUE, "à faire"))
    private val loaded = MedicationState(resident, loading = false, lines = lines, canScan = true)
    private val scanned = loaded.copy(
        scanned = mapOf(lines[1].lineKey to ScannedBox("…", MedicineBoxInfo("03400935955838", "3400935955838", "LOT42X", "2027-11-30", "SN1"))),
    )
    private val refused = loaded.copy(boxRefused = setOf(lines[1].lineKey), error = MedicationError.BoxRefused(lines[1], BoxProblem.Expired))

    @Test
    fun `goldens - loaded, box accepted, box refused, why not given, a care aide's view`() {
        val goldens = File("src/test/goldens")
        fun shoot(name: String, size: Tablet, state: MedicationState) =
            assertMatchesGolden(goldens, name, size) { ChevetTheme { MedicationView(state, zone, onEvent = {}, onBack = {}) } }
        shoot("medication-loaded-landscape", Tablet.Landscape, loaded)
        shoot("medication-loaded-portrait", Tablet.Portrait, loaded)
        shoot("medication-box-accepted", Tablet.Landscape, scanned)
        shoot("medication-box-refused", Tablet.Landscape, refused)
        shoot("medication-why-not-given", Tablet.Landscape, loaded.copy(askingWhyNotGiven = lines[1]))
        shoot("medication-care-aide", Tablet.Landscape, loaded.copy(lines = lines.map { it.copy(mayRecord = false) }))
    }

    @Test
    fun `every action says what it does and is big enough for a gloved finger`() = runComposeUiTest {
        setContent { ChevetTheme { MedicationView(scanned, zone, onEvent = {}, onBack = {}) } }
        assertActionsLabelledAndLargeEnough(atLeast = 7)
    }
}
