package fr.chevet.android.features.signin

import fr.chevet.core.Session
import fr.chevet.core.StaffAccountInfo

/** What the right-hand panel asks for. */
enum class SignInStep {
    /** Nobody chosen yet. */
    ChooseWho,

    /** The chosen professional's PIN. */
    Pin,

    /** No PIN here yet: the establishment's first-PIN code. */
    FirstPinCode,

    /** The new PIN, then the same again. */
    NewPin,
    ConfirmPin,
}

/** Why the last attempt did not sign in, for the screen to say. */
sealed interface SignInError {
    data class WrongPin(val attemptsLeft: Int) : SignInError
    data class WrongCode(val attemptsLeft: Int) : SignInError
    data class WeakPin(val reason: String) : SignInError
    data object PinsDiffer : SignInError
    data object NoWayIn : SignInError
    /** The establishment deactivated this professional (they left). */
    data object Deactivated : SignInError
    data class Failed(val what: String) : SignInError
}

data class SignInState(
    val loading: Boolean = true,
    val accounts: List<StaffAccountInfo> = emptyList(),
    val chosen: StaffAccountInfo? = null,
    val step: SignInStep = SignInStep.ChooseWho,
    /** How many digits are typed (the digits themselves stay in the presenter). */
    val digits: Int = 0,
    /** The first-PIN code as typed (it is shown: it is read off a paper). */
    val code: String = "",
    val checking: Boolean = false,
    val error: SignInError? = null,
    /** Seconds until the lock-out ends; the pad waits meanwhile. */
    val lockedOutSeconds: Long? = null,
    val signedIn: Session? = null,
)

sealed interface SignInEvent {
    data object Load : SignInEvent
    data class Choose(val staffId: String) : SignInEvent
    data class Digit(val digit: Int) : SignInEvent
    data object Erase : SignInEvent
    data class Code(val code: String) : SignInEvent
    data object Submit : SignInEvent
    /** Back to the list: someone else takes the tablet. */
    data object ChooseSomeoneElse : SignInEvent
}

/** The longest PIN the core accepts. */
const val MAX_PIN_DIGITS = 12
const val MIN_PIN_DIGITS = 4
