package fr.chevet.android.features.route

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
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.designsystem.Banner
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.ChoiceButton
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.ScreenHeader
import fr.chevet.android.designsystem.WordChip
import fr.chevet.android.designsystem.timeOfDay
import fr.chevet.core.ChevetException
import fr.chevet.core.RouteStopInfo
import fr.chevet.core.StampBy
import fr.chevet.core.VisitMoment
import java.time.ZoneId

/**
 * « Domicile »: the day's visits in route order, each with its planned
 * time, where it stands, and the one next stamp (arrival, then departure)
 * by the home's NFC tag, its QR sticker, or by hand.
 */
@Composable
fun RouteView(state: RouteState, zone: ZoneId, onEvent: (RouteEvent) -> Unit, onBack: () -> Unit, modifier: Modifier = Modifier) {
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        val route = state.route
        ScreenHeader(
            route?.label ?: "Tournée à domicile",
            onBack,
            subtitle = route?.let { r -> "${r.stops.count { it.endedAtMs != null }} visite(s) faite(s) sur ${r.stops.size}" },
        )
        state.error?.let { Banner(errorWords(it), ChevetColors.missed, ChevetColors.missedBackground) }
        state.notice?.let { Banner("✓ $it", ChevetColors.done, ChevetColors.doneBackground) }
        state.waiting?.let { w ->
            Row(
                Modifier.fillMaxWidth().background(ChevetColors.primary).padding(16.dp).semantics { liveRegion = LiveRegionMode.Polite },
                verticalAlignment = Alignment.CenterVertically,
            ) {
                Text(
                    if (w.by == StampBy.NFC) "Approchez la tablette du badge du domicile…" else "Visez le QR code collé au domicile…",
                    color = ChevetColors.onPrimary,
                    style = MaterialTheme.typography.titleMedium,
                    modifier = Modifier.weight(1f),
                )
                OutlinedButton(onClick = { onEvent(RouteEvent.CancelWait) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                    Text("Annuler", color = ChevetColors.onPrimary, style = MaterialTheme.typography.labelLarge)
                }
            }
        }
        when {
            state.loading -> Text("Chargement…", style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(24.dp))
            route == null -> Text(
                "Aucune tournée à votre nom aujourd'hui.",
                style = MaterialTheme.typography.bodyLarge,
                modifier = Modifier.padding(24.dp),
            )
            else -> LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
                if (state.routes.size > 1) {
                    item {
                        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                            for (r in state.routes) ChoiceButton(r.label, r.routeId == route.routeId, "Tournée ${r.label}") { onEvent(RouteEvent.Choose(r.routeId)) }
                        }
                    }
                }
                items(route.stops, key = { it.resident.residentId }) { stop -> StopCard(stop, state, zone, onEvent) }
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun StopCard(stop: RouteStopInfo, state: RouteState, zone: ZoneId, onEvent: (RouteEvent) -> Unit) {
    val r = stop.resident
    Card(
        colors = CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.surface),
        elevation = CardDefaults.cardElevation(defaultElevation = 2.dp),
        modifier = Modifier.fillMaxWidth(),
    ) {
        Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Text(stop.plannedAt?.replace(":", "\u00a0h\u00a0") ?: "—", style = MaterialTheme.typography.titleMedium, modifier = Modifier.width(96.dp))
                Column(Modifier.weight(1f)) {
                    Text(r.displayName, style = MaterialTheme.typography.titleMedium)
                    Text(r.room, style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted)
                }
                val started = stop.startedAtMs
                val ended = stop.endedAtMs
                when {
                    ended != null -> WordChip(
                        "Faite ${started?.let { timeOfDay(it, zone) } ?: ""} – ${timeOfDay(ended, zone)}",
                        ChevetColors.done,
                        ChevetColors.doneBackground,
                    )
                    started != null -> WordChip("En cours depuis ${timeOfDay(started, zone)}", ChevetColors.late, ChevetColors.lateBackground)
                    else -> WordChip("À venir", ChevetColors.ink, ChevetColors.surface)
                }
            }
            if (stop.endedAtMs == null) {
                val moment = if (stop.startedAtMs == null) VisitMoment.START else VisitMoment.STOP
                val word = if (moment == VisitMoment.START) "Arrivée" else "Départ"
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Text("$word\u00a0:", style = MaterialTheme.typography.titleMedium, modifier = Modifier.align(Alignment.CenterVertically).width(120.dp))
                    val busy = state.waiting != null || state.saving
                    if (state.canReadNfc && StampBy.NFC in stop.tags) {
                        StampButton("Badge NFC", "$word chez ${r.displayName} par badge NFC", primary = true, enabled = !busy) {
                            onEvent(RouteEvent.Stamp(r.residentId, moment, StampBy.NFC))
                        }
                    }
                    if (state.canScanQr && StampBy.QR_CODE in stop.tags) {
                        StampButton("QR code", "$word chez ${r.displayName} par QR code", primary = StampBy.NFC !in stop.tags, enabled = !busy) {
                            onEvent(RouteEvent.Stamp(r.residentId, moment, StampBy.QR_CODE))
                        }
                    }
                    StampButton("À la main", "$word chez ${r.displayName} à la main", primary = stop.tags.isEmpty(), enabled = !busy) {
                        onEvent(RouteEvent.Stamp(r.residentId, moment, StampBy.MANUAL))
                    }
                }
            }
            // The home's tags: what is registered, and registering one where none is.
            Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(
                    when {
                        stop.tags.isEmpty() -> "Aucun badge enregistré pour ce domicile"
                        else -> "Badge enregistré : " + stop.tags.joinToString(", ") { if (it == StampBy.NFC) "NFC" else "QR code" }
                    },
                    style = MaterialTheme.typography.bodyMedium,
                    color = ChevetColors.muted,
                    modifier = Modifier.weight(1f),
                )
                if (state.canReadNfc && StampBy.NFC !in stop.tags) {
                    OutlinedButton(
                        onClick = { onEvent(RouteEvent.Register(r.residentId, StampBy.NFC)) },
                        enabled = state.waiting == null,
                        modifier = Modifier.heightIn(min = MinTouchTarget).semantics { contentDescription = "Enregistrer le badge NFC du domicile de ${r.displayName}" },
                    ) { Text("Enregistrer un badge NFC", style = MaterialTheme.typography.labelLarge) }
                }
                if (state.canScanQr && StampBy.QR_CODE !in stop.tags) {
                    OutlinedButton(
                        onClick = { onEvent(RouteEvent.Register(r.residentId, StampBy.QR_CODE)) },
                        enabled = state.waiting == null,
                        modifier = Modifier.heightIn(min = MinTouchTarget).semantics { contentDescription = "Enregistrer le QR code du domicile de ${r.displayName}" },
                    ) { Text("Enregistrer un QR code", style = MaterialTheme.typography.labelLarge) }
                }
            }
        }
    }
}

