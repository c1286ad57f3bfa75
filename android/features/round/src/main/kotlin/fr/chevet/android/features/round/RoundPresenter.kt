package fr.chevet.android.features.round

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RoundService
import fr.chevet.core.ActResult
import fr.chevet.core.ChevetException
import fr.chevet.core.RoundInfo
import fr.chevet.core.RoundResidentInfo
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * The round of a unit now: what was due in the last [hoursBefore] hours
 * and what comes in the next [hoursAfter]. The core computes every status;
 * this keeps the last round read, applies the filter and records.
 */
class RoundPresenter(
    private val rounds: RoundService,
    private val unitId: String,
    private val clock: Clock,
    private val scope: CoroutineScope,
    private val hoursBefore: Int = 6,
    private val hoursAfter: Int = 2,
    /** Called after each record is kept (the sync bar counts it). */
    private val onRecorded: () -> Unit = {},
    /** Opens a resident's medication screen (the shell navigates). */
    private val onOpenMedication: (RoundResidentInfo) -> Unit = {},
    /** Opens a resident's vitals entry (the shell navigates). */
    private val onOpenVitals: (RoundResidentInfo) -> Unit = {},
    /** Opens a transmission about a resident (the shell navigates). */
    private val onOpenTransmission: (RoundResidentInfo) -> Unit = {},
    /** Opens a resident's file (the shell navigates). */
    private val onOpenFile: (RoundResidentInfo) -> Unit = {},
) {
    private val _state = MutableStateFlow(RoundState())
    val state: StateFlow<RoundState> = _state.asStateFlow()

    /** The whole round as last read, before the filter. */
    private var round: RoundInfo? = null

    fun onEvent(event: RoundEvent) {
        when (event) {
            RoundEvent.Refresh -> scope.launch { reload() }
            is RoundEvent.SetFilter -> _state.update { show(it.copy(filter = event.filter)) }
            is RoundEvent.Validate -> record(event.act, ActResult.DONE)
            is RoundEvent.AskWhyNotDone -> _state.update { it.copy(askingWhyNotDone = event.act) }
            is RoundEvent.NotDone -> {
                _state.update { it.copy(askingWhyNotDone = null) }
                record(event.act, event.reason)
            }
            RoundEvent.DismissWhyNotDone -> _state.update { it.copy(askingWhyNotDone = null) }
            RoundEvent.DismissError -> _state.update { it.copy(error = null) }
            is RoundEvent.OpenMedication -> round?.residents?.firstOrNull { it.residentId == event.residentId }?.let(onOpenMedication)
            is RoundEvent.OpenVitals -> round?.residents?.firstOrNull { it.residentId == event.residentId }?.let(onOpenVitals)
            is RoundEvent.OpenTransmission -> round?.residents?.firstOrNull { it.residentId == event.residentId }?.let(onOpenTransmission)
            is RoundEvent.OpenFile -> round?.residents?.firstOrNull { it.residentId == event.residentId }?.let(onOpenFile)
        }
    }

    private fun record(act: ActRef, result: ActResult) {
        if (_state.value.saving != null) return // one at a time: a double tap records once
        _state.update { it.copy(saving = act) }
        scope.launch {
            rounds.recordAct(act.residentId, act.plannedActId, act.dueAtMs, result, clock.nowMs())
                .onSuccess {
                    reloadResident(act.residentId)
                    onRecorded()
                }
                .onFailure { e -> _state.update { it.copy(error = RoundError.RecordFailed(act, e as ChevetException)) } }
            _state.update { it.copy(saving = null) }
        }
    }

    private suspend fun reload() {
        val now = clock.nowMs()
        rounds.round(unitId, now - hoursBefore * HOUR_MS, now + hoursAfter * HOUR_MS)
            .onSuccess { r ->
                round = r
                _state.update { show(it.copy(loading = false, unreadable = r.unreadable.toInt())) }
            }
            .onFailure { e ->
                _state.update { it.copy(loading = false, error = RoundError.LoadFailed(e as ChevetException)) }
            }
    }

    /**
     * Reads again the one card a record changed (its acts and alerts, as the
     * core computes them), not the whole round: the row is redrawn at once.
     */
    private suspend fun reloadResident(residentId: String) {
        val now = clock.nowMs()
        val r = round ?: return reload()
        rounds.roundResident(unitId, residentId, now - hoursBefore * HOUR_MS, now + hoursAfter * HOUR_MS)
            .onSuccess { card ->
                round = r.copy(
                    residents = if (card == null) r.residents.filter { it.residentId != residentId }
                    else r.residents.map { if (it.residentId == residentId) card else it },
                )
                _state.update { show(it) }
            }
            .onFailure { e -> _state.update { it.copy(error = RoundError.LoadFailed(e as ChevetException)) } }
    }

    /** [state] with the residents and counts of the last round under its filter. */
    private fun show(state: RoundState): RoundState {
        val r = round ?: return state
        val items = r.residents.flatMap { it.items }
        val keep: (fr.chevet.core.RoundItemInfo) -> Boolean = when (state.filter) {
            RoundFilter.All -> { _ -> true }
            RoundFilter.Mine -> { i -> i.status.isOpen && i.mayRecord }
            RoundFilter.ToDo -> { i -> i.status.isOpen }
            RoundFilter.Late -> { i -> i.status.isLate }
        }
        val residents = r.residents.mapNotNull { resident ->
            val kept = resident.items.filter(keep)
            // A resident with an alert stays on the full round even with nothing due.
            if (kept.isEmpty() && !(state.filter == RoundFilter.All && resident.alerts.isNotEmpty())) null
            else resident.copy(items = kept)
        }
        return state.copy(
            residents = residents,
            toDo = items.count { it.status.isOpen },
            late = items.count { it.status.isLate },
            done = items.count { !it.status.isOpen },
        )
    }

    private companion object {
        const val HOUR_MS = 3_600_000L
    }
}
