package fr.chevet.android.features.syncstatus

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.SyncService
import fr.chevet.android.chevet.SyncState
import fr.chevet.core.ChevetException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * Keeps the sync bar true: reads the core's status when asked and every
 * [refreshEveryMs] (the background sync of the platform runs without the
 * screen knowing), and runs "Synchroniser maintenant" with its progress.
 */
class SyncStatusPresenter(
    private val sync: SyncService,
    private val clock: Clock,
    private val scope: CoroutineScope,
    private val refreshEveryMs: Long = 30_000,
) {
    private val _state = MutableStateFlow(SyncStatusState())
    val state: StateFlow<SyncStatusState> = _state.asStateFlow()
    private var running: Job? = null
    private var ticking: Job? = null

    /** Reads the status now and then every [refreshEveryMs] until the scope ends. */
    fun start() {
        ticking?.cancel()
        ticking = scope.launch {
            while (true) {
                refresh()
                delay(refreshEveryMs)
            }
        }
    }

    fun onEvent(event: SyncStatusEvent) {
        when (event) {
            SyncStatusEvent.Refresh -> scope.launch { refresh() }
            SyncStatusEvent.SyncNow -> syncNow()
            SyncStatusEvent.Cancel -> running?.cancel()
        }
    }

    private fun syncNow() {
        if (running?.isActive == true) return // one at a time: a double tap syncs once
        _state.update { it.copy(running = SyncState.Progress(fr.chevet.core.SyncPhase.PUSHING, 0, 0, 0), error = null) }
        running = scope.launch {
            try {
                sync.sync().collect { s ->
                    when (s) {
                        is SyncState.Progress -> _state.update { it.copy(running = s) }
                        is SyncState.Done -> {}
                        is SyncState.Failed -> _state.update { it.copy(error = s.error) }
                    }
                }
            } finally {
                _state.update { it.copy(running = null) }
                // Cancelled or not, the core kept what went through: read it.
                scope.launch { refresh() }
            }
        }
    }

    private suspend fun refresh() {
        sync.status()
            .onSuccess { s -> _state.update { it.copy(status = s, readAtMs = clock.nowMs()) } }
            .onFailure { e -> _state.update { it.copy(error = e as? ChevetException) } }
    }
}
