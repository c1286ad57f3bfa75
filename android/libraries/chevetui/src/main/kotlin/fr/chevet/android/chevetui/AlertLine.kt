package fr.chevet.android.chevetui

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.core.AlertInfo
import fr.chevet.core.AlertLevel

/**
 * An alert in a word (« Urgent », « À surveiller »), why it fired and what to do (« → Prévenir l'IDE »),
 * all worded by the core: the round, the resident's file and the relève say it alike.
 */
@Composable
fun AlertLine(alert: AlertInfo, modifier: Modifier = Modifier) {
    val (fg, bg) = alertColours(alert.level)
    Column(
        modifier.padding(top = 8.dp).fillMaxWidth().background(bg, RoundedCornerShape(8.dp)).padding(horizontal = 12.dp, vertical = 8.dp),
    ) {
        Row {
            Text("${alert.word} : ", color = fg, fontWeight = FontWeight.Bold, style = MaterialTheme.typography.bodyLarge)
            Text(alert.why, color = fg, style = MaterialTheme.typography.bodyLarge)
        }
        Text("→ ${alert.action}", color = fg, fontWeight = FontWeight.SemiBold, style = MaterialTheme.typography.bodyLarge)
    }
}

/** An alert level's colours: red to act on, amber to watch. */
fun alertColours(level: AlertLevel): Pair<Color, Color> = when (level) {
    AlertLevel.ACT -> ChevetColors.alertAct to ChevetColors.alertActBackground
    AlertLevel.WATCH -> ChevetColors.alertWatch to ChevetColors.alertWatchBackground
}
