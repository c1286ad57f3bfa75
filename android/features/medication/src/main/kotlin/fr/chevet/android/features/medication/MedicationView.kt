package fr.chevet.android.features.medication

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
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
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.chevetui.RoundStatusChip
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.ReasonDialog
import fr.chevet.android.designsystem.ScreenHeader
import fr.chevet.android.designsystem.timeOfDay
import fr.chevet.core.AdministrationResult
import fr.chevet.core.ChevetException
import fr.chevet.core.MedicationDueInfo
import java.time.LocalDate
import java.time.ZoneId

/** A resident's medication: each line due, its box scanned and checked, given or not and why. */
@Composable
fun MedicationView(state: MedicationState, zone: ZoneId, onEvent: (MedicationEvent) -> Unit, onBack: () -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        ScreenHeader("Médicaments · Ch. ${state.resident.room} · ${state.resident.displayName}", onBack)
        state.error?.let { ErrorBanner(it, onEvent) }
        when {
            state.loading -> Centred("Chargement des médicaments…")
            state.lines.isEmpty() -> Centred("Aucun médicament prévu sur ce créneau.")
            else -> LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                items(state.lines, key = { it.lineKey }) { line -> LineCard(line, state, zone, onEvent) }
            }
        }
    }
    state.askingWhyNotGiven?.let { WhyNotGivenDialog(it, onEvent) }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun LineCard(line: MedicationDueInfo, state: MedicationState, zone: ZoneId, onEvent: (MedicationEvent) -> Unit) {
    val time = timeOfDay(line.dueAtMs, zone)
    Card(
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(time, style = MaterialTheme.typography.titleMedium, modifier = Modifier.widthIn(min = 96.dp))
                Column(Modifier.weight(1f)) {
                    Text("${line.drug} ${line.dose}", style = MaterialTheme.typography.titleMedium)
                    Text(
                        "Voie ${line.route}" + if (line.intakeAssistanceAllowed) " · aide à la prise autorisée" else " · administration infirmière",
                        style = MaterialTheme.typography.bodyMedium,
                        color = ChevetColors.muted,
                    )
                }
                RoundStatusChip(line.status, line.statusLabel)
            }
            state.scanned[line.lineKey]?.let { s ->
                val box = s.box
                val parts = listOfNotNull(
                    box.cip13?.let { "CIP $it" } ?: "GTIN ${box.gtin}",
                    box.lot?.let { "lot $it" },
                    box.expiryDay?.let { "péremption ${frenchDay(it)}" },
                )
                Text(
                    "✓ Boîte conforme : ${parts.joinToString(" · ")}",
                    color = ChevetColors.done,
                    fontWeight = FontWeight.SemiBold,
                    style = MaterialTheme.typography.bodyLarge,
                    modifier = Modifier.fillMaxWidth().background(ChevetColors.doneBackground, RoundedCornerShape(8.dp)).padding(8.dp),
                )
            }
            if (line.open) {
                if (!line.mayRecord) {
                    Text("Administration infirmière : hors de votre rôle", color = ChevetColors.muted, style = MaterialTheme.typography.bodyLarge)
                } else {
                    val busy = state.saving != null
                    val refused = line.lineKey in state.boxRefused
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                        if (state.canScan) {
                            OutlinedButton(
                                onClick = { onEvent(MedicationEvent.Scan(line)) },
                                enabled = !busy,
                                modifier = Modifier.heightIn(min = MinTouchTarget)
                                    .semantics { contentDescription = "Scanner la boîte de ${line.drug} de $time" },
                            ) { Text("Scanner la boîte", style = MaterialTheme.typography.labelLarge) }
                        }
                        Button(
                            onClick = { onEvent(MedicationEvent.Give(line)) },
                            enabled = !busy && !refused,
                            modifier = Modifier.heightIn(min = MinTouchTarget).widthIn(min = 136.dp)
                                .semantics { contentDescription = "${line.drug} de $time donné" },
                        ) { Text("Donné", style = MaterialTheme.typography.labelLarge) }
                        OutlinedButton(
                            onClick = { onEvent(MedicationEvent.AskWhyNotGiven(line)) },
                            enabled = !busy,
                            modifier = Modifier.heightIn(min = MinTouchTarget).widthIn(min = 136.dp)
                                .semantics { contentDescription = "${line.drug} de $time non donné" },
                        ) { Text("Non donné", style = MaterialTheme.typography.labelLarge) }
                    }
                    if (refused) {
                        Text(
                            "Scannez une boîte conforme avant de donner.",
                            color = ChevetColors.missed,
                            style = MaterialTheme.typography.bodyLarge,
                        )
                    }
                }
            }
        }
    }
}

