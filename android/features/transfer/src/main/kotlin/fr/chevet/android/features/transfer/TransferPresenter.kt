package fr.chevet.android.features.transfer

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.DocumentSharing
import fr.chevet.android.chevet.TransferService
import fr.chevet.core.ChevetException
import fr.chevet.core.PersonalItemInfo
import fr.chevet.core.TransferEntry
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.time.Instant
import java.time.LocalTime
import java.time.ZoneId

/**
 * A resident leaving for the emergency department: a short form (the
 * reason, consciousness, pain, last meal, what goes with them), then the
 * sheet the core builds from the record — shown, printed, and sent as the
 * DLU-FLUDT document once the vitals it needs are there.
 */
class TransferPresenter(
    private val transfers: TransferService,
    private val residentId: String,
    residentName: String,
    room: String,
    private val zone: ZoneId,
    private val clock: Clock,
    private val scope: CoroutineScope,
    private val sharing: DocumentSharing? = null,
    /** Called after the sheet is kept (the sync bar counts it). */
    private val onRecorded: () -> Unit = {},
) {
    private val _state = MutableStateFlow(TransferState(residentName, room, meals = meals(clock.nowMs(), zone), canShare = sharing != null))
    val state: StateFlow<TransferState> = _state.asStateFlow()

    fun onEvent(event: TransferEvent) {
        when (event) {
            is TransferEvent.Reason -> edit { it.copy(reason = event.text) }
            is TransferEvent.Destination -> edit { it.copy(destination = event.text) }
            is TransferEvent.Consciousness -> edit { it.copy(consciousness = event.level) }
            is TransferEvent.Pain -> edit { it.copy(recentPain = event.recent, painScore = if (event.recent) it.painScore else null) }
            is TransferEvent.PainScore -> edit { it.copy(painScore = event.score) }
            is TransferEvent.LastMeal -> edit { it.copy(lastMeal = event.meal) }
            is TransferEvent.ToggleItem -> edit { it.copy(items = if (event.item in it.items) it.items - event.item else it.items + event.item) }
            is TransferEvent.OtherItems -> edit { it.copy(otherItems = event.text) }
            is TransferEvent.Comment -> edit { it.copy(comment = event.text) }
            TransferEvent.Record -> record()
            TransferEvent.Refresh -> _state.value.transferId?.let { id -> scope.launch { load(id) } }
            TransferEvent.Print -> _state.value.documents?.let { d -> sharing?.print(d.title, d.html) }
            TransferEvent.Send -> _state.value.documents?.fludt?.let { xml ->
                sharing?.share("Fiche de liaison d'urgence — ${_state.value.residentName}", "DLU-FLUDT.xml", "application/xml", xml.toByteArray())
            }
            TransferEvent.DismissError -> _state.update { it.copy(error = null) }
        }
    }

    private fun edit(change: (TransferState) -> TransferState) {
        if (_state.value.transferId != null) return // recorded: the sheet is what it is
        _state.update { change(it).copy(error = null) }
    }

    private fun record() {
        val s = _state.value
        if (s.saving || s.transferId != null || !s.ready) return
        val items = s.items.map {
            when (it) {
                Item.GLASSES -> PersonalItemInfo.Glasses
                Item.DENTAL_PROSTHESIS -> PersonalItemInfo.DentalProsthesis
                Item.HEARING_AID -> PersonalItemInfo.HearingAid
            }
        } + s.otherItems.split(',').map { it.trim() }.filter { it.isNotEmpty() }.map { PersonalItemInfo.Other(it) }
        val entry = TransferEntry(
            residentId, s.reason.trim(), s.destination.trim().ifEmpty { null }, s.consciousness, s.recentPain,
            s.painScore?.toUByte(), s.lastMeal!!.atMs, items, s.comment.trim().ifEmpty { null },
        )
        _state.update { it.copy(saving = true) }
        scope.launch {
            transfers.record(entry, clock.nowMs())
                .onSuccess { id ->
                    _state.update { it.copy(transferId = id) }
                    onRecorded()
                    load(id)
                }
                .onFailure { e -> _state.update { it.copy(saving = false, error = e as ChevetException) } }
        }
    }

    private suspend fun load(id: String) {
        transfers.documents(id)
            .onSuccess { d -> _state.update { it.copy(saving = false, documents = d) } }
            .onFailure { e -> _state.update { it.copy(saving = false, error = e as ChevetException) } }
    }

    companion object {
        /** The last meals worth offering before [nowMs]: the latest four of breakfast, lunch, snack, dinner. */
        fun meals(nowMs: Long, zone: ZoneId): List<MealChoice> {
            val now = Instant.ofEpochMilli(nowMs).atZone(zone)
            val slots = listOf(LocalTime.of(8, 0) to "petit déjeuner", LocalTime.of(12, 0) to "déjeuner", LocalTime.of(16, 0) to "goûter", LocalTime.of(19, 0) to "dîner")
            return (0L..1L).flatMap { back ->
                val day = now.toLocalDate().minusDays(back)
                slots.map { (t, what) ->
                    val at = day.atTime(t).atZone(zone)
                    MealChoice("${if (back == 0L) "Aujourd'hui" else "Hier"}, $what (%02d h)".format(t.hour), at.toInstant().toEpochMilli())
                }
            }.filter { it.atMs <= nowMs }.sortedByDescending { it.atMs }.take(4)
        }
    }
}
