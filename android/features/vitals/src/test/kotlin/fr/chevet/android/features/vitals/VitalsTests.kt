package fr.chevet.android.features.vitals

import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustVitalsService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.ChevetStore
import fr.chevet.core.ConsciousnessLevel
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.News2Info
import fr.chevet.core.News2PartInfo
import fr.chevet.core.News2Risk
import fr.chevet.core.VitalProblemInfo
import fr.chevet.core.VitalSetPreviewInfo
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

/** Vitals over the real core: the typo offered its likely reading, NEWS2 once complete, the set kept whole; goldens. */
@OptIn(ExperimentalTestApi::class)
class VitalsTests {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @After
    fun stop() = scope.cancel()

    private fun VitalsPresenter.next(until: (VitalsState) -> Boolean): VitalsState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    @Test
    fun `a typo is offered its likely reading, the complete set is scored, then kept whole`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 0u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val p = VitalsPresenter(RustVitalsService(store, Dispatchers.IO), demo.residentIds.first(), "Résident", "101", Clock.System, scope)
            p.onEvent(VitalsEvent.Typed(VitalField.Temperature, "375"))
            val typo = p.next { it.preview?.problems?.isNotEmpty() == true }.preview!!.problems.single()
            assertEquals("Température : 375 est impossible (entre 25 et 45 °C). 37,5 ?", typo.message)
            // Saving now is refused by the core and keeps nothing.
            val before = store.records().pendingSyncCount()
            p.onEvent(VitalsEvent.Save)
            assertTrue(p.next { it.error != null }.error is VitalsError.SaveFailed)
            assertEquals(before, store.records().pendingSyncCount())
            p.onEvent(VitalsEvent.UseLikely(typo.loinc, typo.likely!!))
            assertEquals("37,5", p.next { it.typed[VitalField.Temperature] == "37,5" }.typed[VitalField.Temperature])
            for ((f, v) in listOf(VitalField.Pulse to "112", VitalField.RespiratoryRate to "22", VitalField.OxygenSaturation to "94",
                VitalField.Systolic to "105", VitalField.Diastolic to "60", VitalField.OxygenFlow to "0")) {
                p.onEvent(VitalsEvent.Typed(f, v))
            }
            p.onEvent(VitalsEvent.Consciousness(ConsciousnessLevel.ALERT))
            val scored = p.next { it.preview?.news2 != null }.preview!!.news2!!
            assertEquals(6.toUByte(), scored.total)
            assertEquals(News2Risk.MEDIUM, scored.risk)
            assertEquals(listOf("FR +2", "SpO2 +1", "TA systolique +1", "pouls +2"), scored.parts.filter { it.points > 0u }.map { "${it.parameter} +${it.points}" })
            p.onEvent(VitalsEvent.Save)
            val saved = p.next { it.saved != null }
            assertEquals(7, saved.saved)
            assertNull(saved.error)
            assertEquals(before + 7u, store.records().pendingSyncCount())
            // Not a number: named, nothing read.
            p.onEvent(VitalsEvent.Typed(VitalField.Weight, "soixante"))
            assertEquals(VitalsError.NotANumber(VitalField.Weight), p.next { it.error != null }.error)
        }
    }

    @Test
    fun `glycaemia is typed in g-L by default, and a value typed in mg-dL is offered in its unit`() {
        ChevetStore.open(dir.root.resolve("glucose.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 0u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val p = VitalsPresenter(RustVitalsService(store, Dispatchers.IO), demo.residentIds.first(), "Résident", "101", Clock.System, scope)
            assertEquals("g/L", p.next { it.glucoseUnit != null }.unitOf(VitalField.Glucose))
            p.onEvent(VitalsEvent.Typed(VitalField.Glucose, "120"))
            val problem = p.next { it.preview?.problems?.isNotEmpty() == true }.preview!!.problems.single()
            assertEquals("120 mg/dL = 1,2 g/L", problem.likelyLabel)
            assertEquals(1.2, problem.likely!!, 1e-9)
            p.onEvent(VitalsEvent.UseLikely(problem.loinc, problem.likely!!))
            p.next { it.typed[VitalField.Glucose] == "1,2" && it.preview?.problems?.isEmpty() == true }
            p.onEvent(VitalsEvent.Save)
            assertEquals(1, p.next { it.saved != null }.saved)
        }
    }

    @Test
    fun `a nurse types a temperature by mistake, takes the correction and saves`() = runComposeUiTest {
        val store = ChevetStore.open(dir.root.resolve("ui.db").path, InMemoryKeyVault())
        val demo = store.seedDemo(1u, 2u, 0u)
        store.sessions().signIn(demo.nurseId, demo.pin)
        try {
            val p = VitalsPresenter(RustVitalsService(store, Dispatchers.IO), demo.residentIds.first(), "Résident", "101", Clock.System, scope)
            setContent {
                val s by p.state.collectAsState()
                ChevetTheme { VitalsView(s, p::onEvent, onBack = {}) }
            }
            onNode(hasSetTextAction() and hasText("Température", substring = true)).performTextInput("385")
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Corriger en 38,5").fetchSemanticsNodes().isNotEmpty() }
            onNodeWithText("Corriger en 38,5").performClick()
            waitUntil(timeoutMillis = 10_000) { p.state.value.typed[VitalField.Temperature] == "38,5" && p.state.value.preview?.problems?.isEmpty() == true }
            onNodeWithText("Enregistrer").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("✓ 1 mesure(s) enregistrée(s).").fetchSemanticsNodes().isNotEmpty() }
        } finally {
            store.close()
        }
    }

    private val typedSet = mapOf(
        VitalField.Temperature to "375", VitalField.Pulse to "112", VitalField.RespiratoryRate to "22",
        VitalField.OxygenSaturation to "94", VitalField.Systolic to "105", VitalField.Diastolic to "60", VitalField.OxygenFlow to "0",
    )

    @Test
    fun `goldens - a typo to correct, a complete set scored, and accessibility`() {
        val goldens = File("src/test/goldens")
        val typo = VitalsState(
            "MARTIN Jeanne", "101", typed = typedSet, glucoseUnit = "g/L", consciousness = ConsciousnessLevel.ALERT,
            preview = VitalSetPreviewInfo(listOf(VitalProblemInfo("8310-5", "Température : 375 est impossible (entre 25 et 45 °C). 37,5 ?", 37.5, "Corriger en 37,5")), null),
        )
        val scored = typo.copy(
            typed = typedSet + (VitalField.Temperature to "37,5"),
            preview = VitalSetPreviewInfo(
                emptyList(),
                News2Info(6u, News2Risk.MEDIUM, listOf(News2PartInfo("FR", 2u), News2PartInfo("SpO2", 1u), News2PartInfo("TA systolique", 1u), News2PartInfo("pouls", 2u))),
            ),
        )
        assertMatchesGolden(goldens, "vitals-typo-landscape", Tablet.Landscape) { ChevetTheme { VitalsView(typo, onEvent = {}, onBack = {}) } }
        assertMatchesGolden(goldens, "vitals-scored-landscape", Tablet.Landscape) { ChevetTheme { VitalsView(scored, onEvent = {}, onBack = {}) } }
        assertMatchesGolden(goldens, "vitals-scored-portrait", Tablet.Portrait) { ChevetTheme { VitalsView(scored, onEvent = {}, onBack = {}) } }
    }

    @Test
    fun `every action says what it does and is big enough for a gloved finger`() = runComposeUiTest {
        setContent { ChevetTheme { VitalsView(VitalsState("MARTIN Jeanne", "101", typed = typedSet), onEvent = {}, onBack = {}) } }
        assertActionsLabelledAndLargeEnough(atLeast = 7)
    }
}
