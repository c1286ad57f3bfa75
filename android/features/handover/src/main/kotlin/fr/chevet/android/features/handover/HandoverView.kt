package fr.chevet.android.features.handover

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.chevetui.alertColours
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.ScreenHeader
import fr.chevet.android.designsystem.timeOfDay
import fr.chevet.core.HandoverKind
import fr.chevet.core.HandoverLineInfo
import fr.chevet.core.ResidentHandoverInfo
import java.time.ZoneId

/** The shift handover: per resident, what the last shift brought, alerts first. */
@Composable
fun HandoverView(state: HandoverState, zone: ZoneId, onEvent: (HandoverEvent) -> Unit, onBack: () -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        val read = state.readUntilMs != null && state.readUntilMs >= state.untilMs
        ScreenHeader(
            "Relève",
            onBack,
            subtitle = if (state.loading) null
            else "Depuis ${timeOfDay(state.sinceMs, zone)} · ${state.handover?.residents?.size ?: 0} résident(s) à connaître",
        ) {
            Button(
                onClick = { onEvent(HandoverEvent.MarkRead) },
                enabled = !state.loading && !read,
                modifier = Modifier.heightIn(min = MinTouchTarget),
            ) { Text(if (read) "✓ Relève lue" else "J'ai pris connaissance", style = MaterialTheme.typography.labelLarge) }
        }
        state.error?.let {
            Text(
                "La relève n'a pas pu être lue : réessayez ; si cela continue, prévenez l'informatique.",
                color = ChevetColors.missed,
                style = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.fillMaxWidth().background(ChevetColors.missedBackground).padding(16.dp),
            )
        }
        val h = state.handover
        when {
            state.loading -> Centred("Calcul de la relève…")
            h == null -> Unit
            h.residents.isEmpty() -> Centred("Rien de particulier sur ce poste.")
            else -> LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                items(h.residents, key = { it.residentId }) { r -> ResidentCard(r, state.readUntilMs, zone) }
                if (h.unreadable > 0u) {
                    item {
                        Text(
                            "${h.unreadable} enregistrement(s) illisible(s) sur cette tablette : prévenez l'informatique.",
                            color = ChevetColors.missed,
                            style = MaterialTheme.typography.bodyMedium,
                        )
                    }
                }
            }
        }
    }
}

@Composable
private fun ResidentCard(r: ResidentHandoverInfo, readUntilMs: Long?, zone: ZoneId) {
    Card(
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text("Ch. ${r.room}", style = MaterialTheme.typography.titleMedium, modifier = Modifier.widthIn(min = 120.dp))
                Text(r.displayName, style = MaterialTheme.typography.titleMedium)
            }
            for (line in r.lines) Line(line, isNew = readUntilMs == null || (line.atMs ?: Long.MAX_VALUE) > readUntilMs, zone)
        }
    }
}

@Composable
private fun Line(line: HandoverLineInfo, isNew: Boolean, zone: ZoneId) {
    // An alert in its level's colours (amber to watch, red to act), as on the round.
    val (fg, bg) = line.level?.let { alertColours(it) } ?: kindColours(line.kind)
    val word = line.word
    Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.fillMaxWidth()) {
        Box(
            // One width for every kind: the times and texts line up in columns.
            Modifier.width(176.dp).background(bg, RoundedCornerShape(8.dp)).padding(horizontal = 10.dp, vertical = 4.dp),
            contentAlignment = Alignment.Center,
        ) { Text(word, color = fg, fontWeight = FontWeight.SemiBold, style = MaterialTheme.typography.bodyMedium) }
        Text(
            line.atMs?.let { timeOfDay(it, zone) } ?: if (line.kind == HandoverKind.ALERT) "en cours" else "ce poste",
            style = MaterialTheme.typography.bodyMedium,
            color = ChevetColors.muted,
            modifier = Modifier.width(112.dp).padding(start = 12.dp),
        )
        Column(Modifier.weight(1f)) {
            Text(
                // « Pour vous », as the core marks what is addressed to the reader's role.
                line.mark.orEmpty().let { if (it.isEmpty()) it else "$it · " } +
                    line.text + if (isNew && line.kind != HandoverKind.ALERT) "  · nouveau" else "",
                style = MaterialTheme.typography.bodyLarge,
                fontWeight = if (line.mark != null) FontWeight.SemiBold else null,
            )
            // What to do about an alert, by its rule.
            line.action?.let { Text("→ $it", style = MaterialTheme.typography.bodyLarge, fontWeight = FontWeight.SemiBold) }
        }
    }
}

/** A line's colours; the word beside them is the core's (always a word, never colour alone). */
fun kindColours(kind: HandoverKind): Pair<Color, Color> = when (kind) {
    HandoverKind.ALERT, HandoverKind.FALL -> ChevetColors.alertAct to ChevetColors.alertActBackground
    HandoverKind.UNRECORDED, HandoverKind.WOUND_NEW, HandoverKind.WOUND_WORSE -> ChevetColors.missed to ChevetColors.missedBackground
    HandoverKind.MEDICATION_NOT_GIVEN, HandoverKind.ACT_NOT_DONE -> ChevetColors.late to ChevetColors.lateBackground
    HandoverKind.TRANSMISSION -> ChevetColors.ink to ChevetColors.surface
}

@Composable
private fun Centred(text: String) {
    Box(Modifier.fillMaxSize().padding(32.dp), contentAlignment = Alignment.Center) {
        Text(text, style = MaterialTheme.typography.bodyLarge)
    }
}

