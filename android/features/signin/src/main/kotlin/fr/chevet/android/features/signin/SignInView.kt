package fr.chevet.android.features.signin

import androidx.compose.foundation.background
import androidx.compose.foundation.border
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.BoxWithConstraints
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.core.StaffAccountInfo

/** Who am I, then my PIN: the list on one side, the pad on the other (stacked in portrait). */
@Composable
fun SignInView(state: SignInState, onEvent: (SignInEvent) -> Unit, modifier: Modifier = Modifier) {
    BoxWithConstraints(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        if (maxWidth > maxHeight) {
            Row(Modifier.fillMaxSize()) {
                WhoPanel(state, onEvent, Modifier.weight(1f).fillMaxHeight())
                ProofPanel(state, onEvent, Modifier.weight(1f).fillMaxHeight())
            }
        } else {
            // Portrait: one panel at a time, the list until someone is chosen.
            if (state.chosen == null) WhoPanel(state, onEvent, Modifier.fillMaxSize())
            else ProofPanel(state, onEvent, Modifier.fillMaxSize())
        }
    }
}

@Composable
private fun WhoPanel(state: SignInState, onEvent: (SignInEvent) -> Unit, modifier: Modifier) {
    Column(modifier.background(MaterialTheme.colorScheme.surfaceVariant).padding(24.dp)) {
        Text("Qui êtes-vous ?", style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
        Spacer(Modifier.height(16.dp))
        when {
            state.loading -> Text("Chargement…", style = MaterialTheme.typography.bodyLarge)
            state.accounts.isEmpty() -> Text(
                "Personne n'est encore autorisé sur cette tablette : synchronisez-la avec l'établissement.",
                style = MaterialTheme.typography.bodyLarge,
            )
            else -> LazyColumn(verticalArrangement = Arrangement.spacedBy(12.dp)) {
                items(state.accounts, key = { it.staffId }) { account ->
                    PersonButton(account, selected = account.staffId == state.chosen?.staffId) {
                        onEvent(SignInEvent.Choose(account.staffId))
                    }
                }
            }
        }
    }
}

@Composable
private fun PersonButton(account: StaffAccountInfo, selected: Boolean, onClick: () -> Unit) {
    val colors = if (selected) ButtonDefaults.buttonColors() else ButtonDefaults.outlinedButtonColors()
    val border = if (selected) null else ButtonDefaults.outlinedButtonBorder(true)
    Button(
        onClick = onClick,
        colors = colors,
        border = border,
        shape = RoundedCornerShape(12.dp),
        modifier = Modifier.fillMaxWidth().heightIn(min = 72.dp)
            .semantics { contentDescription = "${account.displayName}, ${account.role}" + if (selected) ", choisi" else "" },
    ) {
        Column(Modifier.fillMaxWidth()) {
            Text(account.displayName, style = MaterialTheme.typography.titleMedium)
            Text(
                account.role + when {
                    account.pinSet -> ""
                    account.firstPinPossible -> " · premier code PIN à créer"
                    else -> " · pas encore de code PIN"
                },
                style = MaterialTheme.typography.bodyMedium,
            )
        }
    }
}

@Composable
private fun ProofPanel(state: SignInState, onEvent: (SignInEvent) -> Unit, modifier: Modifier) {
    Column(modifier.padding(24.dp), horizontalAlignment = Alignment.CenterHorizontally) {
        val who = state.chosen
        if (who == null) {
            Spacer(Modifier.weight(1f))
            Text("Touchez votre nom pour commencer.", style = MaterialTheme.typography.bodyLarge)
            Spacer(Modifier.weight(1f))
            return@Column
        }
        Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.fillMaxWidth()) {
            Text(who.displayName, style = MaterialTheme.typography.titleLarge, modifier = Modifier.weight(1f))
            TextButton(onClick = { onEvent(SignInEvent.ChooseSomeoneElse) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                Text("Ce n'est pas moi", style = MaterialTheme.typography.labelLarge)
            }
        }
        Spacer(Modifier.height(8.dp))
        Text(prompt(state.step), style = MaterialTheme.typography.bodyLarge)
        Spacer(Modifier.height(12.dp))
        Message(state)
        Spacer(Modifier.height(12.dp))
        when (state.step) {
            SignInStep.ChooseWho -> Unit
            SignInStep.FirstPinCode -> CodeEntry(state, onEvent)
            SignInStep.Pin, SignInStep.NewPin, SignInStep.ConfirmPin -> {
                Dots(state.digits)
                Spacer(Modifier.height(16.dp))
                PinPad(enabled = !state.checking && state.lockedOutSeconds == null, canSubmit = state.digits >= MIN_PIN_DIGITS, onEvent)
            }
        }
    }
}

private fun prompt(step: SignInStep) = when (step) {
    SignInStep.ChooseWho -> ""
    SignInStep.Pin -> "Votre code PIN"
    SignInStep.FirstPinCode -> "Le code remis par l'établissement (XXXXX-XXXXX)"
    SignInStep.NewPin -> "Choisissez votre code PIN (4 à 12 chiffres)"
    SignInStep.ConfirmPin -> "Le même code PIN, une seconde fois"
}

@Composable
private fun Message(state: SignInState) {
    val seconds = state.lockedOutSeconds
    val (text, colour) = when {
        seconds != null -> "Trop d'essais : réessayez dans ${minutesSeconds(seconds)}." to ChevetColors.missed
        state.checking -> "Vérification…" to ChevetColors.muted
        else -> when (val e = state.error) {
            null -> "" to ChevetColors.muted
            is SignInError.WrongPin -> "Code PIN incorrect. ${attempts(e.attemptsLeft)}" to ChevetColors.missed
            is SignInError.WrongCode -> "Code de l'établissement incorrect. ${attempts(e.attemptsLeft)}" to ChevetColors.missed
            is SignInError.WeakPin -> "Ce code PIN est trop simple : évitez les chiffres qui se suivent ou se répètent." to ChevetColors.missed
            SignInError.PinsDiffer -> "Les deux codes PIN diffèrent : recommencez." to ChevetColors.missed
            SignInError.NoWayIn -> "Pas de code PIN sur cette tablette : demandez un code à l'encadrement." to ChevetColors.missed
            SignInError.Deactivated -> "Ce compte a été désactivé par l'établissement." to ChevetColors.missed
            is SignInError.Failed -> "La tablette n'a pas pu vérifier (${e.what}). Réessayez." to ChevetColors.missed
        }
    }
    Text(
        text,
        color = colour,
        fontWeight = FontWeight.SemiBold,
        style = MaterialTheme.typography.bodyLarge,
        modifier = Modifier.heightIn(min = 26.dp).semantics { liveRegion = LiveRegionMode.Polite },
    )
}

private fun attempts(left: Int) = if (left == 1) "Encore 1 essai." else "Encore $left essais."

fun minutesSeconds(seconds: Long): String {
    val m = seconds / 60
    val s = seconds % 60
    return if (m == 0L) "$s s" else "$m min %02d s".format(s)
}

@Composable
private fun Dots(count: Int) {
    Row(
        horizontalArrangement = Arrangement.spacedBy(12.dp),
        modifier = Modifier.heightIn(min = 24.dp).semantics { contentDescription = "$count chiffre(s) saisi(s)" },
    ) {
        repeat(maxOf(count, MIN_PIN_DIGITS)) { i ->
            val filled = i < count
            Box(
                Modifier.size(20.dp).then(
                    if (filled) Modifier.background(ChevetColors.ink, CircleShape) else Modifier.border(2.dp, ChevetColors.muted, CircleShape),
                ),
            )
        }
    }
}

@Composable
private fun PinPad(enabled: Boolean, canSubmit: Boolean, onEvent: (SignInEvent) -> Unit) {
    val key = Modifier.size(width = 104.dp, height = 72.dp)
    Column(verticalArrangement = Arrangement.spacedBy(12.dp)) {
        for (row in listOf(listOf(1, 2, 3), listOf(4, 5, 6), listOf(7, 8, 9))) {
            Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                for (d in row) Digit(d, enabled, key, onEvent)
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            OutlinedButton(
                onClick = { onEvent(SignInEvent.Erase) },
                enabled = enabled,
                modifier = key.semantics { contentDescription = "Effacer un chiffre" },
            ) { Text("⌫", style = MaterialTheme.typography.titleLarge) }
            Digit(0, enabled, key, onEvent)
            Button(
                onClick = { onEvent(SignInEvent.Submit) },
                enabled = enabled && canSubmit,
                modifier = key.semantics { contentDescription = "Valider le code" },
            ) { Text("OK", style = MaterialTheme.typography.titleLarge) }
        }
    }
}

@Composable
private fun Digit(d: Int, enabled: Boolean, modifier: Modifier, onEvent: (SignInEvent) -> Unit) {
    OutlinedButton(
        onClick = { onEvent(SignInEvent.Digit(d)) },
        enabled = enabled,
        modifier = modifier.semantics { contentDescription = "Chiffre $d" },
    ) { Text("$d", style = MaterialTheme.typography.titleLarge) }
}

@Composable
private fun CodeEntry(state: SignInState, onEvent: (SignInEvent) -> Unit) {
    OutlinedTextField(
        value = state.code,
        onValueChange = { onEvent(SignInEvent.Code(it)) },
        singleLine = true,
        label = { Text("Code de l'établissement") },
        textStyle = MaterialTheme.typography.titleLarge,
        modifier = Modifier.width(360.dp),
    )
    Spacer(Modifier.height(16.dp))
    Button(
        onClick = { onEvent(SignInEvent.Submit) },
        enabled = state.code.isNotBlank(),
        modifier = Modifier.heightIn(min = MinTouchTarget).width(360.dp),
    ) { Text("Continuer", style = MaterialTheme.typography.labelLarge) }
}
