package fr.chevet.android.features.wounds

import fr.chevet.core.ChevetException
import fr.chevet.core.WoundExudate
import fr.chevet.core.WoundFollowUpInfo
import fr.chevet.core.WoundInfo
import fr.chevet.core.WoundKind
import fr.chevet.core.WoundKindInfo
import fr.chevet.core.WoundPreviewInfo
import fr.chevet.core.WoundStage
import fr.chevet.core.WoundTissue

/** An assessment as it is typed (sizes as text, French decimals). */
data class AssessmentForm(
    val length: String = "",
    val width: String = "",
    val depth: String = "",
    val exudate: WoundExudate? = null,
    val tissue: WoundTissue? = null,
    val stage: WoundStage? = null,
    val comment: String = "",
    val preview: WoundPreviewInfo? = null,
)

/** A new wound: its kind and where it is. */
data class NewWoundForm(val kind: WoundKind? = null, val site: String = "")

/** Taking a photo: the previous one as a ghost to repeat the framing. */
data class CaptureForm(
    /** The previous photo's display image, when there is one. */
    val ghost: ByteArray? = null,
    val ghostOpacity: Float = 0.4f,
    val scaleMarker: Boolean = true,
    /** Consent given by the resident (false: by their representative); null until stated. */
    val consentByResident: Boolean? = null,
    val taking: Boolean = false,
)

data class WoundsState(
    val residentId: String,
    val residentName: String,
    val room: String,
    val wounds: List<WoundInfo> = emptyList(),
    val kinds: List<WoundKindInfo> = emptyList(),
    val followUp: WoundFollowUpInfo? = null,
    /** Thumbnails by photo id, decrypted in memory. */
    val thumbnails: Map<String, ByteArray> = emptyMap(),
    val assessment: AssessmentForm? = null,
    val newWound: NewWoundForm? = null,
    val capture: CaptureForm? = null,
    val saving: Boolean = false,
    /** Whether this tablet has a camera (the desktop launcher does not). */
    val hasCamera: Boolean = false,
    /** What was just kept, in French. */
    val notice: String? = null,
    /** The camera gave no picture (busy, refused, unplugged). */
    val cameraFailed: Boolean = false,
    val error: ChevetException? = null,
)

sealed interface WoundsEvent {
    data class Open(val woundId: String) : WoundsEvent
    data object StartNewWound : WoundsEvent
    data class NewWoundKind(val kind: WoundKind) : WoundsEvent
    data class NewWoundSite(val site: String) : WoundsEvent
    data object SaveNewWound : WoundsEvent

    data object StartAssessment : WoundsEvent
    data class Length(val text: String) : WoundsEvent
    data class Width(val text: String) : WoundsEvent
    data class Depth(val text: String) : WoundsEvent
    data class Exudate(val value: WoundExudate) : WoundsEvent
    data class Tissue(val value: WoundTissue) : WoundsEvent
    data class Stage(val value: WoundStage) : WoundsEvent
    data class Comment(val text: String) : WoundsEvent
    data object SaveAssessment : WoundsEvent

    data object StartCapture : WoundsEvent
    data class GhostOpacity(val value: Float) : WoundsEvent
    data class ScaleMarker(val present: Boolean) : WoundsEvent
    data class Consent(val byResident: Boolean) : WoundsEvent
    data object TakePhoto : WoundsEvent

    /** Back from a form to the follow-up (nothing kept). */
    data object Cancel : WoundsEvent
    data object DismissError : WoundsEvent
}
