package fr.chevet.android.designsystem

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.RectangleShape
import androidx.compose.ui.graphics.Shape
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp

/** A status in a word on its colour (never colour alone), one width so statuses line up. */
@Composable
fun WordChip(label: String, fg: Color, bg: Color, modifier: Modifier = Modifier) {
    Box(
        modifier.widthIn(min = 140.dp).background(bg, RoundedCornerShape(8.dp)).padding(horizontal = 12.dp, vertical = 6.dp),
        contentAlignment = Alignment.Center,
    ) {
        Text(label, color = fg, fontWeight = FontWeight.SemiBold, style = MaterialTheme.typography.bodyMedium)
    }
}

/** "Why not?": a question and one big button per reason; nothing is recorded until one is chosen. */
@Composable
fun ReasonDialog(title: String, question: String, reasons: List<Pair<String, () -> Unit>>, onDismiss: () -> Unit) {
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(title, style = MaterialTheme.typography.titleMedium) },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(question, style = MaterialTheme.typography.bodyLarge)
                for ((label, choose) in reasons) {
                    OutlinedButton(onClick = choose, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouchTarget)) {
                        Text(label, style = MaterialTheme.typography.labelLarge)
                    }
                }
            }
        },
        confirmButton = {},
        dismissButton = {
            TextButton(onClick = onDismiss, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                Text("Annuler", style = MaterialTheme.typography.labelLarge)
            }
        },
    )
}

/**
 * The header of a screen opened from the round: « ← Tournée », the title
 * (and a line under it), then the screen's main action on the right.
 */
@Composable
fun ScreenHeader(
    title: String,
    onBack: () -> Unit,
    subtitle: String? = null,
    /** Where « ← » goes back to, in a word. */
    backTo: String = "Tournée",
    action: (@Composable () -> Unit)? = null,
) {
    Row(
        Modifier.fillMaxWidth().background(MaterialTheme.colorScheme.surfaceVariant).padding(16.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        OutlinedButton(onClick = onBack, modifier = Modifier.heightIn(min = MinTouchTarget)) {
            Text("← $backTo", style = MaterialTheme.typography.labelLarge)
        }
        Column(Modifier.weight(1f).padding(start = 16.dp)) {
            Text(title, style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
            subtitle?.let { Text(it, style = MaterialTheme.typography.bodyLarge) }
        }
        action?.invoke()
    }
}

/** One of several choices: filled with a ✓ when chosen; [description] is what a screen reader says. */
@Composable
fun ChoiceButton(label: String, chosen: Boolean, description: String, onClick: () -> Unit) {
    val modifier = Modifier.heightIn(min = MinTouchTarget).semantics { contentDescription = description }
    if (chosen) {
        Button(onClick = onClick, modifier = modifier) { Text("✓ $label", style = MaterialTheme.typography.labelLarge) }
    } else {
        OutlinedButton(onClick = onClick, modifier = modifier) { Text(label, style = MaterialTheme.typography.labelLarge) }
    }
}

/**
 * A line across the screen that says what just happened or what went wrong,
 * in its colours; read out by TalkBack when it appears.
 */
@Composable
fun Banner(text: String, fg: Color, bg: Color, shape: Shape = RectangleShape) {
    Text(
        text,
        color = fg,
        fontWeight = FontWeight.SemiBold,
        style = MaterialTheme.typography.bodyLarge,
        modifier = Modifier.fillMaxWidth().background(bg, shape).padding(12.dp).semantics { liveRegion = LiveRegionMode.Polite },
    )
}
