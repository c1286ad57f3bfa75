package fr.chevet.android.features.signin

import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustSessionService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.ChevetStore
import fr.chevet.core.DemoInfo
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.StaffAccountInfo
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.io.File

private fun demoStore(dir: File): Pair<ChevetStore, DemoInfo> {
    val store = ChevetStore.open(dir.resolve("chevet.db").path, InMemoryKeyVault())
    val demo = store.seedDemo(1u, 2u, 0u)
    store.sessions().lock() // the demo leaves the nurse signed in; the tablet starts locked
    return store to demo
}

/** The sign-in presenter over the real core: its PIN rules and lock-out are the core's. */
class SignInPresenterTest {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @After
    fun stop() = scope.cancel()

    @Test
    fun `the right PIN signs in, a wrong one says how many tries are left`() {
        val (store, demo) = demoStore(dir.root)
        store.use {
            val presenter = SignInPresenter(RustSessionService(store, Dispatchers.IO), Clock.System, scope)
            presenter.onEvent(SignInEvent.Load)
            val loaded = presenter.next { !it.loading }
            assertTrue(loaded.accounts.any { it.staffId == demo.nurseId && it.pinSet })
            presenter.onEvent(SignInEvent.Choose(demo.nurseId))
            assertEquals(SignInStep.Pin, presenter.state.value.step)
            presenter.type("9137")
            val wrong = presenter.next { !it.checking && it.error != null }
            assertEquals(SignInError.WrongPin(4), wrong.error)
            assertEquals(0, wrong.digits)
            presenter.type(demo.pin)
            val inside = presenter.next { it.signedIn != null }
            assertEquals(demo.nurseId, inside.signedIn!!.staffId)
            assertEquals(demo.nurseId, store.sessions().currentSession()!!.staffId)
        }
    }

    @Test
    fun `five wrong PINs lock the professional out and the pad counts down`() {
        val (store, demo) = demoStore(dir.root)
        store.use {
            var now = System.currentTimeMillis()
            val presenter = SignInPresenter(RustSessionService(store, Dispatchers.IO), { now }, scope)
            presenter.onEvent(SignInEvent.Load)
            presenter.next { !it.loading }
            presenter.onEvent(SignInEvent.Choose(demo.nurseId))
            for (left in 4 downTo 1) {
                presenter.type("9137")
                assertEquals(SignInError.WrongPin(left), presenter.next { !it.checking && it.error == SignInError.WrongPin(left) }.error)
            }
            presenter.type("9137")
            val locked = presenter.next { it.lockedOutSeconds != null }
            // The core's first lock-out is 15 minutes.
            assertTrue("${locked.lockedOutSeconds}", locked.lockedOutSeconds!! in 898L..901L)
            // Typing does nothing while locked out, the right PIN included.
            presenter.type(demo.pin)
            assertEquals(0, presenter.state.value.digits)
            assertNull(store.sessions().currentSession())
            // Time passes: the countdown follows the clock, then the pad opens again.
            now += 14 * 60_000 + 30_000
            assertTrue(presenter.next { (it.lockedOutSeconds ?: 0) in 1L..40L }.lockedOutSeconds!! <= 40)
            now += 60_000
            assertNull(presenter.next { it.lockedOutSeconds == null }.lockedOutSeconds)
            // The pad takes digits again (the core keeps its own clock for the lock-out).
            presenter.onEvent(SignInEvent.Digit(4))
            assertEquals(1, presenter.state.value.digits)
        }
    }

    @Test
    fun `someone else takes the tablet, the list comes back and nothing typed remains`() {
        val (store, demo) = demoStore(dir.root)
        store.use {
            val presenter = SignInPresenter(RustSessionService(store, Dispatchers.IO), Clock.System, scope)
            presenter.onEvent(SignInEvent.Load)
            presenter.next { !it.loading }
            presenter.onEvent(SignInEvent.Choose(demo.nurseId))
            presenter.onEvent(SignInEvent.Digit(4))
            presenter.onEvent(SignInEvent.Digit(2))
            assertEquals(2, presenter.state.value.digits)
            presenter.onEvent(SignInEvent.ChooseSomeoneElse)
            val back = presenter.state.value
            assertEquals(SignInStep.ChooseWho, back.step)
            assertNull(back.chosen)
            assertEquals(0, back.digits)
            assertTrue(back.accounts.isNotEmpty())
        }
    }
}

