package fr.chevet.core

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Path
import java.util.concurrent.ConcurrentLinkedQueue

/**
 * Enrolment and sync from Kotlin against a real hub: the chevet-hub binary
 * (built by scripts/test-kotlin), set up with its admin commands and served
 * on a free local port for the test.
 */
class HubSyncTest {
    @TempDir
    lateinit var dir: Path

    private val hubBin: String =
        System.getProperty("chevet.hub.bin")?.takeIf { it.isNotBlank() }
            ?: error("chevet.hub.bin is not set: run scripts/test-kotlin, which builds the hub")

    private fun admin(data: Path, vararg args: String): String {
        val p = ProcessBuilder(listOf(hubBin, "--data", data.toString(), "admin") + args).start()
        val out = p.inputStream.bufferedReader().readText().trim()
        val err = p.errorStream.bufferedReader().readText()
        check(p.waitFor() == 0) { "admin ${args.first()} failed: $err" }
        return out.lines().last()
    }

    private fun waitForPort(port: Int) {
        repeat(100) {
            try {
                Socket().use { it.connect(InetSocketAddress("127.0.0.1", port), 200) }
                return
            } catch (e: java.io.IOException) {
                Thread.sleep(100)
            }
        }
        error("the hub did not start on port $port")
    }

    @Test
    fun `a tablet enrols with a real hub, syncs with progress, and a cancelled sync stops`() {
        val data = dir.resolve("hub")
        val tenant = admin(data, "create-tenant", "Groupe test")
        val establishment = admin(data, "create-establishment", tenant, "EHPAD Les Tilleuls", "010000000", "ehpad")
        val unit = admin(data, "create-unit", tenant, establishment, "Unité A")
        admin(data, "create-staff", tenant, "Infirmière de test", "nurse")
        val code = admin(data, "enrolment-code", tenant, unit)
        val port = ServerSocket(0).use { it.localPort }
        val hub = ProcessBuilder(hubBin, "--data", data.toString(), "serve", "--listen", "127.0.0.1:$port")
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("hub.log").toFile())
            .start()
        try {
            waitForPort(port)
            val url = "http://127.0.0.1:$port"
            ChevetStore.open(dir.resolve("device.db").toString(), AesGcmVault()).use { store ->
                val units = runBlocking { store.enrol(url, code, "Tablette de test") }
                assertEquals(listOf(unit), units)

                val phases = ConcurrentLinkedQueue<String>()
                val observer = object : SyncObserver {
                    override fun onProgress(phase: String, pushed: UInt, toPush: UInt, pulled: UInt) {
                        phases.add(phase)
                    }
                }
                val result = runBlocking { store.sync(observer, SyncCancel()) }
                assertTrue(result.pulled > 0u, "the establishment, its unit and staff come down: $result")
                assertEquals(listOf("pushing", "pulling", "done"), phases.distinct())

                // A sync cancelled before it runs stops with its own exception.
                val cancelled = SyncCancel().also { it.cancel() }
                assertThrows<ChevetException.SyncCancelled> { runBlocking { store.sync(null, cancelled) } }
                // And the next one goes on normally.
                assertEquals(0u, runBlocking { store.sync(null, SyncCancel()) }.pushed)
            }
            // A one-time code does not enrol a second tablet.
            ChevetStore.open(dir.resolve("other.db").toString(), AesGcmVault()).use { other ->
                assertThrows<ChevetException.HubRefused> { runBlocking { other.enrol(url, code, "Autre tablette") } }
            }
        } finally {
            hub.destroy()
            hub.waitFor()
        }
    }
}
