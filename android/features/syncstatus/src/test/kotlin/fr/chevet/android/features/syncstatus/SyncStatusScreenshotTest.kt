package fr.chevet.android.features.syncstatus

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.runtime.Composable
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.SyncFailure
import fr.chevet.core.SyncHealth
import androidx.compose.ui.unit.dp
import org.junit.Test
import java.io.File

/** The sync bar's states, stacked on one tablet-sized sheet per size. */
class SyncStatusScreenshotTest {
    private val goldens = File("src/test/goldens")

    private val states = listOf(
        SyncFixture.state(SyncHealth.UP_TO_DATE),
        SyncFixture.state(SyncHealth.PENDING, pending = 3, conflicts = 1),
        SyncFixture.syncing,
        SyncFixture.state(SyncHealth.OFFLINE, pending = 12, lastSyncDaysAgo = 1),
        SyncFixture.state(SyncHealth.FAILING, pending = 2, failure = SyncFailure.CERTIFICATE_REFUSED),
        SyncFixture.state(SyncHealth.FAILING, failure = SyncFailure.CREDENTIAL_REFUSED),
        SyncFixture.state(SyncHealth.NEVER_SYNCED),
        SyncFixture.state(SyncHealth.DEMO),
    )

    @Composable
    private fun sheet() = ChevetTheme { Column(verticalArrangement = Arrangement.spacedBy(6.dp)) { for (s in states) SyncStatusBar(s, SyncFixture.zone, onEvent = {}) } }

    @Test
    fun `every state of the bar, landscape and portrait`() {
        assertMatchesGolden(goldens, "syncstatus-states-landscape", Tablet.Landscape) { sheet() }
        assertMatchesGolden(goldens, "syncstatus-states-portrait", Tablet.Portrait) { sheet() }
    }
}
