package fr.chevet.android.features.scales

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
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
import androidx.compose.foundation.lazy.itemsIndexed
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.ChoiceButton
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.ScreenHeader
import fr.chevet.android.designsystem.WordChip
import fr.chevet.core.ChevetException
import fr.chevet.core.FormItemInfo
import fr.chevet.core.FormKind
import fr.chevet.core.ItemStyle
import fr.chevet.core.ScaleFormInfo
import fr.chevet.core.ScaleFormOutcome

/** AGGIR's four adverbs, in the order of their bits. */
private val Adverbs = listOf("Spontanément", "Totalement", "Correctement", "Habituellement")

/**
 * The bedside scales: choose one (those outside your role are shown,
 * greyed, with why), answer item by item with the score and band live at
 * the foot, record the whole form.
 */
@Composable
fun ScalesView(state: ScalesState, onEvent: (ScalesEvent) -> Unit, onBack: () -> Unit, modifier: Modifier = Modifier) {
    val form = state.form
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        ScreenHeader(
            if (form == null) "Échelles · Ch. ${state.room} · ${state.residentName}" else "${form.name} · Ch. ${state.room} · ${state.residentName}",
            onBack,
            subtitle = form?.purpose,
            backTo = "Dossier",
        ) {
            if (form != null) {
                OutlinedButton(onClick = { onEvent(ScalesEvent.ChooseAnother) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                    Text("Autre échelle", style = MaterialTheme.typography.labelLarge)
                }
            }
        }
        state.error?.let {
            Text(
                errorWords(it),
                color = ChevetColors.missed,
                style = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.fillMaxWidth().background(ChevetColors.missedBackground).padding(16.dp),
            )
        }
        if (form == null) Chooser(state, onEvent) else Form(state, form, onEvent)
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Chooser(state: ScalesState, onEvent: (ScalesEvent) -> Unit) {
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        for (o in state.recorded) Recorded(o)
        if (state.loading) Text("Chargement…", style = MaterialTheme.typography.bodyLarge)
        FlowRow(horizontalArrangement = Arrangement.spacedBy(12.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            for (f in state.forms) FormCard(f) { onEvent(ScalesEvent.Choose(f.kind)) }
        }
    }
}

@Composable
private fun Recorded(o: ScaleFormOutcome) {
    val (fg, bg) = if (o.positive) ChevetColors.alertWatch to ChevetColors.alertWatchBackground else ChevetColors.done to ChevetColors.doneBackground
    Text(
        "✓ Enregistré — ${o.summary}",
        color = fg,
        style = MaterialTheme.typography.bodyLarge,
        fontWeight = FontWeight.SemiBold,
        modifier = Modifier.fillMaxWidth().background(bg).padding(12.dp),
    )
}

@Composable
private fun FormCard(f: ScaleFormInfo, onClick: () -> Unit) {
    Card(
        onClick = onClick,
        enabled = f.mayRecord,
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
        modifier = Modifier.width(280.dp).heightIn(min = 112.dp).semantics {
            contentDescription = if (f.mayRecord) "Échelle ${f.name} : ${f.purpose}" else "Échelle ${f.name} : hors de votre rôle"
        },
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(f.name, style = MaterialTheme.typography.titleMedium, color = if (f.mayRecord) ChevetColors.ink else ChevetColors.muted)
            Text(f.purpose, style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted)
            if (!f.mayRecord) Text("Hors de votre rôle", style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted)
        }
    }
}

/** Points beside the answers where the paper form prints them. */
private fun showsPoints(kind: FormKind) = kind == FormKind.BRADEN || kind == FormKind.NORTON || kind == FormKind.DOLOPLUS || kind == FormKind.MNA_SF

@Composable
private fun Form(state: ScalesState, form: ScaleFormInfo, onEvent: (ScalesEvent) -> Unit) {
    Column(Modifier.fillMaxSize()) {
        LazyColumn(
            Modifier.weight(1f),
            contentPadding = PaddingValues(16.dp),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            item(key = "guidance") { Text(form.guidance, style = MaterialTheme.typography.bodyLarge, color = ChevetColors.muted) }
            itemsIndexed(form.items, key = { i, _ -> i }) { i, item ->
                Item(i, item, state.answers.getOrNull(i), state.preview?.readings?.getOrNull(i), showsPoints(form.kind), onEvent)
            }
        }
        Footer(state, onEvent)
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Item(index: Int, item: FormItemInfo, answer: UByte?, reading: String?, points: Boolean, onEvent: (ScalesEvent) -> Unit) {
    Column(verticalArrangement = Arrangement.spacedBy(6.dp)) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            Text(item.label, style = MaterialTheme.typography.titleMedium, modifier = Modifier.weight(1f).semantics { heading() })
            reading?.let { WordChip("Modalité $it", ChevetColors.ink, ChevetColors.surface) }
        }
        item.help?.let { Text(it, style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted) }
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            when (item.style) {
                ItemStyle.CHOICE -> item.options.forEachIndexed { o, option ->
                    val label = if (points) "${option.label} · ${option.points}" else option.label
                    val chosen = answer?.toInt() == o
                    ChoiceButton(label, chosen, "${item.label} : ${option.label}${if (chosen) ", choisi" else ""}") {
                        onEvent(ScalesEvent.Answer(index, o))
                    }
                }
                ItemStyle.ADVERBS -> Adverbs.forEachIndexed { bit, adverb ->
                    val ticked = answer != null && (answer.toInt() shr bit) and 1 == 1
                    ChoiceButton(adverb, ticked, "${item.label} : $adverb${if (ticked) ", oui" else ", non"}") {
                        onEvent(ScalesEvent.ToggleAdverb(index, bit))
                    }
                }
            }
        }
        if (item.style == ItemStyle.ADVERBS && answer == null) {
            // Untouched is not "none of the four": say so, and let "none" be chosen.
            OutlinedButton(
                onClick = { onEvent(ScalesEvent.NoAdverb(index)) },
                modifier = Modifier.heightIn(min = MinTouchTarget),
            ) { Text("Ne fait pas (aucun)", style = MaterialTheme.typography.labelLarge) }
        }
    }
}

