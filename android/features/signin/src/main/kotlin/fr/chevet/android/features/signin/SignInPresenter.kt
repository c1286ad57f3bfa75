package fr.chevet.android.features.signin

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.SessionService
import fr.chevet.core.ChevetException
import fr.chevet.core.Session
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch

/**
 * Choosing who I am and proving it: the PIN, or a first PIN set with the
 * establishment's code. The core counts attempts and decides the lock-out;
 * this shows what it said and counts the lock-out down.
 */
class SignInPresenter(
    private val sessions: SessionService,
    private val clock: Clock,
    private val scope: CoroutineScope,
) {
    private val _state = MutableStateFlow(SignInState())
    val state: StateFlow<SignInState> = _state.asStateFlow()

    // The digits typed, wiped after each step; never in the state.
    private val typed = StringBuilder()

    // The new PIN between its two typings: kept from NewPin to ConfirmPin only,
    // forgotten once compared, or when someone else or another step takes over.
    private var newPin: CharArray? = null
    private var countdown: Job? = null

    fun onEvent(event: SignInEvent) {
        when (event) {
            SignInEvent.Load -> scope.launch { load() }
            is SignInEvent.Choose -> choose(event.staffId)
            is SignInEvent.Digit -> if (canType()) {
                if (typed.length < MAX_PIN_DIGITS) typed.append(('0' + event.digit.coerceIn(0, 9)))
                _state.update { it.copy(digits = typed.length, error = null) }
            }
            SignInEvent.Erase -> {
                if (typed.isNotEmpty()) typed.setLength(typed.length - 1)
                _state.update { it.copy(digits = typed.length) }
            }
            is SignInEvent.Code -> _state.update { it.copy(code = event.code.uppercase().take(11), error = null) }
            SignInEvent.Submit -> submit()
            SignInEvent.ChooseSomeoneElse -> {
                wipe()
                forgetNewPin()
                countdown?.cancel()
                _state.update { SignInState(loading = false, accounts = it.accounts) }
            }
        }
    }

    private fun canType() = _state.value.let { !it.checking && it.lockedOutSeconds == null && it.step != SignInStep.ChooseWho }

    private suspend fun load() {
        sessions.staffAccounts()
            .onSuccess { accounts -> _state.update { it.copy(loading = false, accounts = accounts) } }
            .onFailure { e -> _state.update { it.copy(loading = false, error = SignInError.Failed(e::class.simpleName ?: "")) } }
    }

    private fun choose(staffId: String) {
        val account = _state.value.accounts.firstOrNull { it.staffId == staffId } ?: return
        wipe()
        forgetNewPin()
        val step = when {
            account.pinSet -> SignInStep.Pin
            account.firstPinPossible -> SignInStep.FirstPinCode
            else -> null
        }
        _state.update {
            it.copy(
                chosen = account,
                step = step ?: SignInStep.ChooseWho,
                digits = 0,
                code = "",
                error = if (step == null) SignInError.NoWayIn else null,
                lockedOutSeconds = null,
            )
        }
    }

    private fun submit() {
        val s = _state.value
        val who = s.chosen ?: return
        if (s.checking || s.lockedOutSeconds != null) return
        when (s.step) {
            SignInStep.ChooseWho -> Unit
            SignInStep.Pin -> {
                if (typed.length < MIN_PIN_DIGITS) return
                val pin = typed.toString()
                wipe()
                check { sessions.signIn(who.staffId, pin) }
            }
            SignInStep.FirstPinCode -> if (s.code.isNotBlank()) _state.update { it.copy(step = SignInStep.NewPin, digits = 0) }
            SignInStep.NewPin -> {
                if (typed.length < MIN_PIN_DIGITS) return
                forgetNewPin()
                newPin = CharArray(typed.length) { typed[it] }
                wipe()
                _state.update { it.copy(step = SignInStep.ConfirmPin, digits = 0) }
            }
            SignInStep.ConfirmPin -> {
                val confirm = typed.toString()
                val same = newPin?.let { it.concatToString() == confirm } ?: false
                wipe()
                forgetNewPin()
                if (!same) {
                    _state.update { it.copy(step = SignInStep.NewPin, digits = 0, error = SignInError.PinsDiffer) }
                    return
                }
                check { sessions.setFirstPin(who.staffId, s.code, confirm) }
            }
        }
    }

    private fun check(attempt: suspend () -> Result<Session>) {
        _state.update { it.copy(checking = true, digits = 0) }
        scope.launch {
            attempt()
                .onSuccess { session -> _state.update { it.copy(checking = false, signedIn = session, error = null) } }
                .onFailure { e -> refused(e as ChevetException) }
        }
    }

    private fun refused(e: ChevetException) {
        val error: SignInError? = when (e) {
            is ChevetException.WrongPin -> SignInError.WrongPin(e.attemptsLeft.toInt())
            is ChevetException.WrongFirstPinCode -> SignInError.WrongCode(e.attemptsLeft.toInt())
            is ChevetException.WeakPin -> SignInError.WeakPin(e.reason)
            is ChevetException.FirstPinUnavailable -> SignInError.NoWayIn
            is ChevetException.StaffDeactivated -> SignInError.Deactivated
            is ChevetException.LockedOut -> null
            else -> SignInError.Failed(e::class.simpleName ?: "")
        }
        // A wrong code or a weak PIN starts the first PIN over; a wrong PIN asks again.
        val step = when (e) {
            is ChevetException.WrongFirstPinCode -> SignInStep.FirstPinCode
            is ChevetException.WeakPin -> SignInStep.NewPin
            else -> _state.value.step
        }
        _state.update { it.copy(checking = false, error = error, step = step) }
        if (e is ChevetException.LockedOut) countDown(e.untilMs)
    }

    private fun countDown(untilMs: Long) {
        countdown?.cancel()
        countdown = scope.launch {
            while (true) {
                val left = (untilMs - clock.nowMs() + 999) / 1000
                if (left <= 0) break
                _state.update { it.copy(lockedOutSeconds = left) }
                delay(1000)
            }
            _state.update { it.copy(lockedOutSeconds = null) }
        }
    }

    /** Overwrites the digits typed at this step; the new PIN kept for its confirmation stays. */
    private fun wipe() {
        for (i in typed.indices) typed.setCharAt(i, '0')
        typed.setLength(0)
    }

    private fun forgetNewPin() {
        newPin?.fill('0')
        newPin = null
    }
}
