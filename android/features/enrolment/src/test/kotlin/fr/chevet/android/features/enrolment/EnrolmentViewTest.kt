package fr.chevet.android.features.enrolment

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import org.junit.Assert.assertEquals
import org.junit.Test

/** The enrolment screen's fields and buttons are labelled and big enough for a gloved finger. */
@OptIn(ExperimentalTestApi::class)
class EnrolmentViewTest {
    @Test
    fun `every field and action says what it is and is big enough`() = runComposeUiTest {
        setContent { ChevetTheme { EnrolmentView(EnrolmentState(canScan = true, error = EnrolmentError.NotAnEnrolmentQr), onEvent = {}) } }
        assertEquals(3, onAllNodes(hasSetTextAction()).fetchSemanticsNodes().size)
        // Scan, enrol, close the message (and the fields).
        assertActionsLabelledAndLargeEnough(atLeast = 3)
    }
}
