package fr.chevet.android.features.wounds

import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.LazyRow
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Slider
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.alpha
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.semantics.stateDescription
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import fr.chevet.android.chevetui.PhotoDecoder
import fr.chevet.android.chevetui.TrendChart
import fr.chevet.android.chevetui.WoundCamera
import fr.chevet.android.designsystem.Banner
import fr.chevet.android.designsystem.ChevetColors
import fr.chevet.android.designsystem.ChoiceButton
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.designsystem.ScreenHeader
import fr.chevet.core.ChevetException
import fr.chevet.core.WoundExudate
import fr.chevet.core.WoundFollowUpInfo
import fr.chevet.core.WoundInfo
import fr.chevet.core.WoundKind
import fr.chevet.core.WoundStage
import fr.chevet.core.WoundTissue
import java.time.Instant
import java.time.ZoneId

private val Exudates = listOf(WoundExudate.NONE to "Aucun", WoundExudate.LIGHT to "Faible", WoundExudate.MODERATE to "Modéré", WoundExudate.HEAVY to "Abondant")
private val Tissues = listOf(
    WoundTissue.CLOSED to "Fermée", WoundTissue.EPITHELIAL to "Épithélialisation", WoundTissue.GRANULATION to "Bourgeonnement",
    WoundTissue.SLOUGH to "Fibrine", WoundTissue.NECROTIC to "Nécrose",
)
private val Stages = listOf(
    WoundStage.STAGE1 to "Stade 1", WoundStage.STAGE2 to "Stade 2", WoundStage.STAGE3 to "Stade 3", WoundStage.STAGE4 to "Stade 4",
    WoundStage.UNSTAGEABLE to "Non classable", WoundStage.DEEP_TISSUE to "Tissus profonds",
)

/**
 * A resident's wounds: the list, one wound's follow-up (PUSH chart,
 * assessments, photos), a new wound, an assessment, a photo framed over
 * the previous one.
 */
