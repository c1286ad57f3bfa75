package fr.chevet.android.features.route

import fr.chevet.core.ChevetException
import fr.chevet.core.RouteLineInfo
import fr.chevet.core.RouteInfo
import fr.chevet.core.StampBy
import fr.chevet.core.VisitMoment

/** What a tag being read is for. */
sealed interface TagWait {
    val residentId: String
    val by: StampBy

    /** Stamping an arrival or a departure. */
    data class Stamp(override val residentId: String, val moment: VisitMoment, override val by: StampBy) : TagWait

    /** Registering the home's sticker or tag. */
    data class Register(override val residentId: String, override val by: StampBy) : TagWait
}

data class RouteState(
    val loading: Boolean = true,
    /** "2026-12-05", in the service's time zone. */
    val day: String = "",
    val routes: List<RouteLineInfo> = emptyList(),
    val route: RouteInfo? = null,
    /** A tag awaited (NFC reader on, or the QR scanner open). */
    val waiting: TagWait? = null,
    val saving: Boolean = false,
    val canReadNfc: Boolean = false,
    val canScanQr: Boolean = false,
    /** What was just kept, in French. */
    val notice: String? = null,
    val error: ChevetException? = null,
)

sealed interface RouteEvent {
    data object Load : RouteEvent
    data class Choose(val routeId: String) : RouteEvent

    /** « Arrivée » / « Départ », by hand or awaiting the home's tag. */
    data class Stamp(val residentId: String, val moment: VisitMoment, val by: StampBy) : RouteEvent

    /** « Enregistrer le badge » of a home. */
    data class Register(val residentId: String, val by: StampBy) : RouteEvent

    /** What the NFC reader or the QR scanner read. */
    data class TagRead(val payload: String) : RouteEvent
    data object CancelWait : RouteEvent
    data object DismissError : RouteEvent
}