/** The sign-in screen: taps on the pad, the lock-out seen, and its goldens. */
@OptIn(ExperimentalTestApi::class)
class SignInViewTest {
    @get:Rule
    val dir = TemporaryFolder()

    @Test
    fun `a wrong PIN five times shows the lock-out and the time left`() = runComposeUiTest {
        val (store, demo) = demoStore(dir.root)
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            val presenter = SignInPresenter(RustSessionService(store, Dispatchers.IO), Clock.System, scope)
            setContent {
                val state by presenter.state.collectAsState()
                ChevetTheme { SignInView(state, presenter::onEvent) }
            }
            presenter.onEvent(SignInEvent.Load)
            waitUntil(timeoutMillis = 10_000) { !presenter.state.value.loading }
            val nurse = presenter.state.value.accounts.first { it.staffId == demo.nurseId }
            onNode(hasContentDescription("${nurse.displayName}, ${nurse.role}")).performClick()
            repeat(5) { attempt ->
                waitUntil(timeoutMillis = 10_000) { !presenter.state.value.checking }
                for (d in "9137") onNodeWithContentDescription("Chiffre $d").performClick()
                onNodeWithContentDescription("Valider le code").performClick()
                if (attempt < 4) {
                    waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Code PIN incorrect. ${attempts(4 - attempt)}").fetchSemanticsNodes().isNotEmpty() }
                }
            }
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Trop d'essais : réessayez dans 15 min 00 s.").fetchSemanticsNodes().isNotEmpty() ||
                onAllNodesWithText("Trop d'essais : réessayez dans 14 min 59 s.").fetchSemanticsNodes().isNotEmpty() }
            onNodeWithContentDescription("Chiffre 1").assertIsNotEnabled()
        } finally {
            scope.cancel()
            store.close()
        }
    }

    private fun attempts(left: Int) = if (left == 1) "Encore 1 essai." else "Encore $left essais."

    private val goldens = File("src/test/goldens")
    private val people = listOf(
        StaffAccountInfo("00000000-0000-7000-8000-000000000001", "Claire Dupont", "IDE", pinSet = true, firstPinPossible = false),
        StaffAccountInfo("00000000-0000-7000-8000-000000000002", "Sami Benali", "AS", pinSet = true, firstPinPossible = false),
        StaffAccountInfo("00000000-0000-7000-8000-000000000003", "Louise Martin", "AES", pinSet = false, firstPinPossible = true),
    )

    private fun shoot(name: String, size: Tablet, state: SignInState) =
        assertMatchesGolden(goldens, name, size) { ChevetTheme { SignInView(state, onEvent = {}) } }

    @Test
    fun `goldens of the sign-in states, landscape and portrait`() {
        val listed = SignInState(loading = false, accounts = people)
        shoot("signin-choose-landscape", Tablet.Landscape, listed)
        shoot("signin-choose-portrait", Tablet.Portrait, listed)
        val pin = listed.copy(chosen = people[0], step = SignInStep.Pin, digits = 3)
        shoot("signin-pin-landscape", Tablet.Landscape, pin)
        shoot("signin-pin-portrait", Tablet.Portrait, pin)
        shoot("signin-wrong-pin", Tablet.Landscape, pin.copy(digits = 0, error = SignInError.WrongPin(2)))
        shoot("signin-locked-out", Tablet.Landscape, pin.copy(digits = 0, lockedOutSeconds = 14 * 60 + 7))
        shoot("signin-first-pin-code", Tablet.Landscape, listed.copy(chosen = people[2], step = SignInStep.FirstPinCode, code = "K7P2Q-9XMRT"))
        shoot("signin-empty", Tablet.Landscape, SignInState(loading = false))
    }
}
