package fr.chevet.android.chevet

import fr.chevet.core.ChevetException
import fr.chevet.core.ChevetStore
import fr.chevet.core.RoundWindow
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.VitalKind
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder

class RustServicesTest {
    @get:Rule
    val dir = TemporaryFolder()

    private val now = System.currentTimeMillis()

    @Test
    fun `services run on the IO dispatcher and answer with Results`() = runBlocking {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 6u, 1u)
            val session = RustSessionService(store, Dispatchers.IO)
            val round = RustRoundService(store, Dispatchers.IO)
            val care = RustCareRecordService(store, Dispatchers.IO)
            assertTrue(session.signIn(demo.nurseId, "1111").exceptionOrNull() is ChevetException.WrongPin)
            assertEquals(demo.nurseId, session.signIn(demo.nurseId, demo.pin).getOrThrow().staffId)
            val unit = demo.unitIds.first()
            val units = round.units().getOrThrow()
            assertEquals(listOf(unit), units.map { it.unitId })
            assertEquals("Europe/Paris", units.single().timeZone)
            // What the round shows of the hour around now, read once before the concurrent reads.
            val hour = RoundWindow(1u, 1u)
            val shown = round.round(unit, hour).load(now).getOrThrow().residents.size
            val results = (0 until 64).map { i ->
                async(Dispatchers.Default) {
                    if (i % 2 == 0) {
                        care.recordVital(demo.residentIds[i % demo.residentIds.size], VitalKind.HEART_RATE, 70.0 + i % 20, now)
                            .map { 1 }
                    } else {
                        round.round(unit, hour).load(now).map { it.residents.size }
                    }
                }
            }.awaitAll()
            assertTrue(results.toString(), results.all { it.isSuccess })
            assertTrue(results.filterIndexed { i, _ -> i % 2 == 1 }.all { it.getOrThrow() == shown })
            session.lock().getOrThrow()
            assertEquals(null, session.currentSession().getOrThrow())
            // The sync flow reports a failure as its last state, not as an exception.
            val states = RustSyncService(store, Dispatchers.IO).sync().toList()
            val last = states.last()
            assertTrue(states.toString(), last is SyncState.Failed && last.error is ChevetException.NotEnrolled)
        }
    }
}
