package fr.chevet.android.features.syncstatus

import androidx.compose.foundation.layout.Column
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.runComposeUiTest
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.core.SyncHealth
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** The sync bar's actions say what they do and take a gloved finger, in every state that offers one. */
@OptIn(ExperimentalTestApi::class)
class SyncStatusAccessibilityTest {
    @Test
    fun `every action says what it does and is big enough`() = runComposeUiTest {
        val states = listOf(
            SyncFixture.state(SyncHealth.PENDING, pending = 3),
            SyncFixture.state(SyncHealth.OFFLINE, pending = 3),
            SyncFixture.syncing,
        )
        setContent { ChevetTheme { Column { for (s in states) SyncStatusBar(s, SyncFixture.zone, onEvent = {}) } } }
        val actions = onAllNodes(hasClickAction()).fetchSemanticsNodes()
        assertEquals(3, actions.size)
        for (node in actions) {
            val said = node.config.getOrNull(SemanticsProperties.Text).orEmpty().map { it.text }
            assertTrue("an action with nothing to say: $node", said.any { it.isNotBlank() })
            val size = with(density) { node.size.width.toDp() to node.size.height.toDp() }
            assertTrue("$said is ${size.first}×${size.second}", size.first >= 48.dp && size.second >= MinTouchTarget)
        }
    }
}
