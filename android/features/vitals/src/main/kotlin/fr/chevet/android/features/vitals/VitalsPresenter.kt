package fr.chevet.android.features.vitals

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.VitalsService
import fr.chevet.core.ChevetException
import fr.chevet.core.VitalSetEntry
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * A resident's vitals as they are typed: after each change the core reads
 * the set (an impossible value named, with its likely reading; NEWS2 once
 * complete, with its points); saving keeps the set whole or not at all.
 */
class VitalsPresenter(
    private val vitals: VitalsService,
    private val residentId: String,
    residentName: String,
    room: String,
    private val clock: Clock,
    private val scope: CoroutineScope,
    /** Called after a set is kept (the round and the sync bar count it). */
    private val onRecorded: () -> Unit = {},
) {
    private val _state = MutableStateFlow(VitalsState(residentName, room))
    val state: StateFlow<VitalsState> = _state.asStateFlow()
    private var previewing: Job? = null

    init {
        // The unit glycaemia is typed in, for its field: the establishment's, as the core says it.
        scope.launch { vitals.glucoseUnit(residentId).onSuccess { u -> _state.update { it.copy(glucoseUnit = u) } } }
    }

    fun onEvent(event: VitalsEvent) {
        when (event) {
            is VitalsEvent.Typed -> changed { it.copy(typed = it.typed + (event.field to event.text)) }
            is VitalsEvent.Consciousness -> changed { it.copy(consciousness = event.level) }
            is VitalsEvent.UseLikely -> {
                val field = VitalField.entries.firstOrNull { it.loinc == event.loinc } ?: return
                changed { it.copy(typed = it.typed + (field to frenchNumber(event.value))) }
            }
            VitalsEvent.Save -> save()
            VitalsEvent.DismissError -> _state.update { it.copy(error = null) }
        }
    }

    private fun changed(update: (VitalsState) -> VitalsState) {
        _state.update { update(it).copy(saved = null, error = null) }
        val entry = entry(_state.value) ?: return
        previewing?.cancel()
        previewing = scope.launch {
            vitals.preview(entry)
                .onSuccess { p -> _state.update { it.copy(preview = p) } }
                // A half-typed blood pressure: nothing to say until both figures are in.
                .onFailure { _state.update { it.copy(preview = null) } }
        }
    }

    /** The set as the core takes it; null (and the field named) when one is not a number. */
    private fun entry(s: VitalsState): VitalSetEntry? {
        val values = mutableMapOf<VitalField, Double>()
        for ((field, text) in s.typed) {
            val v = parseFrench(text) ?: continue
            if (v.isNaN()) {
                _state.update { it.copy(error = VitalsError.NotANumber(field), preview = null) }
                return null
            }
            values[field] = v
        }
        return VitalSetEntry(
            residentId,
            values[VitalField.Temperature], values[VitalField.Pulse], values[VitalField.RespiratoryRate],
            values[VitalField.OxygenSaturation], values[VitalField.Systolic], values[VitalField.Diastolic],
            s.consciousness, values[VitalField.OxygenFlow], values[VitalField.Pain], values[VitalField.Weight],
            values[VitalField.Glucose],
        )
    }

    private fun save() {
        val s = _state.value
        if (s.saving) return
        val entry = entry(s) ?: return
        _state.update { it.copy(saving = true) }
        scope.launch {
            vitals.record(entry, clock.nowMs())
                .onSuccess { ids ->
                    onRecorded()
                    _state.update { VitalsState(it.residentName, it.room, glucoseUnit = it.glucoseUnit, saved = ids.size) }
                }
                .onFailure { e -> _state.update { it.copy(saving = false, error = VitalsError.SaveFailed(e as ChevetException)) } }
        }
    }
}
