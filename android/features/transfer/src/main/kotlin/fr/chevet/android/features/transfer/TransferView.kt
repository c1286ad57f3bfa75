package fr.chevet.android.features.transfer

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.heading
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
import fr.chevet.core.ConsciousnessAtDeparture
import fr.chevet.core.TransferDocumentsInfo

/** Reasons a nurse types most, one tap each (and editable). */
val CommonReasons = listOf("Chute", "Malaise", "Détresse respiratoire", "Douleur thoracique", "Fièvre mal tolérée", "Altération de l'état général")

/**
 * « Urgences »: the few things the emergency department needs that the
 * record does not already hold, then the sheet the core builds from it.
 */
@Composable
fun TransferView(
    state: TransferState,
    onEvent: (TransferEvent) -> Unit,
    onBack: () -> Unit,
    modifier: Modifier = Modifier,
    /** The vitals entry for this resident, over the sheet (the shell navigates). */
    onTakeVitals: (() -> Unit)? = null,
) {
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        ScreenHeader("Transfert aux urgences · Ch. ${state.room} · ${state.residentName}", onBack, backTo = "Dossier") {
            if (state.documents == null) {
                Button(
                    onClick = { onEvent(TransferEvent.Record) },
                    enabled = state.ready && !state.saving,
                    modifier = Modifier.heightIn(min = MinTouchTarget),
                ) { Text(if (state.saving) "Préparation…" else "Préparer la fiche", style = MaterialTheme.typography.labelLarge) }
            }
        }
        state.error?.let { Banner(errorWords(it), ChevetColors.missed, ChevetColors.missedBackground) }
        val docs = state.documents
        if (docs == null) Form(state, onEvent) else Sheet(docs, state.canShare, onEvent, onTakeVitals)
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Form(state: TransferState, onEvent: (TransferEvent) -> Unit) {
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item {
            Question("Motif du transfert")
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                for (r in CommonReasons) ChoiceButton(r, state.reason == r, "Motif : $r") { onEvent(TransferEvent.Reason(r)) }
            }
            Field("Motif, en quelques mots", state.reason) { onEvent(TransferEvent.Reason(it)) }
        }
        item {
            Question("État de conscience au départ")
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                for ((level, label) in listOf(
                    ConsciousnessAtDeparture.AWAKE_AND_ALERT to "Conscient et éveillé",
                    ConsciousnessAtDeparture.AROUSABLE to "Éveillable",
                    ConsciousnessAtDeparture.NOT_AROUSABLE to "Non éveillable",
                )) ChoiceButton(label, state.consciousness == level, "Conscience : $label") { onEvent(TransferEvent.Consciousness(level)) }
            }
        }
        item {
            Question("Douleurs récentes")
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                ChoiceButton("Non", !state.recentPain, "Douleurs récentes : non") { onEvent(TransferEvent.Pain(false)) }
                ChoiceButton("Oui", state.recentPain, "Douleurs récentes : oui") { onEvent(TransferEvent.Pain(true)) }
            }
            if (state.recentPain) {
                Text("Intensité (EN 0 à 10)", style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted, modifier = Modifier.padding(top = 8.dp))
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    for (n in 0..10) ChoiceButton("$n", state.painScore == n, "Douleur $n sur 10") { onEvent(TransferEvent.PainScore(n)) }
                }
            }
        }
        item {
            Question("Dernier repas")
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                for (m in state.meals) ChoiceButton(m.label, state.lastMeal == m, "Dernier repas : ${m.label}") { onEvent(TransferEvent.LastMeal(m)) }
            }
        }
        item {
            Question("Ce qui part avec le résident")
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                for ((item, label) in listOf(Item.GLASSES to "Lunettes", Item.DENTAL_PROSTHESIS to "Prothèses dentaires", Item.HEARING_AID to "Appareils auditifs")) {
                    ChoiceButton(label, item in state.items, "$label${if (item in state.items) ", part avec le résident" else ""}") { onEvent(TransferEvent.ToggleItem(item)) }
                }
            }
            Field("Autres objets (séparés par des virgules)", state.otherItems) { onEvent(TransferEvent.OtherItems(it)) }
        }
        item {
            Field("Service des urgences (facultatif)", state.destination) { onEvent(TransferEvent.Destination(it)) }
            Field("Commentaire (famille prévenue…)", state.comment) { onEvent(TransferEvent.Comment(it)) }
        }
        item {
            Text(
                "Identité, allergies, directives anticipées, personne de confiance, traitements et constantes sont repris du dossier.",
                style = MaterialTheme.typography.bodyMedium,
                color = ChevetColors.muted,
            )
        }
    }
}

