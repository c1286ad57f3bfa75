package fr.chevet.android.features.medication

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.MedicationService
import fr.chevet.core.AdministrationResult
import fr.chevet.core.ChevetException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * A resident's medication now: the lines due, a scanned box checked by the
 * core against the prescription (product and expiry) before the dose is
 * given, the dose given — with the box's scan, which the core checks again —
 * or not given and why. [openScanner] is the app's camera, null where none.
 */
class MedicationPresenter(
    private val medication: MedicationService,
    private val unitId: String,
    resident: MedicationResident,
    private val clock: Clock,
    private val scope: CoroutineScope,
    private val openScanner: ((onText: (String) -> Unit) -> Unit)? = null,
    private val hoursBefore: Int = 6,
    private val hoursAfter: Int = 2,
    /** Called after each record is kept (the round and the sync bar count it). */
    private val onRecorded: () -> Unit = {},
) {
    private val _state = MutableStateFlow(MedicationState(resident, canScan = openScanner != null))
    val state: StateFlow<MedicationState> = _state.asStateFlow()
    private val residentId = resident.residentId

    fun onEvent(event: MedicationEvent) {
        when (event) {
            MedicationEvent.Load -> scope.launch { reload() }
            is MedicationEvent.Scan -> openScanner?.invoke { text -> onEvent(MedicationEvent.BoxScanned(event.line, text)) }
            is MedicationEvent.BoxScanned -> scope.launch { check(event.line, event.scan) }
            is MedicationEvent.Give -> record(event.line, AdministrationResult.GIVEN)
            is MedicationEvent.AskWhyNotGiven -> _state.update { it.copy(askingWhyNotGiven = event.line) }
            is MedicationEvent.NotGiven -> {
                _state.update { it.copy(askingWhyNotGiven = null) }
                record(event.line, event.result)
            }
            MedicationEvent.DismissWhyNotGiven -> _state.update { it.copy(askingWhyNotGiven = null) }
            MedicationEvent.DismissError -> _state.update { it.copy(error = null) }
        }
    }

    private suspend fun check(line: fr.chevet.core.MedicationDueInfo, scan: String) {
        medication.checkBox(residentId, line.plannedActId, scan, clock.nowMs())
            .onSuccess { box ->
                _state.update {
                    it.copy(scanned = it.scanned + (line.lineKey to ScannedBox(scan, box)), boxRefused = it.boxRefused - line.lineKey, error = null)
                }
            }
            .onFailure { e ->
                _state.update {
                    it.copy(
                        scanned = it.scanned - line.lineKey,
                        boxRefused = it.boxRefused + line.lineKey,
                        error = MedicationError.BoxRefused(line, boxProblem(e as ChevetException)),
                    )
                }
            }
    }

    private fun record(line: fr.chevet.core.MedicationDueInfo, result: AdministrationResult) {
        val s = _state.value
        if (s.saving != null) return // one at a time: a double tap records once
        // A refused box is not given until a right one is scanned.
        if (result == AdministrationResult.GIVEN && line.lineKey in s.boxRefused) return
        _state.update { it.copy(saving = line.lineKey) }
        scope.launch {
            val scan = if (result == AdministrationResult.GIVEN) _state.value.scanned[line.lineKey]?.scan else null
            medication.record(residentId, line.plannedActId, line.dueAtMs, result, scan, clock.nowMs())
                .onSuccess {
                    onRecorded()
                    reload()
                }
                .onFailure { e -> _state.update { it.copy(error = MedicationError.RecordFailed(line, e as ChevetException)) } }
            _state.update { it.copy(saving = null) }
        }
    }

    private suspend fun reload() {
        val now = clock.nowMs()
        medication.due(unitId, residentId, now - hoursBefore * HOUR_MS, now + hoursAfter * HOUR_MS)
            .onSuccess { lines -> _state.update { it.copy(loading = false, lines = lines) } }
            .onFailure { e -> _state.update { it.copy(loading = false, error = MedicationError.LoadFailed(e as ChevetException)) } }
    }

    private companion object {
        const val HOUR_MS = 3_600_000L
    }
}

/**
 * What is wrong with a refused box. The core says it in its refusal's reason
 * (the same words on the hub); anything else is an unreadable code.
 */
fun boxProblem(e: ChevetException): BoxProblem {
    val reason = (e as? ChevetException.InvalidInput)?.reason.orEmpty()
    return when {
        reason.contains("not the prescribed product") -> BoxProblem.WrongProduct
        reason.contains("past its expiry date") -> BoxProblem.Expired
        else -> BoxProblem.Unreadable
    }
}
