package fr.chevet.android.features.scales

import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsEnabled
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasScrollAction
import androidx.compose.ui.test.performScrollToNode
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustScaleService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.ChevetStore
import fr.chevet.core.DemoInfo
import fr.chevet.core.FormKind
import fr.chevet.core.InMemoryKeyVault
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.io.File

/** The guided scales over the real core; their goldens; their accessibility. */
@OptIn(ExperimentalTestApi::class)
class ScalesTests {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @After
    fun stop() = scope.cancel()

    private fun ScalesPresenter.next(until: (ScalesState) -> Boolean): ScalesState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    private fun <T> withStore(asCareAide: Boolean = false, block: (ChevetStore, DemoInfo) -> T): T =
        ChevetStore.open(dir.newFolder().resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 1u)
            store.sessions().signIn(if (asCareAide) demo.careAideId else demo.nurseId, demo.pin)
            block(store, demo)
        }

    private fun presenter(store: ChevetStore, demo: DemoInfo, onRecorded: () -> Unit = {}) =
        ScalesPresenter(RustScaleService(store, Dispatchers.IO), demo.residentIds.first(), "MARTIN Jeanne", "101", Clock.System, scope, onRecorded)
            .also { it.onEvent(ScalesEvent.Load) }

    @Test
    fun `a nurse fills Braden item by item, sees the score grow, and records it whole`() = withStore { store, demo ->
        var recorded = 0
        val p = presenter(store, demo) { recorded++ }
        p.next { !it.loading }
        p.onEvent(ScalesEvent.Choose(FormKind.BRADEN))
        p.onEvent(ScalesEvent.Answer(0, 1))
        p.onEvent(ScalesEvent.Answer(1, 1))
        val partial = p.next { it.preview?.answered == 2u }
        assertEquals("2 sur 6 répondus : 4 points pour l'instant", partial.preview!!.summary)
        assertFalse(partial.preview!!.complete)
        for (i in 2..5) p.onEvent(ScalesEvent.Answer(i, 1))
        val complete = p.next { it.preview?.complete == true }
        assertEquals("Braden 12/23 : risque élevé d'escarre", complete.preview!!.summary)
        assertTrue(complete.preview!!.positive)
        p.onEvent(ScalesEvent.Record)
        val done = p.next { it.recorded.isNotEmpty() }
        assertNull(done.error)
        assertNull(done.form)
        assertEquals(1, recorded)
        assertTrue(store.residents().timeline(demo.residentIds.first(), null, 5u).any { it.recordId == done.recorded.first().recordId })
    }

    @Test
    fun `AGGIR is rated with the four adverbs, each variable read as A, B or C`() = withStore { store, demo ->
        val p = presenter(store, demo)
        p.next { !it.loading }
        p.onEvent(ScalesEvent.Choose(FormKind.AGGIR))
        for (i in 0 until 10) for (bit in 0 until 4) p.onEvent(ScalesEvent.ToggleAdverb(i, bit))
        p.onEvent(ScalesEvent.ToggleAdverb(2, 3)) // toilette: not habitually
        p.onEvent(ScalesEvent.NoAdverb(6)) // transferts: none of the four
        val s = p.next { it.preview?.complete == true && it.answers[6]?.toInt() == 0 }
        assertEquals(listOf("A", "A", "B", "A", "A", "A", "C", "A", "A", "A"), s.preview!!.readings)
        assertTrue(s.preview!!.summary.startsWith("AGGIR : GIR "))
    }

    @Test
    fun `a care aide rates pain, and cannot open a risk scale the core would refuse`() = withStore(asCareAide = true) { store, demo ->
        val p = presenter(store, demo)
        val loaded = p.next { !it.loading }
        assertFalse(loaded.forms.first { it.kind == FormKind.BRADEN }.mayRecord)
        assertTrue(loaded.forms.first { it.kind == FormKind.SELF_REPORTED_PAIN }.mayRecord)
        p.onEvent(ScalesEvent.Choose(FormKind.BRADEN))
        assertNull("not offered", p.state.value.form)
        p.onEvent(ScalesEvent.Choose(FormKind.SELF_REPORTED_PAIN))
        p.onEvent(ScalesEvent.Answer(0, 0))
        p.onEvent(ScalesEvent.Answer(1, 7))
        assertEquals("EN 7/10 : douleur intense", p.next { it.preview?.complete == true }.preview!!.summary)
        p.onEvent(ScalesEvent.Record)
        assertNull(p.next { it.recorded.isNotEmpty() }.error)
    }

    @Test
    fun `goldens - the choice, Braden half answered, AGGIR complete, a care aide's choice`() {
        val goldens = File("src/test/goldens")
        fun shoot(name: String, size: Tablet, state: ScalesState) =
            assertMatchesGolden(goldens, name, size) { ChevetTheme { ScalesView(state, onEvent = {}, onBack = {}) } }
        withStore { store, demo ->
            val p = presenter(store, demo)
            p.next { !it.loading }
            p.onEvent(ScalesEvent.Choose(FormKind.ALGOPLUS))
            p.onEvent(ScalesEvent.Answer(0, 1))
            p.onEvent(ScalesEvent.Answer(2, 1))
            for (i in listOf(1, 3, 4)) p.onEvent(ScalesEvent.Answer(i, 0))
            p.next { it.preview?.complete == true }
            p.onEvent(ScalesEvent.Record)
            val chooser = p.next { it.recorded.isNotEmpty() }
            shoot("scales-choose", Tablet.Landscape, chooser)

            p.onEvent(ScalesEvent.Choose(FormKind.BRADEN))
            p.onEvent(ScalesEvent.Answer(0, 2))
            p.onEvent(ScalesEvent.Answer(1, 1))
            p.onEvent(ScalesEvent.Answer(2, 0))
            shoot("scales-braden-partial", Tablet.Landscape, p.next { it.preview?.answered == 3u })

            p.onEvent(ScalesEvent.ChooseAnother)
            p.onEvent(ScalesEvent.Choose(FormKind.AGGIR))
            for (i in 0 until 10) for (bit in 0 until 4) if (i < 2 || bit < 2) p.onEvent(ScalesEvent.ToggleAdverb(i, bit))
            shoot("scales-aggir-portrait", Tablet.Portrait, p.next { it.preview?.complete == true })
        }
        withStore(asCareAide = true) { store, demo ->
            val p = presenter(store, demo)
            shoot("scales-choose-care-aide", Tablet.Landscape, p.next { !it.loading })
        }
    }

    @Test
    fun `Algoplus in a few taps - two yes is probable pain, then the record button wakes`() = runComposeUiTest {
        withStore { store, demo ->
            val p = presenter(store, demo)
            p.next { !it.loading }
            setContent {
                val s by p.state.collectAsState()
                ChevetTheme { ScalesView(s, p::onEvent, onBack = {}) }
            }
            onNodeWithContentDescription("Échelle Algoplus", substring = true).performClick()
            waitUntil(timeoutMillis = 5_000) { p.state.value.form != null }
            onNodeWithText("Enregistrer").assertIsNotEnabled()
            fun tap(description: String) {
                onNode(hasScrollAction()).performScrollToNode(hasContentDescription(description))
                onNodeWithContentDescription(description).performClick()
            }
            for (item in listOf("Visage", "Plaintes")) tap("$item : Oui")
            for (item in listOf("Regard", "Corps", "Comportements")) tap("$item : Non")
            waitUntil(timeoutMillis = 5_000) { p.state.value.preview?.complete == true }
            onNodeWithText("Algoplus 2/5 : douleur probable").assertExists()
            onNodeWithText("Enregistrer").assertIsEnabled()
        }
    }

    @Test
    fun `every action says what it does and is big enough for a gloved finger`() = runComposeUiTest {
        withStore { store, demo ->
            val p = presenter(store, demo)
            p.next { !it.loading }
            p.onEvent(ScalesEvent.Choose(FormKind.NORTON))
            val s = p.next { it.preview != null }
            setContent { ChevetTheme { ScalesView(s, onEvent = {}, onBack = {}) } }
            assertTrue(assertActionsLabelledAndLargeEnough() > 10)
        }
    }
}