@Composable
private fun Sheet(docs: TransferDocumentsInfo, canShare: Boolean, onEvent: (TransferEvent) -> Unit, onTakeVitals: (() -> Unit)?) {
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item {
            Text(docs.title, style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
        }
        if (docs.missing.isNotEmpty()) {
            item {
                Column(
                    Modifier.fillMaxWidth().background(ChevetColors.lateBackground, RoundedCornerShape(8.dp)).padding(12.dp),
                    verticalArrangement = Arrangement.spacedBy(8.dp),
                ) {
                    Text(
                        "À prendre avant le départ : ${docs.missing.joinToString(", ")}.",
                        color = ChevetColors.late,
                        fontWeight = FontWeight.SemiBold,
                        style = MaterialTheme.typography.bodyLarge,
                        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
                    )
                    Text(
                        "Le document DLU pour l'hôpital sera prêt dès qu'elles seront enregistrées. La fiche peut déjà être imprimée.",
                        style = MaterialTheme.typography.bodyMedium,
                    )
                    onTakeVitals?.let {
                        Button(onClick = it, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                            Text("Prendre les constantes", style = MaterialTheme.typography.labelLarge)
                        }
                    }
                }
            }
        }
        item {
            Row(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalAlignment = Alignment.CenterVertically) {
                if (canShare) {
                    Button(onClick = { onEvent(TransferEvent.Print) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                        Text("Imprimer la fiche", style = MaterialTheme.typography.labelLarge)
                    }
                    OutlinedButton(
                        onClick = { onEvent(TransferEvent.Send) },
                        enabled = docs.fludt != null,
                        modifier = Modifier.heightIn(min = MinTouchTarget),
                    ) { Text("Envoyer le document DLU", style = MaterialTheme.typography.labelLarge) }
                } else {
                    Text("Impression et envoi : sur la tablette.", style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted)
                }
                if (docs.missing.isNotEmpty()) {
                    OutlinedButton(onClick = { onEvent(TransferEvent.Refresh) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                        Text("Actualiser", style = MaterialTheme.typography.labelLarge)
                    }
                }
            }
        }
        items(docs.sections, key = { it.title }) { s ->
            Card(
                colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
                elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
                modifier = Modifier.fillMaxWidth(),
            ) {
                Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                    Text(s.title, style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
                    for (l in s.lines) Text(l, style = MaterialTheme.typography.bodyLarge)
                }
            }
        }
    }
}

@Composable
private fun Question(text: String) {
    Text(text, style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(bottom = 6.dp).semantics { heading() })
}

@Composable
private fun Field(label: String, value: String, onChange: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        textStyle = MaterialTheme.typography.bodyLarge,
        modifier = Modifier.fillMaxWidth().padding(top = 8.dp),
    )
}


/** The core's refusal in words the nurse can act on. */
fun errorWords(e: ChevetException): String = when {
    e is ChevetException.InvalidInput && e.field == "transfer.reason" -> "Rien n'a été enregistré : indiquez le motif du transfert."
    e is ChevetException.InvalidInput -> "Rien n'a été enregistré : un champ est trop long ou incohérent (${e.field})."
    e is ChevetException.PermissionDenied -> "Rien n'a été enregistré : votre rôle ne permet pas de remplir la fiche de transfert."
    e is ChevetException.NoSession -> "La session est verrouillée : reconnectez-vous."
    else -> "Erreur de la tablette. Réessayez ; si cela continue, prévenez l'informatique."
}
