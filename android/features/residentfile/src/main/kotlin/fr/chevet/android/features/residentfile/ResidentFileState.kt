package fr.chevet.android.features.residentfile

import fr.chevet.core.ChevetException
import fr.chevet.core.ResidentFileInfo
import fr.chevet.core.TimelineItemInfo

data class ResidentFileState(
    val loading: Boolean = true,
    val file: ResidentFileInfo? = null,
    /** The timeline as read so far, newest first (the file's first page, then more). */
    val timeline: List<TimelineItemInfo> = emptyList(),
    val loadingMore: Boolean = false,
    /** Nothing older: « Voir plus » goes away. */
    val timelineEnd: Boolean = false,
    val error: ChevetException? = null,
)

sealed interface ResidentFileEvent {
    data object Load : ResidentFileEvent

    /** « Voir plus » at the foot of the timeline. */
    data object MoreTimeline : ResidentFileEvent
}
