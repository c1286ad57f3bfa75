package fr.chevet.android.features.syncstatus

import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustSyncService
import fr.chevet.android.testing.RealHub
import fr.chevet.core.WoundKind
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.SyncCancel
import fr.chevet.core.SyncHealth
import fr.chevet.core.VitalKind
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.time.LocalDate
import java.time.ZoneId

/** The sync bar's presenter over the real core and a real hub: the states a care worker sees. */
class SyncStatusPresenterTest {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val zone = ZoneId.of("Europe/Paris")
    private val now = System.currentTimeMillis()

    @After
    fun stop() = scope.cancel()

    private fun SyncStatusPresenter.next(until: (SyncStatusState) -> Boolean): SyncStatusState =
        runBlocking { withTimeout(20_000) { state.first(until) } }

    private fun tablet(name: String, hub: RealHub, url: String, pinCode: String): ChevetStore =
        ChevetStore.open(dir.root.resolve("$name.db").path, InMemoryKeyVault()).also {
            runBlocking {
                it.hub().enrol(url, hub.enrolmentCode(), "Tablette $name", null)
                it.hub().sync(null, SyncCancel())
            }
            it.sessions().setFirstPin(hub.nurse, pinCode, "2580")
        }

    private fun presenter(store: ChevetStore) =
        SyncStatusPresenter(RustSyncService(store, Dispatchers.IO), Clock.System, scope, refreshEveryMs = 60_000).also { it.start() }

    @Test
    fun `records wait, go, wait offline and go again, and a sync shows its progress`() {
        RealHub(dir.root.toPath()).use { hub ->
            hub.importResidents(listOf("Durand;Lucie;F;1940-02-03;75056;101"))
            val pinCode = hub.firstPinCode(hub.nurse)
            val url = hub.start()
            tablet("a", hub, url, pinCode).use { a ->
                val bar = presenter(a)
                val fresh = bar.next { it.status != null }
                assertEquals(SyncHealth.UP_TO_DATE, fresh.status!!.health)
                assertTrue(syncWords(fresh, zone).headline.startsWith("À jour · dernière synchronisation aujourd'hui à "))

                val lucie = a.residents().searchResidents("durand").single().residentId
                a.records().recordVital(lucie, VitalKind.TEMPERATURE, 38.4, now - 60_000)
                a.records().recordVital(lucie, VitalKind.HEART_RATE, 92.0, now - 60_000)
                bar.onEvent(SyncStatusEvent.Refresh)
                val waiting = bar.next { it.status?.pending == 2uL }
                assertEquals(SyncHealth.PENDING, waiting.status!!.health)
                assertTrue(syncWords(waiting, zone).headline.startsWith("2 enregistrements en attente d'envoi · "))

                // "Synchroniser maintenant": the progress shows, then up to date.
                bar.onEvent(SyncStatusEvent.SyncNow)
                val running = bar.next { it.running != null }
                assertTrue(syncWords(running, zone).headline.startsWith("Synchronisation en cours"))
                assertFalse(syncWords(running, zone).canSync)
                val synced = bar.next { it.running == null && it.status?.pending == 0uL }
                assertEquals(SyncHealth.UP_TO_DATE, synced.status!!.health)
                assertNull(synced.error)

                // The Wi-Fi drops: the record stays on the tablet and the bar says so.
                hub.stop()
                a.records().recordVital(lucie, VitalKind.TEMPERATURE, 38.1, now - 30_000)
                bar.onEvent(SyncStatusEvent.SyncNow)
                val offline = bar.next { it.running == null && it.status?.health == SyncHealth.OFFLINE }
                assertEquals(1uL, offline.status!!.pending)
                val words = syncWords(offline, zone)
                assertEquals(SyncTone.Offline, words.tone)
                assertEquals("Hors ligne : 1 enregistrement gardé sur la tablette, envoyé au retour du réseau", words.headline)
                assertTrue(words.canSync)
                assertNotNull(offline.error)

                // Back in range: sent, and the failure is history.
                hub.start()
                bar.onEvent(SyncStatusEvent.SyncNow)
                val back = bar.next { it.running == null && it.status?.health == SyncHealth.UP_TO_DATE }
                assertEquals(0uL, back.status!!.pending)
                assertNull(back.error)
            }
        }
    }

