package fr.chevet.android.features.wounds

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.WoundService
import fr.chevet.core.ChevetException
import fr.chevet.core.PhotoCaptureInfo
import fr.chevet.core.Rendition
import fr.chevet.core.WoundAssessmentEntry
import fr.chevet.core.WoundInfo
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * A resident's wounds: the list from their file, one wound's follow-up
 * (PUSH chart, assessments, photo strip), a new wound, an assessment scored
 * as it is typed, and a photo framed over the previous one. Photos travel
 * as bytes between the camera, the core and the screen, never as files.
 */
class WoundsPresenter(
    private val wounds: WoundService,
    residentId: String,
    residentName: String,
    room: String,
    initial: List<WoundInfo>,
    private val clock: Clock,
    private val scope: CoroutineScope,
    /** Takes a still (JPEG bytes in memory); null where the tablet has no camera. */
    private val takePicture: (suspend () -> Result<ByteArray>)? = null,
    /** Called after anything is kept (the sync bar counts it, the file reads it). */
    private val onRecorded: () -> Unit = {},
) {
    private val _state = MutableStateFlow(
        WoundsState(residentId, residentName, room, wounds = initial, kinds = wounds.kinds(), hasCamera = takePicture != null),
    )
    val state: StateFlow<WoundsState> = _state.asStateFlow()
    private var previewing: Job? = null

    fun onEvent(event: WoundsEvent) {
        when (event) {
            is WoundsEvent.Open -> scope.launch { open(event.woundId) }
            WoundsEvent.StartNewWound -> _state.update { it.copy(newWound = NewWoundForm(), assessment = null, capture = null, notice = null) }
            is WoundsEvent.NewWoundKind -> _state.update { s -> s.copy(newWound = s.newWound?.copy(kind = event.kind)) }
            is WoundsEvent.NewWoundSite -> _state.update { s -> s.copy(newWound = s.newWound?.copy(site = event.site)) }
            WoundsEvent.SaveNewWound -> saveNewWound()
            WoundsEvent.StartAssessment -> _state.update { it.copy(assessment = AssessmentForm(), capture = null, newWound = null, notice = null) }
            is WoundsEvent.Length -> typed { it.copy(length = event.text) }
            is WoundsEvent.Width -> typed { it.copy(width = event.text) }
            is WoundsEvent.Depth -> typed { it.copy(depth = event.text) }
            is WoundsEvent.Exudate -> typed { it.copy(exudate = event.value) }
            is WoundsEvent.Tissue -> typed { it.copy(tissue = event.value) }
            is WoundsEvent.Stage -> typed { it.copy(stage = if (it.stage == event.value) null else event.value) }
            is WoundsEvent.Comment -> typed { it.copy(comment = event.text) }
            WoundsEvent.SaveAssessment -> saveAssessment()
            WoundsEvent.StartCapture -> startCapture()
            is WoundsEvent.GhostOpacity -> _state.update { s -> s.copy(capture = s.capture?.copy(ghostOpacity = event.value.coerceIn(0f, 1f))) }
            is WoundsEvent.ScaleMarker -> _state.update { s -> s.copy(capture = s.capture?.copy(scaleMarker = event.present)) }
            is WoundsEvent.Consent -> _state.update { s -> s.copy(capture = s.capture?.copy(consentByResident = event.byResident)) }
            WoundsEvent.TakePhoto -> takePhoto()
            WoundsEvent.Cancel -> _state.update { it.copy(assessment = null, newWound = null, capture = null, error = null) }
            WoundsEvent.DismissError -> _state.update { it.copy(error = null) }
        }
    }

    private suspend fun open(woundId: String) {
        wounds.followUp(woundId)
            .onSuccess { f ->
                _state.update { it.copy(followUp = f, assessment = null, newWound = null, capture = null, error = null) }
                // Thumbnails one by one: the strip fills as they come.
                for (p in f.photos.filter { it.onDevice }) {
                    wounds.image(p.photoId, Rendition.THUMBNAIL).onSuccess { bytes ->
                        _state.update { it.copy(thumbnails = it.thumbnails + (p.photoId to bytes)) }
                    }
                }
            }
            .onFailure { e -> _state.update { it.copy(error = e as ChevetException) } }
    }

    private fun saveNewWound() {
        val s = _state.value
        val form = s.newWound ?: return
        val kind = form.kind ?: return
        if (form.site.isBlank() || s.saving) return
        _state.update { it.copy(saving = true) }
        scope.launch {
            wounds.open(s.residentId, kind, form.site.trim(), clock.nowMs())
                .onSuccess { id ->
                    val label = s.kinds.firstOrNull { it.kind == kind }?.label ?: ""
                    _state.update { it.copy(saving = false, newWound = null, notice = "Plaie ouverte : $label, ${form.site.trim()}") }
                    onRecorded()
                    open(id)
                    _state.value.followUp?.let { f -> _state.update { it.copy(wounds = listOf(f.wound) + it.wounds.filter { w -> w.woundId != id }) } }
                }
                .onFailure { e -> _state.update { it.copy(saving = false, error = e as ChevetException) } }
        }
    }

    /** The entry as the core takes it; null while a size is not a number. */
    private fun entry(s: WoundsState): WoundAssessmentEntry? {
        val f = s.assessment ?: return null
        val wound = s.followUp ?: return null
        fun cm(text: String) = text.trim().replace(',', '.').toDoubleOrNull()
        val length = cm(f.length) ?: return null
        val width = cm(f.width) ?: return null
        val depth = if (f.depth.isBlank()) null else cm(f.depth) ?: return null
        return WoundAssessmentEntry(
            s.residentId, wound.woundId, length, width, depth, f.exudate ?: return null, f.tissue ?: return null,
            f.stage, f.comment.trim().ifEmpty { null },
        )
    }

    private fun typed(change: (AssessmentForm) -> AssessmentForm) {
        _state.update { s -> s.copy(assessment = s.assessment?.let(change)?.copy(preview = null), error = null) }
        val entry = entry(_state.value) ?: return
        previewing?.cancel()
        previewing = scope.launch {
            wounds.preview(entry)
                .onSuccess { p -> _state.update { s -> s.copy(assessment = s.assessment?.copy(preview = p)) } }
                .onFailure { e -> _state.update { it.copy(error = e as ChevetException) } }
        }
    }

    private fun saveAssessment() {
        val s = _state.value
        val entry = entry(s) ?: return
        if (s.saving) return
        _state.update { it.copy(saving = true) }
        scope.launch {
            wounds.record(entry, clock.nowMs())
                .onSuccess {
                    val summary = _state.value.assessment?.preview?.summary
                    _state.update { st -> st.copy(saving = false, assessment = null, notice = summary?.let { "Évaluation enregistrée : $it" }) }
                    onRecorded()
                    open(entry.woundId)
                }
                .onFailure { e -> _state.update { it.copy(saving = false, error = e as ChevetException) } }
        }
    }

    private fun startCapture() {
        val f = _state.value.followUp ?: return
        if (takePicture == null) return
        _state.update { it.copy(capture = CaptureForm(), assessment = null, newWound = null, notice = null) }
        val previous = f.previousPhotoId ?: return
        scope.launch {
            wounds.image(previous, Rendition.DISPLAY).onSuccess { bytes ->
                _state.update { s -> s.copy(capture = s.capture?.copy(ghost = bytes)) }
            }
        }
    }

    private fun takePhoto() {
        val s = _state.value
        val f = s.followUp ?: return
        val c = s.capture ?: return
        val camera = takePicture ?: return
        val byResident = c.consentByResident ?: return
        if (c.taking) return
        _state.update { it.copy(capture = c.copy(taking = true), cameraFailed = false, error = null) }
        scope.launch {
            val taken = camera().mapCatching { bytes ->
                wounds.ingest(
                    PhotoCaptureInfo(s.residentId, f.woundId, null, f.site, c.scaleMarker, !byResident, clock.nowMs()),
                    bytes,
                ).getOrThrow()
            }
            taken
                .onSuccess {
                    _state.update { it.copy(capture = null, notice = "Photo enregistrée et chiffrée sur la tablette") }
                    onRecorded()
                    open(f.woundId)
                }
                .onFailure { e ->
                    // The core's refusal is said; a camera that failed is said apart.
                    _state.update { st ->
                        st.copy(capture = st.capture?.copy(taking = false), error = e as? ChevetException, cameraFailed = e !is ChevetException)
                    }
                }
        }
    }
}
