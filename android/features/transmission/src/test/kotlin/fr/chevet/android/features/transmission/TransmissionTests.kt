package fr.chevet.android.features.transmission

import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustCareRecordService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.StaffRole
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.io.File

/** Transmissions over the real core: refused until they say something, kept with their audience (who must act), read by the whole team. */
@OptIn(ExperimentalTestApi::class)
class TransmissionTests {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @After
    fun stop() = scope.cancel()

    private fun TransmissionPresenter.next(until: (TransmissionState) -> Boolean): TransmissionState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    @Test
    fun `an empty transmission is refused, one for the nurses is kept and the whole team reads it`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 0u)
            store.sessions().signIn(demo.careAideId, demo.pin)
            val resident = demo.residentIds.first()
            val p = TransmissionPresenter(RustCareRecordService(store, Dispatchers.IO), resident, "Résident", "101", Clock.System, scope)
            val before = store.records().pendingSyncCount()
            p.onEvent(TransmissionEvent.Target("Douleur"))
            p.onEvent(TransmissionEvent.Save)
            val refused = p.next { it.error != null }
            assertEquals("Rien n'a été enregistré : écrivez au moins les données, les actions ou les résultats.", errorWords(refused.error!!))
            assertEquals(before, store.records().pendingSyncCount())

            p.onEvent(TransmissionEvent.Data("Grimace à la mobilisation du genou droit."))
            p.onEvent(TransmissionEvent.ToggleAudience(StaffRole.NURSE))
            p.onEvent(TransmissionEvent.Save)
            assertEquals("Douleur", p.next { it.saved != null }.saved)
            assertEquals(before + 1u, store.records().pendingSyncCount())
            // Addressed to the nurses: the whole team reads it on the timeline, the care aide who
            // wrote it and the nurse alike (the relève marks it « Pour vous » for the nurse).
            fun seen() = store.residents().timeline(resident, null, 50u).any { it.summary.contains("Douleur") }
            assertTrue(seen())
            store.sessions().signIn(demo.nurseId, demo.pin)
            assertTrue(seen())
        }
    }

    @Test
    fun `a care aide writes a fall in a few taps`() = runComposeUiTest {
        val store = ChevetStore.open(dir.root.resolve("ui.db").path, InMemoryKeyVault())
        val demo = store.seedDemo(1u, 2u, 0u)
        store.sessions().signIn(demo.careAideId, demo.pin)
        try {
            val p = TransmissionPresenter(RustCareRecordService(store, Dispatchers.IO), demo.residentIds.first(), "Résident", "101", Clock.System, scope)
            setContent {
                val s by p.state.collectAsState()
                ChevetTheme { TransmissionView(s, p::onEvent, onBack = {}) }
            }
            onNode(hasContentDescription("Cible Chute")).performClick()
            onNode(hasSetTextAction() and hasText("Données", substring = true)).performTextInput("Retrouvée assise au sol près du lit.")
            onNodeWithText("Enregistrer").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("✓ Transmission « Chute » enregistrée.").fetchSemanticsNodes().isNotEmpty() }
        } finally {
            store.close()
        }
    }

    @Test
    fun `goldens and accessibility`() {
        val written = TransmissionState(
            "MARTIN Jeanne", "101", target = "Chute", data = "Retrouvée assise au sol près du lit, à 3 h.",
            actions = "Relevée à deux, examen : pas de douleur, pas de plaie.", results = "", audience = setOf(StaffRole.NURSE),
        )
        assertMatchesGolden(File("src/test/goldens"), "transmission-written", Tablet.Landscape) {
            ChevetTheme { TransmissionView(written, onEvent = {}, onBack = {}) }
        }
        runComposeUiTest {
            setContent { ChevetTheme { TransmissionView(written, onEvent = {}, onBack = {}) } }
            assertActionsLabelledAndLargeEnough(atLeast = 16)
        }
    }
}
