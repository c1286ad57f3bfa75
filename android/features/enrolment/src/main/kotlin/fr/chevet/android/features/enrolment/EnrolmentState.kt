package fr.chevet.android.features.enrolment

import fr.chevet.core.ChevetException

/** Where the enrolment of a new tablet stands. */
sealed interface EnrolmentStep {
    /** The form: the hub's address, the code and the tablet's name. */
    data object Form : EnrolmentStep

    /** The hub is being asked to take this tablet. */
    data object Enrolling : EnrolmentStep

    /** Enrolled; the first sync brings the units, the staff and the residents. */
    data class FirstSync(val pulled: Int) : EnrolmentStep

    /** Ready: the shell moves on to "who are you". */
    data object Done : EnrolmentStep
}

/** What went wrong, for the screen to say in French. */
sealed interface EnrolmentError {
    /** A field of the form is empty or malformed. */
    data class Incomplete(val field: EnrolmentField) : EnrolmentError

    /** The scanned QR code is not a Chevet enrolment code. */
    data object NotAnEnrolmentQr : EnrolmentError

    /** The hub or the network refused; the message comes from the core's error. */
    data class Refused(val error: ChevetException) : EnrolmentError

    /** Enrolled, but the first sync failed: it is retried from the sync bar. */
    data class FirstSyncFailed(val error: ChevetException) : EnrolmentError
}

enum class EnrolmentField { HubUrl, Code, Label }

data class EnrolmentState(
    val hubUrl: String = "",
    val code: String = "",
    /** What the coordinator's console will call this tablet ("Chariot 1er étage"). */
    val label: String = "",
    /** The establishment's CA, when a scanned QR code brought one (never typed). */
    val establishmentCaPem: String? = null,
    /** The address and code came from a scanned QR code. */
    val fromQr: Boolean = false,
    /** This tablet has a camera scanner the app can open. */
    val canScan: Boolean = false,
    val step: EnrolmentStep = EnrolmentStep.Form,
    val error: EnrolmentError? = null,
)

sealed interface EnrolmentEvent {
    data class HubUrlChanged(val value: String) : EnrolmentEvent
    data class CodeChanged(val value: String) : EnrolmentEvent
    data class LabelChanged(val value: String) : EnrolmentEvent

    /** "Scanner le QR code": the app opens its camera scanner, which answers with [QrScanned]. */
    data object ScanRequested : EnrolmentEvent

    /** The text of a QR code the camera read. */
    data class QrScanned(val text: String) : EnrolmentEvent
    data object Submit : EnrolmentEvent
    data object DismissError : EnrolmentEvent
}
