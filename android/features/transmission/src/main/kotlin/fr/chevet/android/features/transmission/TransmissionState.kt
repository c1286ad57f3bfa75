package fr.chevet.android.features.transmission

import fr.chevet.core.ChevetException
import fr.chevet.core.StaffRole

/** The targets (cibles) written most in EHPAD, offered as one-tap choices; any other can be typed. */
val usualTargets = listOf("Douleur", "Chute", "Alimentation", "Hydratation", "Élimination", "Sommeil", "Comportement", "Peau", "Respiration")

data class TransmissionState(
    val residentName: String,
    val room: String,
    val target: String = "",
    /** Données, actions, résultats (DAR). */
    val data: String = "",
    val actions: String = "",
    val results: String = "",
    /** Roles it is addressed to, who must act on it (the whole team reads it); empty means everyone. */
    val audience: Set<StaffRole> = emptySet(),
    val saving: Boolean = false,
    /** The target of the last transmission kept. */
    val saved: String? = null,
    val error: ChevetException? = null,
)

sealed interface TransmissionEvent {
    data class Target(val text: String) : TransmissionEvent
    data class Data(val text: String) : TransmissionEvent
    data class Actions(val text: String) : TransmissionEvent
    data class Results(val text: String) : TransmissionEvent
    data class ToggleAudience(val role: StaffRole) : TransmissionEvent
    data object Save : TransmissionEvent
}
