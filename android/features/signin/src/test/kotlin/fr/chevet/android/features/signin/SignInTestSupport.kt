package fr.chevet.android.features.signin

import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout

/** The first state that satisfies [until] (a real hub may take a while: 20 s at most). */
internal fun SignInPresenter.next(until: (SignInState) -> Boolean): SignInState =
    runBlocking { withTimeout(20_000) { state.first(until) } }

/** Types [pin] on the pad, then OK. */
internal fun SignInPresenter.type(pin: String) {
    for (c in pin) onEvent(SignInEvent.Digit(c - '0'))
    onEvent(SignInEvent.Submit)
}
