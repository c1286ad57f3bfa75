package fr.chevet.android.features.enrolment

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.runComposeUiTest
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.designsystem.MinTouchTarget
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test

/** The enrolment screen's fields and buttons are labelled and big enough for a gloved finger. */
@OptIn(ExperimentalTestApi::class)
class EnrolmentViewTest {
    @Test
    fun `every field and action says what it is and is big enough`() = runComposeUiTest {
        setContent { ChevetTheme { EnrolmentView(EnrolmentState(canScan = true, error = EnrolmentError.NotAnEnrolmentQr), onEvent = {}) } }
        assertEquals(3, onAllNodes(hasSetTextAction()).fetchSemanticsNodes().size)
        val nodes = onAllNodes(hasClickAction()).fetchSemanticsNodes()
        assertTrue(nodes.size >= 3) // scan, enrol, close the message (and the fields)
        for (node in nodes) {
            val said = node.config.getOrNull(SemanticsProperties.ContentDescription).orEmpty() +
                node.config.getOrNull(SemanticsProperties.Text).orEmpty().map { it.text }
            assertTrue("an action with nothing to say: $node", said.any { it.isNotBlank() })
            val size = with(density) { node.size.width.toDp() to node.size.height.toDp() }
            assertTrue("$said is ${size.first}×${size.second}", size.first >= 48.dp && size.second >= MinTouchTarget)
        }
    }
}