@Composable
fun WoundsView(
    state: WoundsState,
    zone: ZoneId,
    decoder: PhotoDecoder,
    onEvent: (WoundsEvent) -> Unit,
    onBack: () -> Unit,
    modifier: Modifier = Modifier,
    camera: WoundCamera? = null,
) {
    Column(modifier.fillMaxSize().background(MaterialTheme.colorScheme.background)) {
        ScreenHeader("Plaies · Ch. ${state.room} · ${state.residentName}", onBack, backTo = "Dossier") {
            OutlinedButton(onClick = { onEvent(WoundsEvent.StartNewWound) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                Text("Nouvelle plaie", style = MaterialTheme.typography.labelLarge)
            }
        }
        state.error?.let { Banner(errorWords(it), ChevetColors.missed, ChevetColors.missedBackground) }
        if (state.cameraFailed) Banner("L'appareil photo n'a pas répondu : réessayez.", ChevetColors.missed, ChevetColors.missedBackground)
        state.notice?.let { Banner("✓ $it", ChevetColors.done, ChevetColors.doneBackground) }
        Row(Modifier.fillMaxSize()) {
            WoundList(state, Modifier.width(300.dp).fillMaxHeight(), onEvent)
            Box(Modifier.weight(1f).fillMaxHeight()) {
                val f = state.followUp
                when {
                    state.newWound != null -> NewWound(state, onEvent)
                    state.capture != null && f != null -> Capture(state.capture, decoder, camera, onEvent)
                    state.assessment != null && f != null -> Assessment(state.assessment, f, state.saving, onEvent)
                    f != null -> FollowUp(f, state, zone, decoder, onEvent)
                    else -> Text(
                        if (state.wounds.isEmpty()) "Aucune plaie suivie." else "Choisissez une plaie.",
                        style = MaterialTheme.typography.bodyLarge,
                        modifier = Modifier.padding(24.dp),
                    )
                }
            }
        }
    }
}

@Composable
private fun WoundList(state: WoundsState, modifier: Modifier, onEvent: (WoundsEvent) -> Unit) {
    LazyColumn(modifier.background(MaterialTheme.colorScheme.surfaceVariant), contentPadding = PaddingValues(12.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        items(state.wounds, key = { it.woundId }) { w ->
            val chosen = state.followUp?.woundId == w.woundId
            Card(
                onClick = { onEvent(WoundsEvent.Open(w.woundId)) },
                colors = CardDefaults.cardColors(containerColor = if (chosen) ChevetColors.primary else MaterialTheme.colorScheme.surface),
                modifier = Modifier.fillMaxWidth().heightIn(min = MinTouchTarget).semantics {
                    contentDescription = "Plaie ${w.site}, ${w.kindLabel}${if (w.healed) ", cicatrisée" else ""}"
                    if (chosen) stateDescription = "affichée"
                },
            ) {
                val fg = if (chosen) ChevetColors.onPrimary else ChevetColors.ink
                Column(Modifier.padding(12.dp)) {
                    Text(w.site, color = fg, style = MaterialTheme.typography.titleMedium)
                    Text(w.kindLabel, color = fg, style = MaterialTheme.typography.bodyMedium)
                    Text(
                        "Depuis le ${w.openedOn}${if (w.healed) " · cicatrisée" else ""}",
                        color = fg,
                        style = MaterialTheme.typography.bodyMedium,
                    )
                }
            }
        }
    }
}

private fun day(ms: Long, zone: ZoneId): String {
    val d = Instant.ofEpochMilli(ms).atZone(zone)
    return "%02d/%02d".format(d.dayOfMonth, d.monthValue)
}

@Composable
private fun FollowUp(f: WoundFollowUpInfo, state: WoundsState, zone: ZoneId, decoder: PhotoDecoder, onEvent: (WoundsEvent) -> Unit) {
    LazyColumn(contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        item {
            Row(verticalAlignment = Alignment.CenterVertically) {
                Column(Modifier.weight(1f)) {
                    Text("${f.wound.site} — ${f.wound.kindLabel}", style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
                    Text("Depuis le ${f.wound.openedOn} · ${f.trendLabel}", style = MaterialTheme.typography.bodyLarge)
                }
                Button(onClick = { onEvent(WoundsEvent.StartAssessment) }, modifier = Modifier.heightIn(min = MinTouchTarget).padding(end = 8.dp)) {
                    Text("Nouvelle évaluation", style = MaterialTheme.typography.labelLarge)
                }
                if (state.hasCamera) {
                    OutlinedButton(onClick = { onEvent(WoundsEvent.StartCapture) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                        Text("Photo", style = MaterialTheme.typography.labelLarge)
                    }
                }
            }
        }
        item { TrendChart(f.pushChart, Modifier.fillMaxWidth(), plotHeight = 180.dp) }
        if (f.photos.isNotEmpty()) {
            item {
                Text("Photos", style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
                LazyRow(horizontalArrangement = Arrangement.spacedBy(8.dp), modifier = Modifier.padding(top = 6.dp)) {
                    items(f.photos.reversed(), key = { it.photoId }) { p ->
                        Column(horizontalAlignment = Alignment.CenterHorizontally) {
                            val bytes = state.thumbnails[p.photoId]
                            val image = remember(bytes) { bytes?.let(decoder::decode) }
                            Box(Modifier.size(120.dp).background(ChevetColors.surface, RoundedCornerShape(8.dp)), contentAlignment = Alignment.Center) {
                                if (image != null) {
                                    Image(image, "Photo du ${day(p.takenAtMs, zone)}", Modifier.fillMaxSize(), contentScale = ContentScale.Crop)
                                } else {
                                    Text(if (p.onDevice) "…" else "Sur le serveur", style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted)
                                }
                            }
                            Text(day(p.takenAtMs, zone), style = MaterialTheme.typography.bodyMedium)
                        }
                    }
                }
            }
        }
        item { Text("Évaluations", style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() }) }
        if (f.assessments.isEmpty()) item { Text("Aucune évaluation : commencez par « Nouvelle évaluation ».", style = MaterialTheme.typography.bodyLarge) }
        items(f.assessments.reversed(), key = { it.recordId }) { a ->
            Row {
                Text(day(a.atMs, zone), style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted, modifier = Modifier.width(72.dp))
                Text(a.summary, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.weight(1f))
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun NewWound(state: WoundsState, onEvent: (WoundsEvent) -> Unit) {
    val form = state.newWound ?: return
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
        Text("Nouvelle plaie", style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
        FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            for (k in state.kinds) ChoiceButton(k.label, form.kind == k.kind, "Type : ${k.label}") { onEvent(WoundsEvent.NewWoundKind(k.kind)) }
        }
        Field("Localisation (talon gauche, sacrum…)", form.site) { onEvent(WoundsEvent.NewWoundSite(it)) }
        Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
            Button(
                onClick = { onEvent(WoundsEvent.SaveNewWound) },
                enabled = form.kind != null && form.site.isNotBlank() && !state.saving,
                modifier = Modifier.heightIn(min = MinTouchTarget),
            ) { Text("Ouvrir le suivi", style = MaterialTheme.typography.labelLarge) }
            OutlinedButton(onClick = { onEvent(WoundsEvent.Cancel) }, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                Text("Annuler", style = MaterialTheme.typography.labelLarge)
            }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Assessment(form: AssessmentForm, f: WoundFollowUpInfo, saving: Boolean, onEvent: (WoundsEvent) -> Unit) {
    Column(Modifier.fillMaxSize()) {
        LazyColumn(Modifier.weight(1f), contentPadding = PaddingValues(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            item { Text("Évaluation — ${f.wound.site}", style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() }) }
            item {
                Row(horizontalArrangement = Arrangement.spacedBy(12.dp)) {
                    Box(Modifier.weight(1f)) { Field("Longueur (cm)", form.length) { onEvent(WoundsEvent.Length(it)) } }
                    Box(Modifier.weight(1f)) { Field("Largeur (cm)", form.width) { onEvent(WoundsEvent.Width(it)) } }
                    Box(Modifier.weight(1f)) { Field("Profondeur (cm, facultatif)", form.depth) { onEvent(WoundsEvent.Depth(it)) } }
                }
            }
            item {
                Question("Exsudat")
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    for ((v, l) in Exudates) ChoiceButton(l, form.exudate == v, "Exsudat : $l") { onEvent(WoundsEvent.Exudate(v)) }
                }
            }
            item {
                Question("Tissu le plus grave présent")
                FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    for ((v, l) in Tissues) ChoiceButton(l, form.tissue == v, "Tissu : $l") { onEvent(WoundsEvent.Tissue(v)) }
                }
            }
            if (f.wound.kind == WoundKind.PRESSURE_INJURY) {
                item {
                    Question("Stade (escarre)")
                    FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
                        for ((v, l) in Stages) ChoiceButton(l, form.stage == v, "Stade : $l") { onEvent(WoundsEvent.Stage(v)) }
                    }
                }
            }
            item { Field("Commentaire (soin fait, pansement…)", form.comment) { onEvent(WoundsEvent.Comment(it)) } }
        }
        Row(Modifier.fillMaxWidth().background(MaterialTheme.colorScheme.surfaceVariant).padding(16.dp), verticalAlignment = Alignment.CenterVertically) {
            Text(form.preview?.summary ?: "Longueur, largeur, exsudat et tissu donnent le score PUSH.", style = MaterialTheme.typography.titleMedium, fontWeight = FontWeight.Bold, modifier = Modifier.weight(1f))
            OutlinedButton(onClick = { onEvent(WoundsEvent.Cancel) }, modifier = Modifier.heightIn(min = MinTouchTarget).padding(end = 8.dp)) {
                Text("Annuler", style = MaterialTheme.typography.labelLarge)
            }
            Button(onClick = { onEvent(WoundsEvent.SaveAssessment) }, enabled = form.preview != null && !saving, modifier = Modifier.heightIn(min = MinTouchTarget)) {
                Text("Enregistrer", style = MaterialTheme.typography.labelLarge)
            }
        }
    }
}

/** The camera with the previous photo over it, as transparent as the slider says. */
@Composable
private fun Capture(c: CaptureForm, decoder: PhotoDecoder, camera: WoundCamera?, onEvent: (WoundsEvent) -> Unit) {
    Row(Modifier.fillMaxSize()) {
        Box(Modifier.weight(1f).fillMaxHeight().background(Color.Black), contentAlignment = Alignment.Center) {
            camera?.Preview(Modifier.fillMaxSize())
            val ghost = remember(c.ghost) { c.ghost?.let(decoder::decode) }
            if (ghost != null) {
                Image(ghost, "Photo précédente en repère", Modifier.fillMaxSize().alpha(c.ghostOpacity), contentScale = ContentScale.Fit)
            }
        }
        Column(Modifier.width(300.dp).padding(16.dp), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            if (c.ghost != null) {
                Question("Repère : photo précédente")
                Slider(
                    value = c.ghostOpacity,
                    onValueChange = { onEvent(WoundsEvent.GhostOpacity(it)) },
                    modifier = Modifier.semantics { contentDescription = "Transparence de la photo précédente" },
                )
                Text("Alignez la plaie sur la photo précédente.", style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted)
            } else {
                Text("Première photo de cette plaie.", style = MaterialTheme.typography.bodyMedium, color = ChevetColors.muted)
            }
            ChoiceButton("Réglette dans le cadre", c.scaleMarker, "Réglette dans le cadre${if (c.scaleMarker) ", oui" else ", non"}") {
                onEvent(WoundsEvent.ScaleMarker(!c.scaleMarker))
            }
            Question("Consentement donné par")
            ChoiceButton("Le résident", c.consentByResident == true, "Consentement du résident") { onEvent(WoundsEvent.Consent(true)) }
            ChoiceButton("Son représentant", c.consentByResident == false, "Consentement du représentant") { onEvent(WoundsEvent.Consent(false)) }
            Button(
                onClick = { onEvent(WoundsEvent.TakePhoto) },
                enabled = c.consentByResident != null && !c.taking,
                modifier = Modifier.fillMaxWidth().heightIn(min = MinTouchTarget),
            ) { Text(if (c.taking) "Enregistrement…" else "Prendre la photo", style = MaterialTheme.typography.labelLarge) }
            OutlinedButton(onClick = { onEvent(WoundsEvent.Cancel) }, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouchTarget)) {
                Text("Annuler", style = MaterialTheme.typography.labelLarge)
            }
        }
    }
}

@Composable
private fun Question(text: String) {
    Text(text, style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(bottom = 4.dp).semantics { heading() })
}

@Composable
private fun Field(label: String, value: String, onChange: (String) -> Unit) {
    OutlinedTextField(
        value = value,
        onValueChange = onChange,
        label = { Text(label) },
        singleLine = true,
        textStyle = MaterialTheme.typography.bodyLarge,
        modifier = Modifier.fillMaxWidth(),
    )
}


/** The core's refusal in words the nurse can act on. */
fun errorWords(e: ChevetException): String = when (e) {
    is ChevetException.PhotoRefused -> "La photo n'a pas été gardée : l'image n'est pas lisible ou pas une photo. Reprenez-la."
    is ChevetException.InvalidInput -> "Rien n'a été enregistré : une mesure n'est pas valable (${e.field})."
    is ChevetException.PermissionDenied -> "Rien n'a été enregistré : votre rôle ne permet pas d'enregistrer les soins de plaie."
    is ChevetException.NoSession -> "La session est verrouillée : reconnectez-vous."
    else -> "Erreur de la tablette. Réessayez ; si cela continue, prévenez l'informatique."
}
