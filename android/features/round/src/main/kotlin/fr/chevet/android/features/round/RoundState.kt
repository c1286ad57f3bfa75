package fr.chevet.android.features.round

import fr.chevet.core.ActResult
import fr.chevet.core.ActResultChoice
import fr.chevet.core.Closing
import fr.chevet.core.ClosingChoice
import fr.chevet.core.RoundFilterChoice
import fr.chevet.core.ChevetException
import fr.chevet.core.RoundResidentInfo
import fr.chevet.core.RoundFilter

/** One occurrence of a planned act, as the round names it. */
data class ActRef(
    val residentId: String,
    val residentName: String,
    val plannedActId: String,
    val dueAtMs: Long,
    val label: String,
    /** A medication: closed as « donné hors tablette », not « fait ». */
    val medication: Boolean = false,
)

/** What went wrong, for the screen to say in French. */
sealed interface RoundError {
    data class LoadFailed(val error: ChevetException) : RoundError
    data class RecordFailed(val act: ActRef, val error: ChevetException) : RoundError
}

data class RoundState(
    val loading: Boolean = true,
    /** The residents after the filter, in room order, with only the acts it keeps. */
    val residents: List<RoundResidentInfo> = emptyList(),
    val filter: RoundFilter = RoundFilter.ALL,
    /** What nobody recorded (« non tracés »), oldest first: its own section, until answered or closed. */
    val unrecorded: List<RoundResidentInfo> = emptyList(),
    /** The section's title, as the core says it, when it has something. */
    val unrecordedTitle: String? = null,
    /** Counts over the whole round, whatever the filter. */
    val toDo: Int = 0,
    val late: Int = 0,
    val unrecordedCount: Int = 0,
    val recorded: Int = 0,
    /** The counts in words, as the core says them. */
    val countsLine: String = "",
    /** What to say when the filter keeps nothing, as the core says it. */
    val nothingShown: String = "",
    /** The act whose reason for not being done is being asked. */
    val askingWhyNotDone: ActRef? = null,
    /** The « non tracé » a nurse is closing (how is being asked). */
    val askingHowToClose: ActRef? = null,
    /** The act being recorded (its buttons wait). */
    val saving: ActRef? = null,
    val error: RoundError? = null,
    /** Records the store could not read (shown as a count, never hidden). */
    val unreadable: Int = 0,
    /** What to say about them, when there are some. */
    val unreadableLine: String? = null,
)

sealed interface RoundEvent {
    data object Refresh : RoundEvent
    data class SetFilter(val filter: RoundFilter) : RoundEvent
    data class Validate(val act: ActRef) : RoundEvent
    data class AskWhyNotDone(val act: ActRef) : RoundEvent
    data class NotDone(val act: ActRef, val reason: ActResult) : RoundEvent
    data object DismissWhyNotDone : RoundEvent

    /** A nurse closes a « non tracé »: asks how (done elsewhere, cancelled). */
    data class AskHowToClose(val act: ActRef) : RoundEvent
    data class Close(val act: ActRef, val closing: Closing) : RoundEvent
    data object DismissClose : RoundEvent
    data object DismissError : RoundEvent

    /** A medication on the round: given from the resident's medication screen, its box scanned. */
    data class OpenMedication(val residentId: String) : RoundEvent

    /** A resident's vitals entry. */
    data class OpenVitals(val residentId: String) : RoundEvent

    /** A targeted transmission about a resident. */
    data class OpenTransmission(val residentId: String) : RoundEvent

    /** A resident's file (identity, alerts, charts, timeline). */
    data class OpenFile(val residentId: String) : RoundEvent
}

/** The filters and the reasons for an act not done, with their words, as the core offers them. */
val roundFilters: List<RoundFilterChoice> = fr.chevet.core.roundFilters()
val notDoneReasons: List<ActResultChoice> = fr.chevet.core.notDoneReasons()

/** How a nurse may close a « non tracé », with its words, as the core offers them. */
fun closingChoices(medication: Boolean): List<ClosingChoice> = fr.chevet.core.closingChoices(medication)
