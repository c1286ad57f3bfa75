package fr.chevet.android.chevetui

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.core.AlertInfo
import fr.chevet.core.AlertLevel

/** An alert in a word (« Urgent », « À surveiller ») and why it fired: the round and the resident's file say it alike. */
@Composable
fun AlertLine(alert: AlertInfo, modifier: Modifier = Modifier) {
    val (word, fg, bg) = when (alert.level) {
        AlertLevel.ACT -> Triple("Urgent", ChevetColors.alertAct, ChevetColors.alertActBackground)
        AlertLevel.WATCH -> Triple("À surveiller", ChevetColors.alertWatch, ChevetColors.alertWatchBackground)
    }
    Row(
        modifier.padding(top = 8.dp).fillMaxWidth().background(bg, RoundedCornerShape(8.dp)).padding(horizontal = 12.dp, vertical = 8.dp),
    ) {
        Text("$word : ", color = fg, fontWeight = FontWeight.Bold, style = MaterialTheme.typography.bodyLarge)
        Text(alert.why, color = fg, style = MaterialTheme.typography.bodyLarge)
    }
}
