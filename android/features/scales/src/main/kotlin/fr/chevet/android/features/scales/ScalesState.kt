package fr.chevet.android.features.scales

import fr.chevet.core.ChevetException
import fr.chevet.core.FormKind
import fr.chevet.core.ScaleFormInfo
import fr.chevet.core.ScaleFormOutcome
import fr.chevet.core.ScaleFormPreviewInfo

data class ScalesState(
    val residentName: String,
    val room: String,
    val loading: Boolean = true,
    /** The forms, pain first; those outside the signed-in role are shown, not offered. */
    val forms: List<ScaleFormInfo> = emptyList(),
    /** The form being filled; null while choosing. */
    val form: ScaleFormInfo? = null,
    /** One per item: the option's index, AGGIR's adverbs mask, or null while unanswered. */
    val answers: List<UByte?> = emptyList(),
    val preview: ScaleFormPreviewInfo? = null,
    val saving: Boolean = false,
    /** What was recorded during this visit, newest first. */
    val recorded: List<ScaleFormOutcome> = emptyList(),
    val error: ChevetException? = null,
)

sealed interface ScalesEvent {
    data object Load : ScalesEvent

    data class Choose(val kind: FormKind) : ScalesEvent

    /** An option chosen for a Choice item (again: unchosen). */
    data class Answer(val item: Int, val option: Int) : ScalesEvent

    /** One of AGGIR's adverbs ticked or unticked (bit 0 S, 1 T, 2 C, 3 H). */
    data class ToggleAdverb(val item: Int, val adverb: Int) : ScalesEvent

    /** AGGIR: none of the four adverbs (the variable reads C). */
    data class NoAdverb(val item: Int) : ScalesEvent

    data object Record : ScalesEvent

    /** Back to the list of forms. */
    data object ChooseAnother : ScalesEvent

    data object DismissError : ScalesEvent
}