@Composable
private fun StampButton(label: String, description: String, primary: Boolean, enabled: Boolean, onClick: () -> Unit) {
    val modifier = Modifier.heightIn(min = MinTouchTarget).semantics { contentDescription = description }
    if (primary) {
        Button(onClick = onClick, enabled = enabled, modifier = modifier) { Text(label, style = MaterialTheme.typography.labelLarge) }
    } else {
        OutlinedButton(onClick = onClick, enabled = enabled, modifier = modifier) { Text(label, style = MaterialTheme.typography.labelLarge) }
    }
}


/** The core's refusal in words the nurse can act on at the door. */
fun errorWords(e: ChevetException): String = when (e) {
    is ChevetException.WrongHomeTag ->
        if (e.registered) {
            "Ce badge n'est pas celui de ce domicile : vérifiez que vous êtes chez le bon patient. Rien n'a été enregistré."
        } else {
            "Aucun badge n'est enregistré pour ce domicile : pointez « À la main », ou faites enregistrer le badge par l'infirmier."
        }
    is ChevetException.InvalidInput -> "Le code lu n'est pas un badge de domicile. Rien n'a été enregistré."
    is ChevetException.PermissionDenied -> "Votre rôle ne permet pas cette action (enregistrer un badge : infirmier). Rien n'a été enregistré."
    is ChevetException.NoSession -> "La session est verrouillée : reconnectez-vous."
    else -> "Erreur de la tablette. Réessayez ; si cela continue, prévenez l'informatique."
}
