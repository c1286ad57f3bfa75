package fr.chevet.android.features.enrolment

import fr.chevet.android.chevet.EnrolmentService
import fr.chevet.android.chevet.SyncService
import fr.chevet.android.chevet.SyncState
import fr.chevet.core.ChevetException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * Enrols a new tablet: from a scanned QR code (address, code and the
 * establishment's CA in one go) or typed; then the first sync, so that
 * the units, the staff and the residents are here before anyone signs in.
 * [openScanner] is the app's camera scanner, null where there is none.
 */
class EnrolmentPresenter(
    private val enrolment: EnrolmentService,
    private val sync: SyncService,
    private val scope: CoroutineScope,
    private val openScanner: (() -> Unit)? = null,
) {
    private val _state = MutableStateFlow(EnrolmentState(canScan = openScanner != null))
    val state: StateFlow<EnrolmentState> = _state.asStateFlow()

    fun onEvent(event: EnrolmentEvent) {
        when (event) {
            // Typing over a scanned address drops the CA that came with it.
            is EnrolmentEvent.HubUrlChanged -> _state.update {
                it.copy(hubUrl = event.value.trim(), establishmentCaPem = null, fromQr = false, error = null)
            }
            is EnrolmentEvent.CodeChanged -> _state.update { it.copy(code = event.value.trim(), error = null) }
            is EnrolmentEvent.LabelChanged -> _state.update { it.copy(label = event.value, error = null) }
            EnrolmentEvent.ScanRequested -> openScanner?.invoke()
            is EnrolmentEvent.QrScanned -> enrolment.readLink(event.text)
                .onSuccess { link ->
                    _state.update {
                        it.copy(
                            hubUrl = link.hubUrl, code = link.code, establishmentCaPem = link.establishmentCaPem,
                            fromQr = true, error = null,
                        )
                    }
                    // The name is the one thing a QR code cannot know.
                    if (_state.value.label.isNotBlank()) submit()
                }
                .onFailure { _state.update { it.copy(error = EnrolmentError.NotAnEnrolmentQr) } }
            EnrolmentEvent.Submit -> submit()
            EnrolmentEvent.DismissError -> _state.update { it.copy(error = null) }
        }
    }

    private fun submit() {
        val s = _state.value
        if (s.step != EnrolmentStep.Form) return // a double tap enrols once
        val missing = when {
            s.hubUrl.isBlank() -> EnrolmentField.HubUrl
            s.code.isBlank() -> EnrolmentField.Code
            s.label.isBlank() -> EnrolmentField.Label
            else -> null
        }
        if (missing != null) {
            _state.update { it.copy(error = EnrolmentError.Incomplete(missing)) }
            return
        }
        _state.update { it.copy(step = EnrolmentStep.Enrolling, error = null) }
        scope.launch {
            enrolment.enrol(s.hubUrl, s.code, s.label.trim(), s.establishmentCaPem)
                .onSuccess { firstSync() }
                .onFailure { e ->
                    _state.update { it.copy(step = EnrolmentStep.Form, error = EnrolmentError.Refused(e as ChevetException)) }
                }
        }
    }

    private suspend fun firstSync() {
        _state.update { it.copy(step = EnrolmentStep.FirstSync(0)) }
        sync.sync().collect { s ->
            when (s) {
                is SyncState.Progress -> _state.update { it.copy(step = EnrolmentStep.FirstSync(s.pulled)) }
                is SyncState.Done -> _state.update { it.copy(step = EnrolmentStep.Done) }
                // Enrolled all the same: the shell goes on, and the sync bar retries.
                is SyncState.Failed -> _state.update {
                    it.copy(step = EnrolmentStep.Done, error = EnrolmentError.FirstSyncFailed(s.error))
                }
            }
        }
    }
}
