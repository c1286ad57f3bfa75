package fr.chevet.android.features.syncstatus

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.material3.Button
import androidx.compose.material3.ButtonDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.timeOfDay
import fr.chevet.core.ChevetException
import fr.chevet.core.HubCertificateProblem
import fr.chevet.core.SyncFailure
import fr.chevet.core.SyncHealth
import fr.chevet.core.SyncPhase
import java.time.Instant
import java.time.ZoneId

/** How the bar looks: calm, a banner that cannot be missed, or a problem to report. */
enum class SyncTone { Calm, Offline, Problem }

/** What the bar says: the main line, the lines under it, and whether it offers a sync. */
data class SyncWords(
    val tone: SyncTone,
    val headline: String,
    val details: List<String>,
    val canSync: Boolean,
)

/**
 * The bar's words for [state], in French. The core decides the health;
 * this only words it (and is tested on its own, without pixels).
 */
fun syncWords(state: SyncStatusState, zone: ZoneId): SyncWords {
    val s = state.status ?: return SyncWords(SyncTone.Calm, "Synchronisation : lecture de l'état…", emptyList(), false)
    val since = s.lastSuccessMs?.let { "dernière synchronisation ${whenWords(it, state.readAtMs, zone)}" }
    val details = buildList {
        if (s.conflicts > 0uL) add("${count(s.conflicts, "modification en conflit", "modifications en conflit")} : la coordination choisit la valeur à garder")
        if (s.rejected > 0uL) add("${count(s.rejected, "enregistrement refusé", "enregistrements refusés")} par le serveur, gardé${if (s.rejected > 1uL) "s" else ""} pour la coordination")
        s.clockSkewMs?.let { skew ->
            add("L'horloge de la tablette a ${kotlin.math.abs(skew) / 60_000} min d'écart avec le serveur : prévenez l'informatique")
        }
        state.error?.let { add("La dernière tentative : ${errorWords(it)}") }
    }
    state.running?.let { p ->
        val how = when (p.phase) {
            SyncPhase.PUSHING -> if (p.toPush > 0) "envoi ${p.pushed} sur ${p.toPush}" else "envoi"
            SyncPhase.PULLING -> "réception, ${count(p.pulled.toULong(), "changement reçu", "changements reçus")}"
            SyncPhase.DONE -> "terminée"
        }
        return SyncWords(SyncTone.Calm, "Synchronisation en cours : $how…", details, false)
    }
    val pending = count(s.pending, "enregistrement", "enregistrements")
    return when (s.health) {
        SyncHealth.DEMO -> SyncWords(SyncTone.Calm, "Tablette de démonstration : rien n'est envoyé", details, false)
        SyncHealth.NOT_ENROLLED -> SyncWords(SyncTone.Problem, "Tablette non enrôlée auprès de l'établissement", details, false)
        SyncHealth.NEVER_SYNCED -> SyncWords(SyncTone.Calm, "Jamais synchronisée avec l'établissement", details, true)
        SyncHealth.UP_TO_DATE -> SyncWords(SyncTone.Calm, listOfNotNull("À jour", since).joinToString(" · "), details, true)
        SyncHealth.PENDING -> SyncWords(
            SyncTone.Calm,
            listOfNotNull("$pending en attente d'envoi", since).joinToString(" · "),
            details,
            true,
        )
        SyncHealth.OFFLINE -> SyncWords(
            SyncTone.Offline,
            if (s.pending > 0uL) "Hors ligne : $pending gardé${if (s.pending > 1uL) "s" else ""} sur la tablette, envoyé${if (s.pending > 1uL) "s" else ""} au retour du réseau"
            else "Hors ligne : rien en attente, la tablette reste utilisable",
            listOfNotNull(since?.replaceFirstChar { it.uppercase() }) + details,
            true,
        )
        SyncHealth.FAILING -> SyncWords(
            SyncTone.Problem,
            when (s.lastFailure) {
                SyncFailure.CERTIFICATE_REFUSED -> "Le certificat du serveur est refusé : prévenez l'informatique de l'établissement"
                SyncFailure.CREDENTIAL_REFUSED -> "Le serveur ne reconnaît plus cette tablette : prévenez la coordination"
                else -> "La dernière synchronisation a échoué : réessayez, et si cela continue prévenez l'informatique"
            },
            listOfNotNull(
                if (s.pending > 0uL) "$pending en attente, gardé${if (s.pending > 1uL) "s" else ""} sur la tablette" else null,
                since?.replaceFirstChar { it.uppercase() },
            ) + details,
            s.lastFailure != SyncFailure.CREDENTIAL_REFUSED,
        )
    }
}