@Composable
private fun Footer(state: ScalesState, onEvent: (ScalesEvent) -> Unit) {
    val p = state.preview
    val (fg, bg) = when {
        p?.complete == true && p.positive -> ChevetColors.alertWatch to ChevetColors.alertWatchBackground
        p?.complete == true -> ChevetColors.done to ChevetColors.doneBackground
        else -> ChevetColors.ink to MaterialTheme.colorScheme.surfaceVariant
    }
    Row(
        Modifier.fillMaxWidth().background(bg).padding(16.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(
            p?.summary ?: "",
            color = fg,
            style = MaterialTheme.typography.titleMedium,
            fontWeight = FontWeight.Bold,
            modifier = Modifier.weight(1f),
        )
        Box(Modifier.padding(start = 16.dp)) {
            Button(
                onClick = { onEvent(ScalesEvent.Record) },
                enabled = p?.complete == true && !state.saving,
                modifier = Modifier.heightIn(min = MinTouchTarget),
            ) { Text(if (state.saving) "Enregistrement…" else "Enregistrer", style = MaterialTheme.typography.labelLarge) }
        }
    }
}

/** The core's refusal in words the carer can act on. */
fun errorWords(e: ChevetException): String = "Rien n'a été enregistré : " + when (e) {
    is ChevetException.InvalidInput -> "« ${e.field} » n'a pas de réponse valable."
    is ChevetException.PermissionDenied -> "votre rôle ne permet pas d'enregistrer cette échelle."
    is ChevetException.NoSession -> "la session est verrouillée, reconnectez-vous."
    else -> "erreur de la tablette. Réessayez ; si cela continue, prévenez l'informatique."
}