    @Test
    fun `a conflict waits for the coordinator, and a revoked tablet erases itself and asks to be enrolled`() {
        RealHub(dir.root.toPath()).use { hub ->
            hub.importResidents(listOf("Durand;Lucie;F;1940-02-03;75056;101"))
            val pinCode = hub.firstPinCode(hub.nurse)
            val url = hub.start()
            tablet("a", hub, url, pinCode).use { a ->
                tablet("b", hub, url, pinCode).use { b ->
                    val lucie = a.residents().searchResidents("durand").single().residentId
                    val wound = a.openWound(lucie, WoundKind.PRESSURE_INJURY, "sacrum", now - 86_400_000)
                    runBlocking { a.hub().sync(null, SyncCancel()); b.hub().sync(null, SyncCancel()) }
                    // Both close the same wound, on different days, each offline.
                    val today = LocalDate.now(zone)
                    a.carePlan().closeWound(lucie, wound, today.toString())
                    b.carePlan().closeWound(lucie, wound, today.minusDays(1).toString())
                    runBlocking { a.hub().sync(null, SyncCancel()) }

                    val bar = presenter(b)
                    bar.onEvent(SyncStatusEvent.SyncNow)
                    val conflicted = bar.next { it.running == null && it.status?.conflicts == 1uL }
                    assertEquals(SyncHealth.UP_TO_DATE, conflicted.status!!.health)
                    assertTrue(
                        syncWords(conflicted, zone).details
                            .contains("1 modification en conflit : la coordination choisit la valeur à garder"),
                    )

                    // Revoked (lost or stolen): at its next contact the tablet
                    // erases what it holds and must be enrolled again.
                    hub.revokeDevice(b.deviceId())
                    bar.onEvent(SyncStatusEvent.SyncNow)
                    val revoked = bar.next { it.running == null && it.status?.health == SyncHealth.NOT_ENROLLED }
                    val words = syncWords(revoked, zone)
                    assertEquals(SyncTone.Problem, words.tone)
                    assertEquals("Tablette non enrôlée auprès de l'établissement", words.headline)
                    assertFalse("retrying cannot help", words.canSync)
                    assertEquals("nothing left to send: erased", 0uL, revoked.status!!.pending)
                }
            }
        }
    }

    @Test
    fun `a sync stopped halfway keeps what went through and the next one finishes`() {
        RealHub(dir.root.toPath()).use { hub ->
            hub.importResidents(listOf("Durand;Lucie;F;1940-02-03;75056;101"))
            val pinCode = hub.firstPinCode(hub.nurse)
            val url = hub.start()
            tablet("a", hub, url, pinCode).use { a ->
                val lucie = a.residents().searchResidents("durand").single().residentId
                repeat(1_500) { i -> a.records().recordVital(lucie, VitalKind.HEART_RATE, 60.0 + i % 40, now - 1_000_000 + i) }
                val bar = presenter(a)
                bar.next { it.status?.pending == 1_500uL }
                bar.onEvent(SyncStatusEvent.SyncNow)
                bar.next { (it.running?.pushed ?: 0) > 0 }
                bar.onEvent(SyncStatusEvent.Cancel)
                // Read again after the stop: what the hub answered is no longer waiting.
                val stopped = bar.next { it.running == null && it.status!!.pending < 1_500uL }
                assertNull("a stop is not a failure", stopped.error)
                bar.onEvent(SyncStatusEvent.SyncNow)
                val done = bar.next { it.running == null && it.status?.pending == 0uL }
                assertEquals(SyncHealth.UP_TO_DATE, done.status!!.health)
            }
        }
    }

    @Test
    fun `a demo tablet never offers to sync`() {
        ChevetStore.open(dir.root.resolve("demo.db").path, InMemoryKeyVault()).use { store ->
            store.seedDemo(1u, 2u, 0u)
            val s = presenter(store).next { it.status != null }
            assertEquals(SyncHealth.DEMO, s.status!!.health)
            assertFalse(syncWords(s, zone).canSync)
        }
    }
}
