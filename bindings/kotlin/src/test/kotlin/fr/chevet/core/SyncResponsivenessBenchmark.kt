package fr.chevet.core

import fr.chevet.android.testing.RealHub
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.concurrent.thread

/**
 * How long a care worker's tap waits while a sync runs: acts recorded from a
 * "UI" thread every 2 ms, first with the tablet idle, then during a sync
 * that pushes 3,000 records and two photos and pulls 3,000 from another
 * tablet, against a real hub. Run by scripts/bench-kotlin (release library).
 */
class SyncResponsivenessBenchmark {
    @TempDir
    lateinit var dir: Path

    private fun latencies(residentId: String, running: () -> Boolean): LongArray {
        val times = ArrayList<Long>()
        while (running()) {
            val t = System.nanoTime()
            store.records().recordAct(residentId, null, null, ActResult.DONE, null, System.currentTimeMillis())
            times.add(System.nanoTime() - t)
            Thread.sleep(2)
        }
        return times.toLongArray().also { it.sort() }
    }

    private fun LongArray.describe(): String =
        "%d calls, median %.2f ms, p99 %.2f ms, max %.2f ms".format(
            size, this[size / 2] / 1e6, this[size * 99 / 100] / 1e6, last() / 1e6,
        )

    private lateinit var store: ChevetStore

    @Test
    fun `recording an act while a sync runs`() {
        RealHub(dir).use { hub ->
            hub.importResidents(listOf("Durand;Lucie;F;1940-02-03;75056;101", "Martin;Paul;M;1938-11-20;69123;102"))
            val pin = hub.firstPinCode(hub.nurse)
            val (codeA, codeB) = hub.enrolmentCode() to hub.enrolmentCode()
            val url = hub.start()
            val now = System.currentTimeMillis()
            val a = ChevetStore.open(dir.resolve("a.db").toString(), InMemoryKeyVault())
            val b = ChevetStore.open(dir.resolve("b.db").toString(), InMemoryKeyVault())
            b.use { _ ->
            a.use { _ ->
                store = a
                for ((tablet, code) in listOf(a to codeA, b to codeB)) {
                    runBlocking { tablet.hub().enrol(url, code, "Tablette", null) }
                    runBlocking { tablet.hub().sync(null, SyncCancel()) }
                    tablet.sessions().setFirstPin(hub.nurse, pin, "2580")
                }
                val paul = b.residents().searchResidents("martin").single().residentId
                repeat(3_000) { i -> b.records().recordVital(paul, VitalKind.HEART_RATE, 60.0 + i % 40, now - 3_000_000 + i) }
                runBlocking { b.hub().sync(null, SyncCancel()) }

                val lucie = a.residents().searchResidents("durand").single().residentId
                repeat(3_000) { i -> a.records().recordVital(lucie, VitalKind.HEART_RATE, 60.0 + i % 40, now - 3_000_000 + i) }
                val wound = a.openWound(lucie, WoundKind.PRESSURE_INJURY, "sacrum", now)
                repeat(2) { a.ingestPhoto(PhotoCaptureInfo(lucie, wound, null, "sacrum", true, false, now), cameraJpeg(4000, 3000)) }

                val idleUntil = System.nanoTime() + 2_000_000_000L
                val idle = latencies(lucie) { System.nanoTime() < idleUntil }
                val syncing = AtomicBoolean(true)
                var report: SyncResult? = null
                val started = System.nanoTime()
                val sync = thread {
                    report = runBlocking { a.hub().sync(null, SyncCancel()) }
                    syncing.set(false)
                }
                val during = latencies(lucie) { syncing.get() }
                sync.join()
                println("sync: ${(System.nanoTime() - started) / 1_000_000} ms, $report")
                println("record an act, tablet idle: ${idle.describe()}")
                println("record an act, during the sync: ${during.describe()}")
            }
            }
        }
    }
}
