package fr.chevet.android.features.round

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
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
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import fr.chevet.android.chevetui.AlertLine
import fr.chevet.android.chevetui.RoundStatusChip
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.ChoiceButton
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.ReasonDialog
import fr.chevet.core.ChevetException
import fr.chevet.core.RoundItemInfo
import fr.chevet.core.RoundResidentInfo
import java.time.ZoneId

/** The round screen: filters, residents by room, their acts and alerts. */
@Composable
fun RoundView(state: RoundState, zone: ZoneId, onEvent: (RoundEvent) -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        RoundHeader(state, onEvent)
        state.error?.let { ErrorBanner(it, onEvent) }
        when {
            // Words, not a spinner: reading a round takes milliseconds, and a
            // spinner's first frame is a dot that looks like a fault.
            state.loading -> Centred {
                Text("Chargement de la tournée…", style = MaterialTheme.typography.bodyLarge)
            }
            state.residents.isEmpty() && state.unrecorded.isEmpty() -> Centred {
                Text(state.nothingShown, style = MaterialTheme.typography.bodyLarge)
            }
            else -> LazyColumn(
                contentPadding = PaddingValues(16.dp),
                verticalArrangement = Arrangement.spacedBy(12.dp),
            ) {
                // What nobody recorded comes first, in its own section, until answered or closed.
                state.unrecordedTitle?.let { title ->
                    item(key = "unrecorded-title") {
                        Text(
                            title,
                            color = ChevetColors.missed,
                            style = MaterialTheme.typography.titleMedium,
                            modifier = Modifier.fillMaxWidth().background(ChevetColors.missedBackground, RoundedCornerShape(8.dp))
                                .padding(12.dp).semantics { heading() },
                        )
                    }
                }
                items(state.unrecorded, key = { "unrecorded-" + it.residentId }) { resident ->
                    ResidentCard(resident, state.saving, zone, onEvent)
                }
                if (state.unrecorded.isNotEmpty() && state.residents.isEmpty()) {
                    item(key = "nothing-shown") { Text(state.nothingShown, style = MaterialTheme.typography.bodyLarge) }
                }
                items(state.residents, key = { it.residentId }) { resident ->
                    ResidentCard(resident, state.saving, zone, onEvent)
                }
                state.unreadableLine?.let { line ->
                    item {
                        Text(
                            line,
                            color = ChevetColors.missed,
                            style = MaterialTheme.typography.bodyMedium,
                        )
                    }
                }
            }
        }
    }
    state.askingWhyNotDone?.let { act -> WhyNotDoneDialog(act, onEvent) }
    state.askingHowToClose?.let { act -> HowToCloseDialog(act, onEvent) }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun RoundHeader(state: RoundState, onEvent: (RoundEvent) -> Unit) {
    Column(Modifier.fillMaxWidth().background(MaterialTheme.colorScheme.surfaceVariant).padding(16.dp)) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            Text(
                "Tournée",
                style = MaterialTheme.typography.titleLarge,
                modifier = Modifier.semantics { heading() }.weight(1f),
            )
            if (!state.loading) {
                Text(state.countsLine, style = MaterialTheme.typography.bodyLarge)
            }
        }
        Spacer(Modifier.heightIn(min = 12.dp))
        FlowRow(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            for (choice in roundFilters) {
                FilterButton(choice.label, state.filter == choice.filter) { onEvent(RoundEvent.SetFilter(choice.filter)) }
            }
            OutlinedButton(onClick = { onEvent(RoundEvent.Refresh) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                Text("Actualiser", style = MaterialTheme.typography.labelLarge)
            }
        }
    }
}

@Composable
private fun FilterButton(label: String, selected: Boolean, onClick: () -> Unit) =
    ChoiceButton(label, selected, if (selected) "Filtre $label, choisi" else "Filtre $label", onClick)

