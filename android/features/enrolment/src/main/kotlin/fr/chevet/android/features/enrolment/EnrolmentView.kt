package fr.chevet.android.features.enrolment

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.features.syncstatus.errorWords
import fr.chevet.core.ChevetException

/** A new tablet joins its establishment: scan the console's QR code, or type. */
@Composable
fun EnrolmentView(state: EnrolmentState, onEvent: (EnrolmentEvent) -> Unit, modifier: Modifier = Modifier) {
    Box(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background), contentAlignment = Alignment.TopCenter) {
        Column(
            Modifier.widthIn(max = 720.dp).fillMaxWidth().verticalScroll(rememberScrollState()).padding(32.dp),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            Text("Enrôler cette tablette", style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
            Text(
                "La coordination affiche un QR code d'enrôlement dans la console de l'établissement (Tablettes → Enrôler). " +
                    "Scannez-le, ou saisissez l'adresse du serveur et le code.",
                style = MaterialTheme.typography.bodyLarge,
            )
            val busy = state.step != EnrolmentStep.Form
            Field(
                state.label, "Nom de la tablette (ex. « Chariot 1er étage »)", !busy,
                KeyboardOptions(capitalization = KeyboardCapitalization.Sentences, imeAction = ImeAction.Next),
            ) { onEvent(EnrolmentEvent.LabelChanged(it)) }
            if (state.canScan) {
                Button(
                    onClick = { onEvent(EnrolmentEvent.ScanRequested) },
                    enabled = !busy,
                    modifier = Modifier.fillMaxWidth().heightIn(min = MinTouchTarget),
                ) { Text("Scanner le QR code", style = MaterialTheme.typography.labelLarge) }
                Text("ou", style = MaterialTheme.typography.bodyLarge, modifier = Modifier.align(Alignment.CenterHorizontally))
            }
            Field(
                state.hubUrl, "Adresse du serveur (https://…)", !busy,
                KeyboardOptions(keyboardType = KeyboardType.Uri, imeAction = ImeAction.Next),
            ) { onEvent(EnrolmentEvent.HubUrlChanged(it)) }
            Field(
                state.code, "Code d'enrôlement", !busy,
                KeyboardOptions(keyboardType = KeyboardType.Ascii, imeAction = ImeAction.Done),
            ) { onEvent(EnrolmentEvent.CodeChanged(it)) }
            if (state.fromQr) {
                Text(
                    if (state.establishmentCaPem != null) "✓ Adresse, code et certificat de l'établissement lus sur le QR code"
                    else "✓ Adresse et code lus sur le QR code",
                    color = ChevetColors.done,
                    fontWeight = FontWeight.SemiBold,
                    style = MaterialTheme.typography.bodyLarge,
                )
            }
            state.error?.let { ErrorLine(it, onEvent) }
            when (val step = state.step) {
                EnrolmentStep.Form -> Button(
                    onClick = { onEvent(EnrolmentEvent.Submit) },
                    modifier = Modifier.fillMaxWidth().heightIn(min = MinTouchTarget),
                ) { Text("Enrôler la tablette", style = MaterialTheme.typography.labelLarge) }
                EnrolmentStep.Enrolling -> Progress("Enrôlement auprès du serveur de l'établissement…")
                is EnrolmentStep.FirstSync -> Progress(
                    if (step.pulled == 0) "Tablette enrôlée. Réception des données de l'établissement…"
                    else "Tablette enrôlée. Réception des données de l'établissement : ${step.pulled} reçues…",
                )
                EnrolmentStep.Done -> Progress("Tablette prête.")
            }
        }
    }
}

@Composable
private fun Field(value: String, label: String, enabled: Boolean, keyboard: KeyboardOptions, onChange: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        enabled = enabled,
        keyboardOptions = keyboard,
        textStyle = MaterialTheme.typography.bodyLarge,
        modifier = Modifier.fillMaxWidth().heightIn(min = MinTouchTarget),
    )
}

@Composable
private fun Progress(text: String) {
    Text(
        text,
        style = MaterialTheme.typography.bodyLarge,
        fontWeight = FontWeight.SemiBold,
        modifier = Modifier.semantics { liveRegion = LiveRegionMode.Polite },
    )
}

@Composable
private fun ErrorLine(error: EnrolmentError, onEvent: (EnrolmentEvent) -> Unit) {
    Row(
        Modifier.fillMaxWidth().background(ChevetColors.missedBackground, RoundedCornerShape(8.dp)).padding(12.dp)
            .semantics { liveRegion = LiveRegionMode.Assertive },
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(enrolmentErrorWords(error), color = ChevetColors.missed, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
        TextButton(
            onClick = { onEvent(EnrolmentEvent.DismissError) },
            modifier = Modifier.heightIn(min = MinTouchTarget).semantics { contentDescription = "Fermer le message" },
        ) { Text("Fermer", color = ChevetColors.missed, style = MaterialTheme.typography.labelLarge) }
    }
}

/** An enrolment problem in words the person holding the tablet can act on. */
fun enrolmentErrorWords(error: EnrolmentError): String = when (error) {
    is EnrolmentError.Incomplete -> when (error.field) {
        EnrolmentField.HubUrl -> "Indiquez l'adresse du serveur de l'établissement."
        EnrolmentField.Code -> "Indiquez le code d'enrôlement donné par la coordination."
        EnrolmentField.Label -> "Donnez un nom à cette tablette, par exemple « Chariot 1er étage »."
    }
    EnrolmentError.NotAnEnrolmentQr -> "Ce QR code n'est pas un code d'enrôlement Chevet."
    is EnrolmentError.Refused -> refusedWords(error.error)
    is EnrolmentError.FirstSyncFailed -> "Tablette enrôlée, mais la première synchronisation n'a pas abouti : ${errorWords(error.error)}"
}

private fun refusedWords(e: ChevetException): String = when {
    e is ChevetException.InvalidInput && e.field == "hub url" -> "Adresse refusée : elle doit commencer par https://."
    e is ChevetException.InvalidInput && e.field == "hub CA" -> "Le certificat de l'établissement lu sur le QR code est illisible."
    e is ChevetException.HubRefused && (e.status.toInt() == 403 || e.status.toInt() == 401) ->
        "Code refusé : inconnu, expiré ou déjà utilisé. Demandez-en un nouveau à la coordination."
    e is ChevetException.InvalidInput && e.field == "store" -> "Une tablette de démonstration ne peut pas être enrôlée."
    else -> "Enrôlement impossible : ${errorWords(e)}"
}
