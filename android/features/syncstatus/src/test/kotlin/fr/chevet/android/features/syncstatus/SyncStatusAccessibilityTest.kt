package fr.chevet.android.features.syncstatus

import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import androidx.compose.foundation.layout.Column
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.core.SyncHealth
import org.junit.Assert.assertEquals
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
        assertEquals(3, assertActionsLabelledAndLargeEnough())
    }
}