@Composable
private fun ResidentCard(resident: RoundResidentInfo, saving: ActRef?, zone: ZoneId, onEvent: (RoundEvent) -> Unit) {
    Card(
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(Modifier.padding(16.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(
                    "Ch. ${resident.room}",
                    style = MaterialTheme.typography.titleMedium,
                    modifier = Modifier.widthIn(min = 120.dp).padding(end = 16.dp),
                )
                // The name opens the file: where a care worker looks for who this is and how they are.
                Box(Modifier.weight(1f)) {
                    TextButton(
                        onClick = { onEvent(RoundEvent.OpenFile(resident.residentId)) },
                        modifier = Modifier.heightIn(min = MinTouchTarget)
                            .semantics { contentDescription = "Dossier de ${resident.displayName}" },
                    ) { Text("${resident.displayName} ›", style = MaterialTheme.typography.titleMedium) }
                }
                OutlinedButton(
                    onClick = { onEvent(RoundEvent.OpenTransmission(resident.residentId)) },
                    modifier = Modifier.heightIn(min = MinTouchTarget).padding(end = 8.dp)
                        .semantics { contentDescription = "Transmission sur ${resident.displayName}" },
                ) { Text("Transmission", style = MaterialTheme.typography.labelLarge) }
                OutlinedButton(
                    onClick = { onEvent(RoundEvent.OpenVitals(resident.residentId)) },
                    modifier = Modifier.heightIn(min = MinTouchTarget)
                        .semantics { contentDescription = "Constantes de ${resident.displayName}" },
                ) { Text("Constantes", style = MaterialTheme.typography.labelLarge) }
            }
            for (alert in resident.alerts) AlertLine(alert)
            for (item in resident.items) {
                val act = ActRef(resident.residentId, resident.displayName, item.plannedActId, item.dueAtMs, item.label, item.medication)
                ActRow(item, act, saving, zone, onEvent)
            }
        }
    }
}

@Composable
private fun ActRow(item: RoundItemInfo, act: ActRef, saving: ActRef?, zone: ZoneId, onEvent: (RoundEvent) -> Unit) {
    val time = item.dueLabel
    Row(
        Modifier.padding(top = 8.dp).fillMaxWidth().heightIn(min = MinTouchTarget),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(time, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.width(if (time.length > 8) 176.dp else 96.dp))
        Text(item.label, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f).padding(end = 8.dp))
        RoundStatusChip(item.status, item.statusLabel)
        if (!item.open) {
            // Where the buttons would be: statuses stay in one column.
            Spacer(Modifier.width(ActButtonsWidth))
        } else if (!item.mayRecord) {
            // Not offered: the core would refuse it for this role (a nurse's medication, a dressing).
            Text(
                "Hors de votre rôle",
                color = ChevetColors.muted,
                style = MaterialTheme.typography.bodyMedium,
                modifier = Modifier.padding(start = 12.dp).width(ActButtonsWidth - 12.dp),
            )
        } else if (item.medication) {
            // Given from the medication screen, where the box is scanned and checked.
            Spacer(Modifier.width(12.dp))
            Button(
                onClick = { onEvent(RoundEvent.OpenMedication(act.residentId)) },
                enabled = saving == null,
                modifier = Modifier.heightIn(min = MinTouchTarget)
                    .width(if (item.mayClose) ActButtonWidth else ActButtonsWidth - 12.dp)
                    .semantics { contentDescription = "Donner ${item.label} à ${act.residentName} (${time})" },
            ) { Text(if (item.mayClose) "Donner" else "Donner…", style = MaterialTheme.typography.labelLarge, maxLines = 1) }
            if (item.mayClose) CloseButton(item, act, saving, time, onEvent)
        } else {
            // « Fait », then « Non fait » with its reason — or, for a nurse on what is late or
            // nobody recorded, « Clore… » (done elsewhere, cancelled).
            Spacer(Modifier.width(12.dp))
            Button(
                onClick = { onEvent(RoundEvent.Validate(act)) },
                enabled = saving == null,
                modifier = Modifier.heightIn(min = MinTouchTarget).width(ActButtonWidth)
                    .semantics { contentDescription = "Valider ${item.label} de ${act.residentName} à $time" },
            ) { Text("Fait", style = MaterialTheme.typography.labelLarge) }
            if (item.mayClose) {
                CloseButton(item, act, saving, time, onEvent)
            } else {
                Spacer(Modifier.width(8.dp))
                OutlinedButton(
                    onClick = { onEvent(RoundEvent.AskWhyNotDone(act)) },
                    enabled = saving == null,
                    modifier = Modifier.heightIn(min = MinTouchTarget).width(ActButtonWidth)
                        .semantics { contentDescription = "${item.label} de ${act.residentName} à $time non fait" },
                ) { Text("Non fait", style = MaterialTheme.typography.labelLarge) }
            }
        }
    }
}

