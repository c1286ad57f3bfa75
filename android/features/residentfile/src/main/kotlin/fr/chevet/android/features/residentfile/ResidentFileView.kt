package fr.chevet.android.features.residentfile

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.style.TextDecoration
import androidx.compose.ui.unit.dp
import fr.chevet.android.chevetui.AlertLine
import fr.chevet.android.chevetui.TrendChart
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.ScreenHeader
import fr.chevet.android.designsystem.WordChip
import fr.chevet.android.designsystem.timeOfDay
import fr.chevet.core.ChartKind
import fr.chevet.core.IdentityInfo
import fr.chevet.core.IdentityStatus
import fr.chevet.core.ResidentFileInfo
import fr.chevet.core.TimelineItemInfo
import java.time.Instant
import java.time.ZoneId

/** Wide enough for two columns (a tablet in landscape). */
private val TwoColumns = 900.dp

/**
 * A resident's file: who they are (the INS shown only when the identity is
 * qualified), what keeps them safe (allergies, directives, trusted person),
 * alerts and latest vitals, the trend charts, then the timeline.
 */
@Composable
fun ResidentFileView(
    state: ResidentFileState,
    zone: ZoneId,
    onEvent: (ResidentFileEvent) -> Unit,
    onBack: () -> Unit,
    modifier: Modifier = Modifier,
    /** « Échelles »: the bedside scales for this resident (the shell navigates). */
    onOpenScales: (() -> Unit)? = null,
    /** « Urgences »: the emergency transfer sheet (the shell navigates). */
    onOpenTransfer: (() -> Unit)? = null,
    /** « Plaies »: the resident's wounds (the shell navigates). */
    onOpenWounds: (() -> Unit)? = null,
) {
    val file = state.file
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        ScreenHeader(
            file?.summary?.displayName ?: "Dossier",
            onBack,
            subtitle = file?.let { "Ch. ${it.summary.room} · ${it.identity.ageYears} ans · ${it.identity.statusLabel}" },
        ) {
            Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                if (file != null && onOpenScales != null) {
                    OutlinedButton(onClick = onOpenScales, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                        Text("Échelles", style = MaterialTheme.typography.labelLarge)
                    }
                }
                if (file != null && onOpenWounds != null) {
                    OutlinedButton(onClick = onOpenWounds, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                        Text(if (file.wounds.any { !it.healed }) "Plaies (${file.wounds.count { !it.healed }})" else "Plaies", style = MaterialTheme.typography.labelLarge)
                    }
                }
                if (file != null && onOpenTransfer != null) {
                    OutlinedButton(onClick = onOpenTransfer, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                        Text("Urgences", style = MaterialTheme.typography.labelLarge, color = ChevetColors.missed)
                    }
                }
            }
        }
        state.error?.let {
            Text(
                "Le dossier n'a pas pu être lu : réessayez ; si cela continue, prévenez l'informatique.",
                color = ChevetColors.missed,
                style = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.fillMaxWidth().background(ChevetColors.missedBackground).padding(16.dp),
            )
        }
        when {
            state.loading -> Box(Modifier.fillMaxSize().padding(32.dp), contentAlignment = Alignment.Center) {
                Text("Ouverture du dossier…", style = MaterialTheme.typography.bodyLarge)
            }
            file != null -> BoxWithConstraints {
                val wide = maxWidth >= TwoColumns
                LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                    item(key = "top") { Top(file, wide) }
                    item(key = "charts") { Charts(file, wide) }
                    item(key = "journal") { SectionTitle("Journal") }
                    items(state.timeline, key = { it.recordId }) { TimelineLine(it, zone) }
                    item(key = "more") { More(state, onEvent) }
                }
            }
        }
    }
}

@Composable
private fun Top(file: ResidentFileInfo, wide: Boolean) {
    if (wide) {
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            Identity(file.identity, Modifier.weight(1f))
            Safety(file, Modifier.weight(1f))
        }
    } else {
        Column(verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Identity(file.identity, Modifier.fillMaxWidth())
            Safety(file, Modifier.fillMaxWidth())
        }
    }
}

@Composable
private fun Panel(title: String, modifier: Modifier, content: @Composable () -> Unit) {
    Card(
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
        modifier = modifier,
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
            Text(title, style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
            content()
        }
    }
}

/** The identity status in its RNIV word; green only when qualified. */
@Composable
private fun StatusChip(identity: IdentityInfo) {
    val (fg, bg) = when (identity.status) {
        IdentityStatus.QUALIFIED -> ChevetColors.done to ChevetColors.doneBackground
        IdentityStatus.VALIDATED, IdentityStatus.RECOVERED -> ChevetColors.late to ChevetColors.lateBackground
        IdentityStatus.PROVISIONAL -> ChevetColors.missed to ChevetColors.missedBackground
    }
    WordChip(identity.statusLabel, fg, bg)
}

