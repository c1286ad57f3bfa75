package fr.chevet.android.features.scales

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.ScaleService
import fr.chevet.core.ChevetException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * A scale filled at the bedside: after each answer the core scores what is
 * answered (the band once complete); recording keeps the whole form or
 * nothing. Several scales can follow one another for the same resident.
 */
class ScalesPresenter(
    private val scales: ScaleService,
    private val residentId: String,
    residentName: String,
    room: String,
    private val clock: Clock,
    private val scope: CoroutineScope,
    /** Called after a form is kept (the sync bar counts it, the file reads it). */
    private val onRecorded: () -> Unit = {},
) {
    private val _state = MutableStateFlow(ScalesState(residentName, room))
    val state: StateFlow<ScalesState> = _state.asStateFlow()
    private var previewing: Job? = null

    fun onEvent(event: ScalesEvent) {
        when (event) {
            ScalesEvent.Load -> scope.launch {
                scales.forms()
                    .onSuccess { f -> _state.update { it.copy(loading = false, forms = f) } }
                    .onFailure { e -> _state.update { it.copy(loading = false, error = e as ChevetException) } }
            }
            is ScalesEvent.Choose -> {
                val form = _state.value.forms.firstOrNull { it.kind == event.kind && it.mayRecord } ?: return
                _state.update { it.copy(form = form, answers = List(form.items.size) { null }, preview = null, error = null) }
                preview()
            }
            is ScalesEvent.Answer -> answered(event.item) { current ->
                if (current?.toInt() == event.option) null else event.option.toUByte()
            }
            is ScalesEvent.ToggleAdverb -> answered(event.item) { current ->
                ((current?.toInt() ?: 0) xor (1 shl event.adverb)).toUByte()
            }
            is ScalesEvent.NoAdverb -> answered(event.item) { 0u }
            ScalesEvent.Record -> record()
            ScalesEvent.ChooseAnother -> _state.update { it.copy(form = null, answers = emptyList(), preview = null, error = null) }
            ScalesEvent.DismissError -> _state.update { it.copy(error = null) }
        }
    }

    private fun answered(item: Int, change: (UByte?) -> UByte?) {
        val s = _state.value
        if (s.form == null || item !in s.answers.indices) return
        _state.update { it.copy(answers = it.answers.toMutableList().also { a -> a[item] = change(a[item]) }, error = null) }
        preview()
    }

    private fun preview() {
        val s = _state.value
        val form = s.form ?: return
        previewing?.cancel()
        previewing = scope.launch {
            scales.preview(residentId, form.kind, s.answers)
                .onSuccess { p -> _state.update { if (it.answers == s.answers) it.copy(preview = p) else it } }
                .onFailure { e -> _state.update { it.copy(error = e as ChevetException) } }
        }
    }

    private fun record() {
        val s = _state.value
        val form = s.form ?: return
        if (s.saving) return // a double tap records once
        _state.update { it.copy(saving = true) }
        scope.launch {
            scales.record(residentId, form.kind, s.answers, clock.nowMs())
                .onSuccess { o ->
                    onRecorded()
                    _state.update { it.copy(saving = false, recorded = listOf(o) + it.recorded, form = null, answers = emptyList(), preview = null) }
                }
                .onFailure { e -> _state.update { it.copy(saving = false, error = e as ChevetException) } }
        }
    }
}
