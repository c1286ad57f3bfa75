package fr.chevet.android.features.syncstatus

import fr.chevet.android.chevet.SyncState
import fr.chevet.core.ChevetException
import fr.chevet.core.SyncStatusInfo

/** The sync bar every screen shows: the core's status, and a sync running from here. */
data class SyncStatusState(
    /** The core's status as last read (null before the first read). */
    val status: SyncStatusInfo? = null,
    /** When [status] was read: the bar says "today at 14 h 32" against it. */
    val readAtMs: Long = 0,
    /** A sync started by "Synchroniser maintenant" is running, and how far. */
    val running: SyncState.Progress? = null,
    /** How the last sync started here failed; cleared by the next one. */
    val error: ChevetException? = null,
)

sealed interface SyncStatusEvent {
    /** Read the status again (after a record, or when the screen shows). */
    data object Refresh : SyncStatusEvent

    /** "Synchroniser maintenant". */
    data object SyncNow : SyncStatusEvent

    /** Stop the running sync: what was sent stays sent. */
    data object Cancel : SyncStatusEvent
}