@Composable
private fun CloseButton(item: RoundItemInfo, act: ActRef, saving: ActRef?, time: String, onEvent: (RoundEvent) -> Unit) {
    Spacer(Modifier.width(8.dp))
    OutlinedButton(
        onClick = { onEvent(RoundEvent.AskHowToClose(act)) },
        enabled = saving == null,
        modifier = Modifier.heightIn(min = MinTouchTarget).width(ActButtonWidth)
            .semantics { contentDescription = "Clore ${item.label} de ${act.residentName} prévu $time" },
    ) { Text("Clore…", style = MaterialTheme.typography.labelLarge) }
}

@Composable
private fun HowToCloseDialog(act: ActRef, onEvent: (RoundEvent) -> Unit) {
    ReasonDialog(
        title = "${act.label} — ${act.residentName}",
        question = "Personne ne l'a tracé. Comment le clore ?",
        reasons = closingChoices(act.medication).map { c -> c.label to { onEvent(RoundEvent.Close(act, c.closing)) } },
        onDismiss = { onEvent(RoundEvent.DismissClose) },
    )
}

@Composable
private fun WhyNotDoneDialog(act: ActRef, onEvent: (RoundEvent) -> Unit) {
    ReasonDialog(
        title = "${act.label} — ${act.residentName}",
        question = "Pourquoi ce soin n'est-il pas fait ?",
        reasons = notDoneReasons.map { reason -> reason.label to { onEvent(RoundEvent.NotDone(act, reason.result)) } },
        onDismiss = { onEvent(RoundEvent.DismissWhyNotDone) },
    )
}

@Composable
private fun ErrorBanner(error: RoundError, onEvent: (RoundEvent) -> Unit) {
    val message = when (error) {
        is RoundError.LoadFailed -> "La tournée n'a pas pu être lue : ${errorWords(error.error)}"
        is RoundError.RecordFailed -> "« ${error.act.label} » n'a pas été enregistré : ${errorWords(error.error)}"
    }
    Row(
        Modifier.fillMaxWidth().background(ChevetColors.missedBackground).padding(16.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(message, color = ChevetColors.missed, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
        TextButton(onClick = { onEvent(RoundEvent.DismissError) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
            Text("Fermer", style = MaterialTheme.typography.labelLarge, color = ChevetColors.missed)
        }
    }
}

@Composable
private fun Centred(content: @Composable () -> Unit) {
    Box(Modifier.fillMaxSize().padding(32.dp), contentAlignment = Alignment.Center) {
        Row(verticalAlignment = Alignment.CenterVertically) { content() }
    }
}

/** The two buttons of an open act and their gaps. */
private val ActButtonWidth = 136.dp
private val ActButtonsWidth = 12.dp + ActButtonWidth + 8.dp + ActButtonWidth

/** A core error in words a care worker can act on. */
fun errorWords(e: ChevetException): String = when (e) {
    is ChevetException.NoSession -> "la session est verrouillée, reconnectez-vous."
    is ChevetException.PermissionDenied -> "votre rôle ne permet pas cet enregistrement."
    else -> "erreur de la tablette (${e::class.simpleName}). Réessayez ; si cela continue, prévenez l'informatique."
}
