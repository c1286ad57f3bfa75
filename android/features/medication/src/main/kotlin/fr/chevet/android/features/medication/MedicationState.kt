package fr.chevet.android.features.medication

import fr.chevet.core.AdministrationResult
import fr.chevet.core.ChevetException
import fr.chevet.core.MedicationDueInfo
import fr.chevet.core.MedicineBoxInfo
import fr.chevet.core.RoundStatus

/** Whose medication the screen shows. */
data class MedicationResident(val residentId: String, val displayName: String, val room: String)

/** A box scanned for a line and accepted by the core: the text is what the record keeps. */
data class ScannedBox(val scan: String, val box: MedicineBoxInfo)

/** Why a scanned box is refused, in what the care worker must do about it. */
enum class BoxProblem {
    /** Another product than prescribed: do not give it. */
    WrongProduct,

    /** Past its expiry date: take another box. */
    Expired,

    /** Not a medicine box's code, or unreadable. */
    Unreadable,
}

sealed interface MedicationError {
    data class LoadFailed(val error: ChevetException) : MedicationError
    data class BoxRefused(val line: MedicationDueInfo, val problem: BoxProblem) : MedicationError
    data class RecordFailed(val line: MedicationDueInfo, val error: ChevetException) : MedicationError
}

data class MedicationState(
    val resident: MedicationResident,
    val loading: Boolean = true,
    /** The lines due on the round's span, by time. */
    val lines: List<MedicationDueInfo> = emptyList(),
    /** Boxes scanned and accepted, by planned act and occurrence ([lineKey]). */
    val scanned: Map<String, ScannedBox> = emptyMap(),
    /** Lines whose last scanned box was refused: not given until a right box is scanned. */
    val boxRefused: Set<String> = emptySet(),
    /** The line whose reason for not being given is being asked. */
    val askingWhyNotGiven: MedicationDueInfo? = null,
    /** The line being recorded (its buttons wait). */
    val saving: String? = null,
    /** This tablet has a camera scanner. */
    val canScan: Boolean = false,
    val error: MedicationError? = null,
)

sealed interface MedicationEvent {
    data object Load : MedicationEvent

    /** "Scanner la boîte": the app opens its scanner, which answers with [BoxScanned]. */
    data class Scan(val line: MedicationDueInfo) : MedicationEvent
    data class BoxScanned(val line: MedicationDueInfo, val scan: String) : MedicationEvent
    data class Give(val line: MedicationDueInfo) : MedicationEvent
    data class AskWhyNotGiven(val line: MedicationDueInfo) : MedicationEvent
    data class NotGiven(val line: MedicationDueInfo, val result: AdministrationResult) : MedicationEvent
    data object DismissWhyNotGiven : MedicationEvent
    data object DismissError : MedicationEvent
}

/** One occurrence of a line: a prescription given three times a day is three lines. */
val MedicationDueInfo.lineKey: String get() = "$plannedActId@$dueAtMs"

/** The answers offered when a dose is not given, in the order the dialog shows them. */
val notGivenResults: List<AdministrationResult> = listOf(
    AdministrationResult.REFUSED,
    AdministrationResult.SPAT_OUT,
    AdministrationResult.NOT_GIVEN_ASLEEP,
    AdministrationResult.NOT_GIVEN_ABSENT,
    AdministrationResult.NOT_GIVEN_CLINICAL_DECISION,
)
