package fr.chevet.android.testing

import java.net.InetSocketAddress
import java.net.ServerSocket
import java.net.Socket
import java.nio.file.Path

/**
 * A real hub for a test: the chevet-hub binary (built by scripts/test-kotlin
 * and scripts/test-android, passed as -Dchevet.hub.bin), set up with its
 * admin commands as an establishment's IT person would, and served on a
 * free local port until [close]; [stop] and [start] again take it away and
 * bring it back on the same port, as a Wi-Fi dead zone would.
 */
class RealHub(private val dir: Path) : AutoCloseable {
    private val bin: String =
        System.getProperty("chevet.hub.bin")?.takeIf { it.isNotBlank() }
            ?: error("chevet.hub.bin is not set: run scripts/test-kotlin, which builds the hub")
    private val data = dir.resolve("hub")
    private var process: Process? = null
    private var port: Int = 0

    val tenant: String = admin("create-tenant", "Groupe test")
    val establishment: String = admin("create-establishment", tenant, "EHPAD Les Tilleuls", "010000000", "ehpad")
    val unit: String = admin("create-unit", tenant, establishment, "Unité A")
    val nurse: String = admin("create-staff", tenant, "Infirmière de test", "nurse", "--unit", unit)

    /** Runs an admin command; returns the last line it printed. */
    fun admin(vararg args: String): String {
        val p = ProcessBuilder(listOf(bin, "--data", data.toString(), "admin") + args).start()
        val out = p.inputStream.bufferedReader().readText().trim()
        val err = p.errorStream.bufferedReader().readText()
        check(p.waitFor() == 0) { "admin ${args.first()} failed: $err" }
        return out.lines().last()
    }

    fun enrolmentCode(): String = admin("enrolment-code", tenant, unit)

    /** The enrolment link of a new code, as the QR code shows it (`chevet://enrol?…`). */
    fun enrolmentLink(hubUrl: String): String = admin("enrolment-code", tenant, unit, "--link", hubUrl)

    fun revokeDevice(deviceId: String) {
        admin("revoke-device", deviceId)
    }

    fun firstPinCode(staffId: String): String = admin("first-pin-code", tenant, staffId)

    /** Imports residents into the unit from the hub's CSV format. */
    fun importResidents(csvLines: List<String>) {
        val csv = dir.resolve("residents.csv")
        csv.toFile().writeText((listOf("birth_name;given_names;sex;birth_date;birth_place_insee;room") + csvLines).joinToString("\n"))
        admin("import-residents", tenant, unit, csv.toString())
    }

    /** Starts serving (on the same port as before, if it served before); returns the hub's URL. */
    fun start(): String {
        if (port == 0) port = ServerSocket(0).use { it.localPort }
        process = ProcessBuilder(bin, "--data", data.toString(), "serve", "--listen", "127.0.0.1:$port")
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("hub.log").toFile()))
            .start()
        repeat(100) {
            try {
                Socket().use { it.connect(InetSocketAddress("127.0.0.1", port), 200) }
                return "http://127.0.0.1:$port"
            } catch (e: java.io.IOException) {
                Thread.sleep(100)
            }
        }
        error("the hub did not start on port $port")
    }

    /** Stops serving: the tablets find no hub until [start]. */
    fun stop() {
        process?.let {
            it.destroy()
            it.waitFor()
        }
        process = null
    }

    override fun close() = stop()
}