@Composable
private fun WhyNotGivenDialog(line: MedicationDueInfo, onEvent: (MedicationEvent) -> Unit) {
    ReasonDialog(
        title = "${line.drug} ${line.dose}",
        question = "Pourquoi ce médicament n'est-il pas donné ?",
        reasons = notGivenResults.map { result -> resultLabel(result) to { onEvent(MedicationEvent.NotGiven(line, result)) } },
        onDismiss = { onEvent(MedicationEvent.DismissWhyNotGiven) },
    )
}

@Composable
private fun ErrorBanner(error: MedicationError, onEvent: (MedicationEvent) -> Unit) {
    Row(
        Modifier.fillMaxWidth().background(ChevetColors.missedBackground).padding(16.dp)
            .semantics { liveRegion = LiveRegionMode.Assertive },
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(medicationErrorWords(error), color = ChevetColors.missed, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
        TextButton(onClick = { onEvent(MedicationEvent.DismissError) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
            Text("Fermer", style = MaterialTheme.typography.labelLarge, color = ChevetColors.missed)
        }
    }
}

@Composable
private fun Centred(text: String) {
    Box(Modifier.fillMaxSize().padding(32.dp), contentAlignment = Alignment.Center) {
        Text(text, style = MaterialTheme.typography.bodyLarge)
    }
}

/** A medication problem in words the care worker can act on. */
fun medicationErrorWords(error: MedicationError): String = when (error) {
    is MedicationError.LoadFailed -> "Les médicaments n'ont pas pu être lus : réessayez ; si cela continue, prévenez l'informatique."
    is MedicationError.BoxRefused -> when (error.problem) {
        BoxProblem.WrongProduct -> "Cette boîte n'est pas le médicament prescrit (${error.line.drug}) : ne la donnez pas."
        BoxProblem.Expired -> "Cette boîte de ${error.line.drug} est périmée : prenez-en une autre."
        BoxProblem.Unreadable -> "Ce code n'est pas celui d'une boîte de médicament : scannez le Data Matrix de la boîte."
    }
    is MedicationError.RecordFailed -> "« ${error.line.drug} » n'a pas été enregistré : " + when (error.error) {
        is ChevetException.NoSession -> "la session est verrouillée, reconnectez-vous."
        is ChevetException.PermissionDenied -> "votre rôle ne permet pas cette administration."
        is ChevetException.InvalidInput -> "la boîte scannée est refusée."
        else -> "erreur de la tablette. Réessayez ; si cela continue, prévenez l'informatique."
    }
}

fun resultLabel(result: AdministrationResult): String = when (result) {
    AdministrationResult.GIVEN -> "Donné"
    AdministrationResult.REFUSED -> "Refusé par le résident"
    AdministrationResult.SPAT_OUT -> "Recraché"
    AdministrationResult.NOT_GIVEN_ABSENT -> "Résident absent"
    AdministrationResult.NOT_GIVEN_ASLEEP -> "Résident endormi"
    AdministrationResult.NOT_GIVEN_CLINICAL_DECISION -> "Décision clinique"
}

/** "2027-11-30" as "30/11/2027". */
private fun frenchDay(iso: String): String =
    runCatching { LocalDate.parse(iso).let { "%02d/%02d/%d".format(it.dayOfMonth, it.monthValue, it.year) } }.getOrDefault(iso)
