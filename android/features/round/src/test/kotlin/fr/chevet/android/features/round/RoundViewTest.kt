package fr.chevet.android.features.round

import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustRoundService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.designsystem.timeOfDay
import fr.chevet.core.RoundFilter
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder

/** The round screen driven by a care worker's taps, over the real core. */
@OptIn(ExperimentalTestApi::class)
class RoundViewTest {
    @get:Rule
    val dir = TemporaryFolder()

    @Test
    fun `a care aide finds a late act, validates it, marks another not done and sees the rows change`() = runComposeUiTest {
        val (store, demo) = demoStore(dir.root, residents = 2)
        val lateLabel = planLateAct(store, demo.residentIds.last(), "Aide au lever")
        // The nurse planned it; the care aide takes the tablet for the round.
        store.sessions().signIn(demo.careAideId, demo.pin)
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            val presenter = RoundPresenter(RustRoundService(store, Dispatchers.IO), demo.unitIds.first(), Clock.System, scope, window = dayBack)
            setContent {
                val state by presenter.state.collectAsState()
                ChevetTheme { RoundView(state, RoundFixture.zone, presenter::onEvent) }
            }
            presenter.onEvent(RoundEvent.Refresh)
            waitUntil(timeoutMillis = 10_000) { !presenter.state.value.loading }
            // Late only: what the round has fallen behind on.
            onNodeWithText("En retard").performClick()
            waitUntil(timeoutMillis = 10_000) { presenter.state.value.filter == RoundFilter.LATE }
            val (resident, item) = presenter.state.value.residents.firstNotNullOf { r ->
                r.items.firstOrNull { it.label == lateLabel }?.let { r to it }
            }
            assertEquals(fr.chevet.core.RoundStatus.LATE, item.status)
            // The time as the core words it: « hier 22 h 31 » just after midnight.
            val time = item.dueLabel
            onNode(hasContentDescription("Valider ${item.label} de ${resident.displayName} à $time")).performScrollTo().performClick()
            waitUntil(timeoutMillis = 10_000) {
                val s = presenter.state.value
                s.saving == null && s.residents.none { r -> r.items.any { it.plannedActId == item.plannedActId && it.dueAtMs == item.dueAtMs } }
            }
            // Back to everything: the row now says "fait".
            onNodeWithText("Tout").performClick()
            waitUntil(timeoutMillis = 10_000) { presenter.state.value.filter == RoundFilter.ALL }
            val row = presenter.state.value.residents.first { it.residentId == resident.residentId }.items
                .first { it.plannedActId == item.plannedActId && it.dueAtMs == item.dueAtMs }
            assertEquals("fait", row.statusLabel)

            // Another act, not done: two taps, the reason then.
            val (r2, i2) = presenter.state.value.residents.firstNotNullOf { r ->
                r.items.firstOrNull { it.open && it.mayRecord }?.let { r to it }
            }
            val t2 = i2.dueLabel
            onNode(hasContentDescription("${i2.label} de ${r2.displayName} à $t2 non fait")).performScrollTo().performClick()
            waitUntil(timeoutMillis = 10_000) { presenter.state.value.askingWhyNotDone != null }
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Pourquoi ce soin n'est-il pas fait ?").fetchSemanticsNodes().isNotEmpty() }
            onNodeWithText("Résident endormi").performClick()
            waitUntil(timeoutMillis = 10_000) {
                presenter.state.value.residents.first { it.residentId == r2.residentId }.items
                    .first { it.plannedActId == i2.plannedActId && it.dueAtMs == i2.dueAtMs }.statusLabel == "non fait"
            }
            waitForIdle()
            assertTrue(onAllNodesWithText("non fait").fetchSemanticsNodes().isNotEmpty())
        } finally {
            scope.cancel()
            store.close()
        }
    }

    @Test
    fun `every action says what it does and is big enough for a gloved finger`() = runComposeUiTest {
        setContent { ChevetTheme { RoundView(RoundFixture.loaded, RoundFixture.zone, onEvent = {}) } }
        assertActionsLabelledAndLargeEnough(atLeast = 10)
        // Every open act on screen offers both answers; a done one offers none. (What nobody
        // recorded comes first: the cards below the fold are not composed.)
        val validate = onAllNodes(hasText("Fait") and hasClickAction()).fetchSemanticsNodes().size
        assertTrue(validate >= 2)
        assertEquals(validate, onAllNodes(hasText("Non fait") and hasClickAction()).fetchSemanticsNodes().size)
    }

    @Test
    fun `what the role may not do is not offered`() = runComposeUiTest {
        setContent { ChevetTheme { RoundView(RoundFixture.loaded, RoundFixture.zone, onEvent = {}) } }
        val paracetamol = RoundFixture.residents[0].items.first { it.label == "Paracétamol 1 g" }
        val time = timeOfDay(paracetamol.dueAtMs, RoundFixture.zone)
        assertTrue(onAllNodesWithText("Hors de votre rôle").fetchSemanticsNodes().isNotEmpty())
        assertTrue(onAllNodes(hasContentDescription("Valider Paracétamol 1 g de MARTIN Jeanne à $time")).fetchSemanticsNodes().isEmpty())
        assertTrue(onAllNodes(hasContentDescription("Paracétamol 1 g de MARTIN Jeanne à $time non fait")).fetchSemanticsNodes().isEmpty())
        // The acts she may do keep their buttons.
        onNode(hasContentDescription("Valider Change de MARTIN Jeanne à 14\u00a0h\u00a000")).assertExists()
    }
}
