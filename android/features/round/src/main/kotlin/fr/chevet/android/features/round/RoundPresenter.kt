package fr.chevet.android.features.round

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RoundService
import fr.chevet.core.ActResult
import fr.chevet.core.ChevetException
import fr.chevet.core.Closing
import fr.chevet.core.RoundShown
import fr.chevet.core.RoundWindow
import fr.chevet.core.standardRoundWindow
import fr.chevet.core.RoundResidentInfo
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * The round of a unit now. The core holds the round, computes every status,
 * the filter, the counts and the window ([standardRoundWindow]: six hours
 * back, two ahead); this turns events into calls and keeps what it answered.
 */
class RoundPresenter(
    private val rounds: RoundService,
    unitId: String,
    private val clock: Clock,
    private val scope: CoroutineScope,
    window: RoundWindow = standardRoundWindow(),
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

    private val round = rounds.round(unitId, window)

    fun onEvent(event: RoundEvent) {
        when (event) {
            RoundEvent.Refresh -> scope.launch { answer(round.load(clock.nowMs())) }
            is RoundEvent.SetFilter -> scope.launch { answer(round.setFilter(event.filter)) }
            is RoundEvent.Validate -> record(event.act, ActResult.DONE)
            is RoundEvent.AskWhyNotDone -> _state.update { it.copy(askingWhyNotDone = event.act) }
            is RoundEvent.NotDone -> {
                _state.update { it.copy(askingWhyNotDone = null) }
                record(event.act, event.reason)
            }
            RoundEvent.DismissWhyNotDone -> _state.update { it.copy(askingWhyNotDone = null) }
            is RoundEvent.AskHowToClose -> _state.update { it.copy(askingHowToClose = event.act) }
            is RoundEvent.Close -> {
                _state.update { it.copy(askingHowToClose = null) }
                close(event.act, event.closing)
            }
            RoundEvent.DismissClose -> _state.update { it.copy(askingHowToClose = null) }
            RoundEvent.DismissError -> _state.update { it.copy(error = null) }
            // A card is tapped only where it is shown.
            is RoundEvent.OpenMedication -> shownResident(event.residentId)?.let(onOpenMedication)
            is RoundEvent.OpenVitals -> shownResident(event.residentId)?.let(onOpenVitals)
            is RoundEvent.OpenTransmission -> shownResident(event.residentId)?.let(onOpenTransmission)
            is RoundEvent.OpenFile -> shownResident(event.residentId)?.let(onOpenFile)
        }
    }

    private fun shownResident(residentId: String): RoundResidentInfo? =
        (_state.value.residents + _state.value.unrecorded).firstOrNull { it.residentId == residentId }

    private fun record(act: ActRef, result: ActResult) =
        write(act) { rounds.recordAct(act.residentId, act.plannedActId, act.dueAtMs, result, clock.nowMs()) }

    private fun close(act: ActRef, closing: Closing) =
        write(act) { rounds.closeUnrecorded(act.residentId, act.plannedActId, act.dueAtMs, closing, clock.nowMs()) }

    private fun write(act: ActRef, call: suspend () -> Result<String>) {
        if (_state.value.saving != null) return // one at a time: a double tap records once
        _state.update { it.copy(saving = act) }
        scope.launch {
            call()
                .onSuccess {
                    // Only the card the record changed is read again, and redrawn at once.
                    answer(round.refreshResident(act.residentId, clock.nowMs()))
                    onRecorded()
                }
                .onFailure { e -> _state.update { it.copy(error = RoundError.RecordFailed(act, e as ChevetException)) } }
            _state.update { it.copy(saving = null) }
        }
    }

    /** Shows what the core answered, or why it could not. */
    private fun answer(shown: Result<RoundShown>) {
        shown
            .onSuccess { r ->
                _state.update {
                    it.copy(
                        loading = false,
                        residents = r.residents,
                        unrecorded = r.unrecorded,
                        unrecordedTitle = r.unrecordedTitle,
                        filter = r.filter,
                        toDo = r.counts.toDo.toInt(),
                        late = r.counts.late.toInt(),
                        unrecordedCount = r.counts.unrecorded.toInt(),
                        recorded = r.counts.recorded.toInt(),
                        countsLine = r.countsLine,
                        nothingShown = r.nothingShown,
                        unreadable = r.unreadable.toInt(),
                        unreadableLine = r.unreadableLine,
                    )
                }
            }
            .onFailure { e -> _state.update { it.copy(loading = false, error = RoundError.LoadFailed(e as ChevetException)) } }
    }
}