@Composable
private fun Identity(id: IdentityInfo, modifier: Modifier) = Panel("Identité", modifier) {
    StatusChip(id)
    Field("Nom de naissance", id.birthName)
    Field("Prénoms de naissance", id.birthGivenNames)
    id.usedName?.let { Field("Nom utilisé", it) }
    id.usedGivenName?.let { Field("Prénom utilisé", it) }
    Field("Sexe", id.sexLabel)
    Field("Date de naissance", "${id.birthDate} (${id.ageYears} ans)")
    id.birthPlace?.let { Field("Lieu de naissance (INSEE)", it) }
    Field("INS", id.ins ?: "non affiché : identité non qualifiée")
    if (id.traitsReadOnly) {
        Text(
            "Traits issus de l'INSi : non modifiables sur la tablette.",
            style = MaterialTheme.typography.bodyMedium,
            color = ChevetColors.muted,
        )
    }
}

@Composable
private fun Field(label: String, value: String) {
    Row {
        Text(label, style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted, modifier = Modifier.width(200.dp))
        Text(value, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Safety(file: ResidentFileInfo, modifier: Modifier) = Panel("À savoir", modifier) {
    Text("Allergies", style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted)
    if (file.allergies.isEmpty()) {
        Text("Aucune allergie renseignée", style = MaterialTheme.typography.bodyLarge)
    } else {
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            for (a in file.allergies) WordChip(a, ChevetColors.alertAct, ChevetColors.alertActBackground)
        }
    }
    Field("Directives anticipées", file.advanceDirectives ?: "non renseignées")
    Field("Personne de confiance", file.trustedPerson ?: "non désignée")
    for (alert in file.alerts) AlertLine(alert)
    if (file.latestVitals.isNotEmpty()) {
        Text("Dernières mesures", style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted, modifier = Modifier.padding(top = 8.dp))
        for (v in file.latestVitals) Text(v, style = MaterialTheme.typography.bodyLarge)
    }
}

@Composable
private fun Charts(file: ResidentFileInfo, wide: Boolean) = Panel("Courbes", Modifier.fillMaxWidth()) {
    val weight = file.charts.firstOrNull { it.kind == ChartKind.WEIGHT }
    weight?.let { TrendChart(it, Modifier.fillMaxWidth().padding(bottom = 12.dp), plotHeight = 200.dp) }
    val others = file.charts.filter { it.kind != ChartKind.WEIGHT }
    for (pair in others.chunked(if (wide) 2 else 1)) {
        Row(horizontalArrangement = Arrangement.spacedBy(24.dp), modifier = Modifier.padding(bottom = 12.dp)) {
            for (c in pair) TrendChart(c, Modifier.weight(1f))
            if (pair.size == 1 && wide) Box(Modifier.weight(1f))
        }
    }
}

@Composable
private fun SectionTitle(text: String) {
    Text(text, style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(top = 8.dp).semantics { heading() })
}

private fun dayOf(ms: Long, zone: ZoneId): String {
    val d = Instant.ofEpochMilli(ms).atZone(zone)
    return "%02d/%02d/%d".format(d.dayOfMonth, d.monthValue, d.year)
}

@Composable
private fun TimelineLine(item: TimelineItemInfo, zone: ZoneId) {
    Row(
        Modifier.fillMaxWidth().background(MaterialTheme.colorScheme.surface, RoundedCornerShape(8.dp)).padding(horizontal = 12.dp, vertical = 8.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(
            if (item.unreadable) "—" else "${dayOf(item.atMs, zone)}  ${timeOfDay(item.atMs, zone)}",
            style = MaterialTheme.typography.bodyMedium,
            color = ChevetColors.muted,
            modifier = Modifier.width(184.dp),
        )
        when {
            item.unreadable -> Text(
                "${item.summary} : prévenez l'informatique",
                color = ChevetColors.missed,
                style = MaterialTheme.typography.bodyLarge,
            )
            item.enteredInError -> Text(
                "${item.summary}  (saisie erronée)",
                color = ChevetColors.muted,
                textDecoration = TextDecoration.LineThrough,
                style = MaterialTheme.typography.bodyLarge,
            )
            else -> Text(item.summary, style = MaterialTheme.typography.bodyLarge)
        }
    }
}

@Composable
private fun More(state: ResidentFileState, onEvent: (ResidentFileEvent) -> Unit) {
    if (state.timelineEnd) {
        Text(
            if (state.timeline.isEmpty()) "Rien d'enregistré pour l'instant." else "Début du dossier.",
            style = MaterialTheme.typography.bodyMedium,
            color = ChevetColors.muted,
            fontWeight = FontWeight.Normal,
        )
    } else {
        OutlinedButton(
            onClick = { onEvent(ResidentFileEvent.MoreTimeline) },
            enabled = !state.loadingMore,
            modifier = Modifier.heightIn(min = MinTouchTarget),
        ) { Text(if (state.loadingMore) "Lecture…" else "Voir plus", style = MaterialTheme.typography.labelLarge) }
    }
}
