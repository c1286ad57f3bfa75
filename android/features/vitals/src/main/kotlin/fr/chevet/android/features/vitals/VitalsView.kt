package fr.chevet.android.features.vitals

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.ChoiceButton
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.ScreenHeader
import fr.chevet.core.ChevetException
import fr.chevet.core.ConsciousnessLevel
import fr.chevet.core.News2Info
import fr.chevet.core.News2Risk

/** Vitals at the bedside: each measure with its unit, the core's remarks as they are typed, NEWS2 once complete. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun VitalsView(state: VitalsState, onEvent: (VitalsEvent) -> Unit, onBack: () -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        ScreenHeader("Constantes · Ch. ${state.room} · ${state.residentName}", onBack) {
            val blocked = state.saving || state.typed.values.all { it.isBlank() } && state.consciousness == null ||
                state.preview?.problems?.isNotEmpty() == true
            Button(
                onClick = { onEvent(VitalsEvent.Save) },
                enabled = !blocked,
                modifier = Modifier.heightIn(min = MinTouchTarget),
            ) { Text("Enregistrer", style = MaterialTheme.typography.labelLarge) }
        }
        Column(Modifier.verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            state.saved?.let {
                Text(
                    "✓ $it mesure(s) enregistrée(s).",
                    color = ChevetColors.done,
                    fontWeight = FontWeight.SemiBold,
                    style = MaterialTheme.typography.bodyLarge,
                    modifier = Modifier.fillMaxWidth().background(ChevetColors.doneBackground, RoundedCornerShape(8.dp)).padding(12.dp),
                )
            }
            state.error?.let {
                Text(
                    errorWords(it),
                    color = ChevetColors.missed,
                    style = MaterialTheme.typography.bodyLarge,
                    modifier = Modifier.fillMaxWidth().background(ChevetColors.missedBackground, RoundedCornerShape(8.dp)).padding(12.dp)
                        .semantics { liveRegion = LiveRegionMode.Assertive },
                )
            }
            state.preview?.news2?.let { News2Panel(it) }
            for (problem in state.preview?.problems.orEmpty()) {
                Row(
                    Modifier.fillMaxWidth().background(ChevetColors.lateBackground, RoundedCornerShape(8.dp)).padding(12.dp)
                        .semantics { liveRegion = LiveRegionMode.Polite },
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Text(problem.message, color = ChevetColors.late, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
                    val likely = problem.likely
                    val label = problem.likelyLabel
                    if (likely != null && label != null) {
                        Button(
                            onClick = { onEvent(VitalsEvent.UseLikely(problem.loinc, likely)) },
                            modifier = Modifier.heightIn(min = MinTouchTarget),
                        ) { Text(label, style = MaterialTheme.typography.labelLarge) }
                    }
                }
            }
            FlowRow(horizontalArrangement = Arrangement.spacedBy(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                for (field in VitalField.entries) {
                    OutlinedTextField(
                        value = state.typed[field].orEmpty(),
                        onValueChange = { onEvent(VitalsEvent.Typed(field, it)) },
                        label = { state.unitOf(field).let { unit -> Text(if (unit.isEmpty()) field.label else "${field.label} ($unit)") } },
                        singleLine = true,
                        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Decimal),
                        textStyle = MaterialTheme.typography.bodyLarge,
                        modifier = Modifier.width(280.dp).heightIn(min = MinTouchTarget),
                    )
                }
            }
            Text("Conscience (ACVPU)", style = MaterialTheme.typography.titleMedium)
            FlowRow(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                for (level in ConsciousnessLevel.entries) {
                    val chosen = state.consciousness == level
                    val label = consciousnessLabel(level)
                    ChoiceButton(label, chosen, if (chosen) "$label, choisi" else label) { onEvent(VitalsEvent.Consciousness(level)) }
                }
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun News2Panel(n: News2Info) {
    val (fg, bg) = when (n.risk) {
        News2Risk.LOW -> ChevetColors.done to ChevetColors.doneBackground
        News2Risk.LOW_MEDIUM -> ChevetColors.alertWatch to ChevetColors.alertWatchBackground
        News2Risk.MEDIUM, News2Risk.HIGH -> ChevetColors.alertAct to ChevetColors.alertActBackground
    }
    Column(Modifier.fillMaxWidth().background(bg, RoundedCornerShape(8.dp)).padding(12.dp).semantics { liveRegion = LiveRegionMode.Polite }) {
        Text("NEWS2 ${n.total} : ${riskWords(n.risk)}", color = fg, fontWeight = FontWeight.Bold, style = MaterialTheme.typography.titleMedium)
        Text(
            n.parts.joinToString(" · ") { "${it.parameter} +${it.points}" },
            color = fg,
            style = MaterialTheme.typography.bodyLarge,
        )
    }
}

fun riskWords(risk: News2Risk): String = when (risk) {
    News2Risk.LOW -> "risque faible"
    News2Risk.LOW_MEDIUM -> "un paramètre à 3, avis rapide"
    News2Risk.MEDIUM -> "risque moyen, avis urgent"
    News2Risk.HIGH -> "risque élevé, avis en urgence"
}

fun consciousnessLabel(level: ConsciousnessLevel): String = when (level) {
    ConsciousnessLevel.ALERT -> "Éveillé (A)"
    ConsciousnessLevel.NEW_CONFUSION -> "Confusion nouvelle (C)"
    ConsciousnessLevel.VOICE -> "Réagit à la voix (V)"
    ConsciousnessLevel.PAIN -> "Réagit à la douleur (P)"
    ConsciousnessLevel.UNRESPONSIVE -> "Ne réagit pas (U)"
}

fun errorWords(e: VitalsError): String = when (e) {
    is VitalsError.NotANumber -> "${e.field.label} : un nombre est attendu (par exemple 37,5)."
    is VitalsError.SaveFailed -> "Rien n'a été enregistré : " + when (val c = e.error) {
        is ChevetException.ImplausibleValue -> "une valeur est impossible, corrigez-la."
        is ChevetException.InvalidInput -> if (c.field == "blood_pressure") "indiquez la tension systolique et diastolique." else "une valeur est refusée."
        is ChevetException.NoSession -> "la session est verrouillée, reconnectez-vous."
        is ChevetException.PermissionDenied -> "votre rôle ne permet pas cet enregistrement."
        else -> "erreur de la tablette. Réessayez ; si cela continue, prévenez l'informatique."
    }
}
