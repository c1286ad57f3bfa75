package fr.chevet.android.features.route

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RouteService
import fr.chevet.android.chevet.TagReader
import fr.chevet.core.ChevetException
import fr.chevet.core.StampBy
import fr.chevet.core.VisitMoment
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.time.Instant
import java.time.ZoneId

/**
 * A home-care nurse's day: their route, read from the tablet (no network
 * needed), each visit's arrival and departure stamped by hand or with the
 * home's QR sticker or NFC tag, which the core checks against the one
 * registered for that home.
 */
class RoutePresenter(
    private val routes: RouteService,
    private val unitId: String,
    private val zone: ZoneId,
    private val clock: Clock,
    private val scope: CoroutineScope,
    /** Opens the camera scanner; null where the tablet has none. */
    private val scanQr: ((onText: (String) -> Unit) -> Unit)? = null,
    /** The NFC reader; null where the tablet has none. */
    private val nfc: TagReader? = null,
    /** Called after a stamp is kept (the sync bar counts it). */
    private val onRecorded: () -> Unit = {},
) {
    private val _state = MutableStateFlow(RouteState(canReadNfc = nfc != null, canScanQr = scanQr != null))
    val state: StateFlow<RouteState> = _state.asStateFlow()
    private var reading: AutoCloseable? = null

    fun onEvent(event: RouteEvent) {
        when (event) {
            RouteEvent.Load -> scope.launch { load() }
            is RouteEvent.Choose -> scope.launch { open(event.routeId) }
            is RouteEvent.Stamp -> if (event.by == StampBy.MANUAL) {
                stamp(TagWait.Stamp(event.residentId, event.moment, event.by), null)
            } else {
                await(TagWait.Stamp(event.residentId, event.moment, event.by))
            }
            is RouteEvent.Register -> await(TagWait.Register(event.residentId, event.by))
            is RouteEvent.TagRead -> {
                val wait = _state.value.waiting ?: return
                stopReading()
                _state.update { it.copy(waiting = null) }
                when (wait) {
                    is TagWait.Stamp -> stamp(wait, event.payload)
                    is TagWait.Register -> register(wait, event.payload)
                }
            }
            RouteEvent.CancelWait -> {
                stopReading()
                _state.update { it.copy(waiting = null) }
            }
            RouteEvent.DismissError -> _state.update { it.copy(error = null) }
        }
    }

    private suspend fun load() {
        val day = Instant.ofEpochMilli(clock.nowMs()).atZone(zone).toLocalDate().toString()
        routes.myRoutes(unitId, day)
            .onSuccess { r ->
                _state.update { it.copy(loading = false, day = day, routes = r) }
                r.firstOrNull()?.let { open(it.routeId) }
            }
            .onFailure { e -> _state.update { it.copy(loading = false, day = day, error = e as ChevetException) } }
    }

    private suspend fun open(routeId: String) {
        routes.route(routeId)
            .onSuccess { r -> _state.update { it.copy(route = r) } }
            .onFailure { e -> _state.update { it.copy(error = e as ChevetException) } }
    }

    private fun await(wait: TagWait) {
        stopReading()
        _state.update { it.copy(waiting = wait, error = null, notice = null) }
        when (wait.by) {
            StampBy.NFC -> reading = nfc?.read { uid -> onEvent(RouteEvent.TagRead(uid)) }
            StampBy.QR_CODE -> scanQr?.invoke { text -> onEvent(RouteEvent.TagRead(text)) }
            StampBy.MANUAL -> Unit
        }
    }

    private fun stopReading() {
        reading?.close()
        reading = null
    }

    private fun name(residentId: String) =
        _state.value.route?.stops?.firstOrNull { it.resident.residentId == residentId }?.resident?.displayName ?: ""

    private fun stamp(wait: TagWait.Stamp, tag: String?) {
        val route = _state.value.route ?: return
        if (_state.value.saving) return
        _state.update { it.copy(saving = true, error = null) }
        scope.launch {
            routes.stamp(wait.residentId, route.routeId, wait.moment, wait.by, tag, clock.nowMs())
                .onSuccess {
                    val what = if (wait.moment == VisitMoment.START) "Arrivée" else "Départ"
                    _state.update { it.copy(saving = false, notice = "$what chez ${name(wait.residentId)} enregistré(e) ${byWords(wait.by)}") }
                    onRecorded()
                    open(route.routeId)
                }
                .onFailure { e -> _state.update { it.copy(saving = false, error = e as ChevetException) } }
        }
    }

    private fun register(wait: TagWait.Register, payload: String) {
        val route = _state.value.route ?: return
        _state.update { it.copy(saving = true, error = null) }
        scope.launch {
            routes.registerTag(wait.residentId, wait.by, payload)
                .onSuccess {
                    _state.update { it.copy(saving = false, notice = "Badge du domicile de ${name(wait.residentId)} enregistré ${byWords(wait.by)}") }
                    onRecorded()
                    open(route.routeId)
                }
                .onFailure { e -> _state.update { it.copy(saving = false, error = e as ChevetException) } }
        }
    }
}

fun byWords(by: StampBy): String = when (by) {
    StampBy.MANUAL -> "à la main"
    StampBy.QR_CODE -> "(QR code)"
    StampBy.NFC -> "(badge NFC)"
}
