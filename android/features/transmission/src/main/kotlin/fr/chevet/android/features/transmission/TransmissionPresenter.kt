package fr.chevet.android.features.transmission

import fr.chevet.android.chevet.CareRecordService
import fr.chevet.android.chevet.Clock
import fr.chevet.core.ChevetException
import fr.chevet.core.TransmissionEntry
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/** A targeted transmission written at the bedside; the core checks it (a target, something said) and keeps it. */
class TransmissionPresenter(
    private val care: CareRecordService,
    private val residentId: String,
    residentName: String,
    room: String,
    private val clock: Clock,
    private val scope: CoroutineScope,
    private val onRecorded: () -> Unit = {},
) {
    private val _state = MutableStateFlow(TransmissionState(residentName, room))
    val state: StateFlow<TransmissionState> = _state.asStateFlow()

    fun onEvent(event: TransmissionEvent) {
        when (event) {
            is TransmissionEvent.Target -> edit { it.copy(target = event.text) }
            is TransmissionEvent.Data -> edit { it.copy(data = event.text) }
            is TransmissionEvent.Actions -> edit { it.copy(actions = event.text) }
            is TransmissionEvent.Results -> edit { it.copy(results = event.text) }
            is TransmissionEvent.ToggleAudience -> edit {
                it.copy(audience = if (event.role in it.audience) it.audience - event.role else it.audience + event.role)
            }
            TransmissionEvent.Save -> save()
        }
    }

    private fun edit(update: (TransmissionState) -> TransmissionState) = _state.update { update(it).copy(saved = null, error = null) }

    private fun save() {
        val s = _state.value
        if (s.saving) return
        _state.update { it.copy(saving = true) }
        scope.launch {
            val entry = TransmissionEntry(residentId, s.target.trim(), s.data.trim(), s.actions.trim(), s.results.trim(), s.audience.toList())
            care.recordTransmission(entry, clock.nowMs())
                .onSuccess {
                    onRecorded()
                    _state.update { TransmissionState(it.residentName, it.room, saved = s.target.trim()) }
                }
                .onFailure { e -> _state.update { it.copy(saving = false, error = e as ChevetException) } }
        }
    }
}
