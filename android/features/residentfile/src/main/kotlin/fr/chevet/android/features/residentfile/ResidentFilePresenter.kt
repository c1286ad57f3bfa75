package fr.chevet.android.features.residentfile

import fr.chevet.android.chevet.CareRecordService
import fr.chevet.core.ChevetException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * A resident's file as the core reads it (opening it is audited there):
 * identity, alerts, charts and the first page of the timeline; older
 * lines a page at a time.
 */
class ResidentFilePresenter(
    private val care: CareRecordService,
    private val residentId: String,
    private val scope: CoroutineScope,
    /** The core opens the file with this many lines; pages after it are the same size. */
    private val pageSize: Int = 50,
) {
    private val _state = MutableStateFlow(ResidentFileState())
    val state: StateFlow<ResidentFileState> = _state.asStateFlow()

    fun onEvent(event: ResidentFileEvent) {
        when (event) {
            ResidentFileEvent.Load -> scope.launch { load() }
            ResidentFileEvent.MoreTimeline -> more()
        }
    }

    private suspend fun load() {
        care.residentFile(residentId)
            .onSuccess { f ->
                _state.value = ResidentFileState(
                    loading = false, file = f, timeline = f.timeline, timelineEnd = f.timeline.size < pageSize,
                )
            }
            .onFailure { e -> _state.update { it.copy(loading = false, error = e as ChevetException) } }
    }

    private fun more() {
        val s = _state.value
        if (s.loadingMore || s.timelineEnd || s.file == null) return
        _state.update { it.copy(loadingMore = true) }
        scope.launch {
            val before = s.timeline.lastOrNull()?.atMs
            care.timeline(residentId, before, pageSize)
                .onSuccess { page ->
                    _state.update { it.copy(loadingMore = false, timeline = it.timeline + page, timelineEnd = page.size < pageSize) }
                }
                .onFailure { e -> _state.update { it.copy(loadingMore = false, error = e as ChevetException) } }
        }
    }
}
