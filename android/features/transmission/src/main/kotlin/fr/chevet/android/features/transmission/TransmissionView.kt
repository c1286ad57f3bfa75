package fr.chevet.android.features.transmission

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.Banner
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.ChoiceButton
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.ScreenHeader
import fr.chevet.core.ChevetException
import fr.chevet.core.StaffRole

/** A targeted transmission: the target in one tap, data / actions / results, who it is for. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun TransmissionView(state: TransmissionState, onEvent: (TransmissionEvent) -> Unit, onBack: () -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        ScreenHeader("Transmission · Ch. ${state.room} · ${state.residentName}", onBack) {
            Button(
                onClick = { onEvent(TransmissionEvent.Save) },
                enabled = !state.saving,
                modifier = Modifier.heightIn(min = MinTouchTarget),
            ) { Text("Enregistrer", style = MaterialTheme.typography.labelLarge) }
        }
        Column(Modifier.verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            state.saved?.let {
                Banner("✓ Transmission « $it » enregistrée.", ChevetColors.done, ChevetColors.doneBackground, RoundedCornerShape(8.dp))
            }
            state.error?.let { Banner(errorWords(it), ChevetColors.missed, ChevetColors.missedBackground, RoundedCornerShape(8.dp)) }
            Text("Cible", style = MaterialTheme.typography.titleMedium)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                for (target in usualTargets) {
                    val chosen = state.target == target
                    ChoiceButton(target, chosen, if (chosen) "Cible $target, choisie" else "Cible $target") { onEvent(TransmissionEvent.Target(target)) }
                }
            }
            Field(state.target, "Cible (ou une autre)", singleLine = true) { onEvent(TransmissionEvent.Target(it)) }
            Field(state.data, "Données : ce que j'observe") { onEvent(TransmissionEvent.Data(it)) }
            Field(state.actions, "Actions : ce que j'ai fait") { onEvent(TransmissionEvent.Actions(it)) }
            Field(state.results, "Résultats : ce qui s'en est suivi") { onEvent(TransmissionEvent.Results(it)) }
            Text(
                if (state.audience.isEmpty()) "Pour : toute l'équipe" else "Pour : " + state.audience.joinToString(", ") { roleWords(it) },
                style = MaterialTheme.typography.titleMedium,
            )
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                for (role in StaffRole.entries) {
                    val chosen = role in state.audience
                    val label = roleWords(role)
                    ChoiceButton(label, chosen, if (chosen) "Pour $label, choisi" else "Pour $label") { onEvent(TransmissionEvent.ToggleAudience(role)) }
                }
            }
        }
    }
}

@Composable
private fun Field(value: String, label: String, singleLine: Boolean = false, onChange: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = singleLine,
        minLines = if (singleLine) 1 else 2,
        textStyle = MaterialTheme.typography.bodyLarge,
        modifier = Modifier.fillMaxWidth().heightIn(min = MinTouchTarget),
    )
}


fun roleWords(role: StaffRole): String = when (role) {
    StaffRole.NURSE -> "IDE"
    StaffRole.CARE_AIDE -> "AS"
    StaffRole.SOCIAL_CARE_AIDE -> "AES"
    StaffRole.COORDINATING_PHYSICIAN -> "Médecin coordonnateur"
    StaffRole.HEALTH_MANAGER -> "Cadre de santé"
}

/** The core's refusal in words the writer can act on. */
fun errorWords(e: ChevetException): String = "Rien n'a été enregistré : " + when {
    e is ChevetException.InvalidInput && e.field == "transmission.target" -> "indiquez la cible."
    e is ChevetException.InvalidInput && e.field == "transmission" -> "écrivez au moins les données, les actions ou les résultats."
    e is ChevetException.InvalidInput -> "un champ est trop long ou illisible (${e.field})."
    e is ChevetException.NoSession -> "la session est verrouillée, reconnectez-vous."
    else -> "erreur de la tablette. Réessayez ; si cela continue, prévenez l'informatique."
}
