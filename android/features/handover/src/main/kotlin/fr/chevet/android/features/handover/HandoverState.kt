package fr.chevet.android.features.handover

import fr.chevet.core.ChevetException
import fr.chevet.core.HandoverInfo

data class HandoverState(
    val loading: Boolean = true,
    /** The shift handed over: from [sinceMs] to [untilMs]. */
    val sinceMs: Long = 0,
    val untilMs: Long = 0,
    val handover: HandoverInfo? = null,
    /** Lines after this were not yet read by whoever is signed in. */
    val readUntilMs: Long? = null,
    val error: ChevetException? = null,
)

sealed interface HandoverEvent {
    data object Load : HandoverEvent

    /** "J'ai pris connaissance de la relève". */
    data object MarkRead : HandoverEvent
}
