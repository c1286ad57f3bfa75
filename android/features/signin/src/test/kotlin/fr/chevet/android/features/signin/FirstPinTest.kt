package fr.chevet.android.features.signin

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustCareRecordService
import fr.chevet.android.chevet.RustEnrolmentService
import fr.chevet.android.chevet.RustSessionService
import fr.chevet.android.chevet.RustSyncService
import fr.chevet.android.chevet.SyncState
import fr.chevet.android.testing.RealHub
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.SyncResult
import fr.chevet.core.VitalKind
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.last
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder

/**
 * The path every real establishment walks, with none of the demo's presets:
 * a hub set up by its admin commands, a tablet enrolled by the link its QR
 * code carries, the first sync, a professional's first PIN set with the
 * code the IT person printed, signing out and in again, and that
 * professional's first records reaching the unit's other tablet.
 */
class FirstPinTest {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @After
    fun stop() = scope.cancel()

    private fun tablet(name: String) = ChevetStore.open(dir.root.resolve("$name.db").path, InMemoryKeyVault())

    /** Enrols by the link of a new enrolment code, as the console's QR code carries it, then syncs once. */
    private fun enrolByLink(store: ChevetStore, hub: RealHub, url: String, label: String): SyncResult = runBlocking {
        val enrolment = RustEnrolmentService(store, Dispatchers.IO)
        val link = enrolment.readLink(hub.enrolmentLink(url)).getOrThrow()
        assertEquals(url, link.hubUrl)
        enrolment.enrol(link.hubUrl, link.code, label, link.establishmentCaPem).getOrThrow()
        firstSync(store)
    }

    private fun firstSync(store: ChevetStore): SyncResult = runBlocking {
        when (val end = withTimeout(20_000) { RustSyncService(store, Dispatchers.IO).sync().last() }) {
            is SyncState.Done -> end.result
            else -> error("the sync did not finish: $end")
        }
    }

    private fun signIn(store: ChevetStore) = SignInPresenter(RustSessionService(store, Dispatchers.IO), Clock.System, scope)

    /** A professional sets her first PIN on this tablet with the printed code, through the screen's events. */
    private fun firstPin(store: ChevetStore, staffId: String, code: String, pin: String) {
        val p = signIn(store)
        p.onEvent(SignInEvent.Load)
        p.next { !it.loading }
        p.onEvent(SignInEvent.Choose(staffId))
        p.onEvent(SignInEvent.Code(code))
        p.onEvent(SignInEvent.Submit)
        p.type(pin)
        p.type(pin)
        assertEquals(staffId, p.next { it.signedIn != null }.signedIn!!.staffId)
    }

    @Test
    fun `a first PIN set with the printed code signs in, and signs in again after signing out`() {
        RealHub(dir.root.toPath()).use { hub ->
            hub.importResidents(listOf("Durand;Lucie;F;1940-02-03;75056;101"))
            val pinCode = hub.firstPinCode(hub.nurse)
            val url = hub.start()
            tablet("a").use { store ->
                assertTrue(enrolByLink(store, hub, url, "Chariot A").pulled > 0u)

                val p = signIn(store)
                p.onEvent(SignInEvent.Load)
                val nurse = p.next { !it.loading }.accounts.single { it.staffId == hub.nurse }
                assertFalse("no PIN on a fresh tablet", nurse.pinSet)
                assertTrue(nurse.firstPinPossible)
                p.onEvent(SignInEvent.Choose(hub.nurse))
                assertEquals(SignInStep.FirstPinCode, p.state.value.step)

                // The code as read off the paper, in lower case.
                p.onEvent(SignInEvent.Code(pinCode.lowercase()))
                p.onEvent(SignInEvent.Submit)
                assertEquals(SignInStep.NewPin, p.state.value.step)

                // A confirmation that differs is refused, and nothing is set.
                p.type("482915")
                assertEquals(SignInStep.ConfirmPin, p.state.value.step)
                assertEquals("the digits typed are wiped after each step", 0, p.state.value.digits)
                p.type("482916")
                val differ = p.state.value
                assertEquals(SignInError.PinsDiffer, differ.error)
                assertEquals(SignInStep.NewPin, differ.step)
                assertEquals(0, differ.digits)
                assertNull(store.sessions().currentSession())
                assertFalse(store.sessions().staffAccounts().single { it.staffId == hub.nurse }.pinSet)

                // The same PIN twice: set, and the professional is in.
                p.type("482915")
                assertEquals(SignInStep.ConfirmPin, p.state.value.step)
                p.type("482915")
                val inside = p.next { it.signedIn != null || (!it.checking && it.error != null) }
                assertNull(inside.error)
                assertEquals(hub.nurse, inside.signedIn!!.staffId)
                assertEquals(0, inside.digits)
                assertEquals(hub.nurse, store.sessions().currentSession()!!.staffId)

                // Signed out; the PIN just set opens the tablet again, and no other does.
                runBlocking { RustSessionService(store, Dispatchers.IO).lock().getOrThrow() }
                assertNull(store.sessions().currentSession())
                val again = signIn(store)
                again.onEvent(SignInEvent.Load)
                assertTrue(again.next { !it.loading }.accounts.single { it.staffId == hub.nurse }.pinSet)
                again.onEvent(SignInEvent.Choose(hub.nurse))
                assertEquals(SignInStep.Pin, again.state.value.step)
                again.type("482916")
                assertEquals(SignInError.WrongPin(4), again.next { !it.checking && it.error != null }.error)
                again.type("482915")
                assertEquals(hub.nurse, again.next { it.signedIn != null }.signedIn!!.staffId)
            }
        }
    }

    @Test
    fun `a professional's first records after a first PIN reach the unit's other tablet`() {
        RealHub(dir.root.toPath()).use { hub ->
            hub.importResidents(listOf("Durand;Lucie;F;1940-02-03;75056;101"))
            val pinCode = hub.firstPinCode(hub.nurse)
            val url = hub.start()
            tablet("a").use { a ->
                enrolByLink(a, hub, url, "Chariot A")
                firstPin(a, hub.nurse, pinCode, "730418")

                val lucie = a.residents().searchResidents("durand").single()
                runBlocking {
                    RustCareRecordService(a, Dispatchers.IO)
                        .recordVital(lucie.residentId, VitalKind.TEMPERATURE, 38.4, System.currentTimeMillis() - 60_000)
                        .getOrThrow()
                }
                val pushed = firstSync(a)
                assertEquals("the professional's first record is accepted: $pushed", 0u, pushed.rejected)
                assertTrue(pushed.toString(), pushed.pushed > 0u)
                assertEquals(0uL, a.records().pendingSyncCount())

                tablet("b").use { b ->
                    enrolByLink(b, hub, url, "Chariot B")
                    // The printed code sets her PIN on each tablet of her unit.
                    assertFalse(b.sessions().staffAccounts().single { it.staffId == hub.nurse }.pinSet)
                    firstPin(b, hub.nurse, pinCode, "730418")
                    val file = b.residents().residentFile(lucie.residentId)
                    assertTrue(file.latestVitals.toString(), "Température : 38,4 °C" in file.latestVitals)
                }
            }
        }
    }
}
