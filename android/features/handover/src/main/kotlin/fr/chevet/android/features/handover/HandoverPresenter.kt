package fr.chevet.android.features.handover

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.HandoverService
import fr.chevet.core.ChevetException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * The handover of the shift that just ended: the last [shiftHours] hours of
 * the unit, as the core computes them; what the signed-in professional has
 * not read yet is marked new, and reading it is recorded for them.
 */
class HandoverPresenter(
    private val handovers: HandoverService,
    private val unitId: String,
    private val clock: Clock,
    private val scope: CoroutineScope,
    private val shiftHours: Int = 12,
) {
    private val _state = MutableStateFlow(HandoverState())
    val state: StateFlow<HandoverState> = _state.asStateFlow()

    fun onEvent(event: HandoverEvent) {
        when (event) {
            HandoverEvent.Load -> scope.launch { load() }
            HandoverEvent.MarkRead -> scope.launch {
                val until = _state.value.untilMs
                handovers.markRead(unitId, until)
                    .onSuccess { _state.update { it.copy(readUntilMs = until) } }
                    .onFailure { e -> _state.update { it.copy(error = e as ChevetException) } }
            }
        }
    }

    private suspend fun load() {
        val until = clock.nowMs()
        val since = until - shiftHours * 3_600_000L
        handovers.handover(unitId, since, until)
            .onSuccess { h -> _state.update { HandoverState(false, since, until, h, h.readUntilMs) } }
            .onFailure { e -> _state.update { it.copy(loading = false, error = e as ChevetException) } }
    }
}
