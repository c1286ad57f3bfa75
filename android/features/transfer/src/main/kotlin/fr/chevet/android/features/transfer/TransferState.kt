package fr.chevet.android.features.transfer

import fr.chevet.core.ChevetException
import fr.chevet.core.ConsciousnessAtDeparture
import fr.chevet.core.TransferDocumentsInfo

/** The personal items the sheet asks about by name. */
enum class Item { GLASSES, DENTAL_PROSTHESIS, HEARING_AID }

/** When the resident last ate, as picked at the bedside. */
data class MealChoice(val label: String, val atMs: Long)

data class TransferState(
    val residentName: String,
    val room: String,
    val reason: String = "",
    val destination: String = "",
    val consciousness: ConsciousnessAtDeparture = ConsciousnessAtDeparture.AWAKE_AND_ALERT,
    val recentPain: Boolean = false,
    val painScore: Int? = null,
    /** Offered from the time of day (this morning, midday, last night…). */
    val meals: List<MealChoice> = emptyList(),
    val lastMeal: MealChoice? = null,
    val items: Set<Item> = emptySet(),
    val otherItems: String = "",
    val comment: String = "",
    val saving: Boolean = false,
    /** Recorded: the sheet, its page and (when the vitals are there) the document. */
    val transferId: String? = null,
    val documents: TransferDocumentsInfo? = null,
    /** Where sharing and printing exist (a tablet; not the desktop launcher). */
    val canShare: Boolean = false,
    val error: ChevetException? = null,
) {
    /** The form holds what the core requires. */
    val ready: Boolean get() = reason.isNotBlank() && lastMeal != null && (!recentPain || painScore != null)
}

sealed interface TransferEvent {
    data class Reason(val text: String) : TransferEvent
    data class Destination(val text: String) : TransferEvent
    data class Consciousness(val level: ConsciousnessAtDeparture) : TransferEvent
    data class Pain(val recent: Boolean) : TransferEvent
    data class PainScore(val score: Int) : TransferEvent
    data class LastMeal(val meal: MealChoice) : TransferEvent
    data class ToggleItem(val item: Item) : TransferEvent
    data class OtherItems(val text: String) : TransferEvent
    data class Comment(val text: String) : TransferEvent

    /** « Préparer la fiche »: recorded, then shown. */
    data object Record : TransferEvent

    /** Read the sheet again (after the missing vitals were taken). */
    data object Refresh : TransferEvent
    data object Print : TransferEvent
    data object Send : TransferEvent
    data object DismissError : TransferEvent
}
