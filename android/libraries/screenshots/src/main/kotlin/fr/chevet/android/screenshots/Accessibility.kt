package fr.chevet.android.screenshots

import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.unit.dp
import org.junit.Assert.assertTrue

/** The smallest touch target a gloved finger gets (the design system's, kept here for the tests). */
private val MinTarget = 56.dp

/**
 * Every clickable thing on screen says what it does (a text or a content
 * description) and is at least 48 dp wide and 56 dp high; there are at
 * least [atLeast] of them. Returns how many there are.
 */
@OptIn(ExperimentalTestApi::class)
fun ComposeUiTest.assertActionsLabelledAndLargeEnough(atLeast: Int = 1): Int {
    val actions = onAllNodes(hasClickAction()).fetchSemanticsNodes()
    assertTrue("${actions.size} actions, expected at least $atLeast", actions.size >= atLeast)
    for (node in actions) {
        val said = node.config.getOrNull(SemanticsProperties.ContentDescription).orEmpty() +
            node.config.getOrNull(SemanticsProperties.Text).orEmpty().map { it.text }
        assertTrue("an action with nothing to say: $node", said.any { it.isNotBlank() })
        val size = with(density) { node.size.width.toDp() to node.size.height.toDp() }
        assertTrue("$said is ${size.first}×${size.second}", size.first >= 48.dp && size.second >= MinTarget)
    }
    return actions.size
}