/** The sync bar: always on screen, under the header. */
@Composable
fun SyncStatusBar(state: SyncStatusState, zone: ZoneId, onEvent: (SyncStatusEvent) -> Unit, modifier: Modifier = Modifier) {
    val words = syncWords(state, zone)
    val (fg, bg) = when (words.tone) {
        SyncTone.Calm -> ChevetColors.ink to ChevetColors.surface
        SyncTone.Offline -> ChevetColors.offline to ChevetColors.offlineBackground
        SyncTone.Problem -> ChevetColors.missed to ChevetColors.missedBackground
    }
    Row(
        modifier.fillMaxWidth().background(bg).padding(horizontal = 16.dp, vertical = 8.dp),
        verticalAlignment = Alignment.CenterVertically,
        horizontalArrangement = Arrangement.spacedBy(12.dp),
    ) {
        Column(Modifier.weight(1f).semantics { liveRegion = LiveRegionMode.Polite }) {
            Text(words.headline, color = fg, fontWeight = FontWeight.SemiBold, style = MaterialTheme.typography.bodyLarge)
            for (line in words.details) Text(line, color = fg, style = MaterialTheme.typography.bodyMedium)
        }
        when {
            state.running != null -> OutlinedButton(
                onClick = { onEvent(SyncStatusEvent.Cancel) },
                modifier = Modifier.heightIn(min = MinTouchTarget).widthIn(min = 200.dp),
            ) { Text("Arrêter", color = fg, style = MaterialTheme.typography.labelLarge) }
            words.canSync -> Button(
                onClick = { onEvent(SyncStatusEvent.SyncNow) },
                modifier = Modifier.heightIn(min = MinTouchTarget).widthIn(min = 200.dp),
                colors = if (words.tone == SyncTone.Offline) {
                    ButtonDefaults.buttonColors(containerColor = Color.White, contentColor = ChevetColors.ink)
                } else {
                    ButtonDefaults.buttonColors()
                },
            ) { Text("Synchroniser maintenant", style = MaterialTheme.typography.labelLarge) }
        }
    }
}

/** "aujourd'hui à 14 h 32", "hier à 18 h 05", or "le 03/12 à 09 h 10". */
fun whenWords(ms: Long, nowMs: Long, zone: ZoneId): String {
    val t = Instant.ofEpochMilli(ms).atZone(zone)
    val today = Instant.ofEpochMilli(nowMs).atZone(zone).toLocalDate()
    val time = timeOfDay(ms, zone)
    return when (t.toLocalDate()) {
        today -> "aujourd'hui à $time"
        today.minusDays(1) -> "hier à $time"
        else -> "le %02d/%02d à %s".format(t.dayOfMonth, t.monthValue, time)
    }
}

private fun count(n: ULong, one: String, many: String): String = if (n == 1uL) "1 $one" else "$n $many"

/** A failed sync in words a care worker can act on. */
fun errorWords(e: ChevetException): String = when (e) {
    is ChevetException.HubUnreachable -> "le serveur est injoignable (réseau ?)."
    is ChevetException.HubCertificateRefused -> when (e.problem) {
        HubCertificateProblem.EXPIRED -> "le certificat du serveur a expiré, ou l'horloge de la tablette est fausse."
        HubCertificateProblem.WRONG_NAME -> "le certificat du serveur porte un autre nom que son adresse."
        HubCertificateProblem.UNKNOWN_ISSUER -> "le certificat du serveur n'est pas signé par l'autorité de l'établissement."
        HubCertificateProblem.INVALID -> "le certificat du serveur est refusé."
    }
    is ChevetException.HubRefused -> "le serveur a refusé la demande (${e.status})."
    is ChevetException.NotEnrolled -> "la tablette n'est pas enrôlée."
    is ChevetException.DeviceRevoked -> "la tablette a été révoquée par l'établissement et effacée : faites-la enrôler de nouveau."
    is ChevetException.SyncInProgress -> "une synchronisation était déjà en cours."
    is ChevetException.SyncCancelled -> "arrêtée ; ce qui était envoyé reste envoyé."
    else -> "erreur de la tablette (${e::class.simpleName})."
}
