package fr.chevet.android.desktop

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.Modifier
import androidx.compose.ui.input.pointer.PointerEventPass
import androidx.compose.ui.input.pointer.pointerInput
import androidx.compose.ui.unit.Density
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Window
import androidx.compose.ui.window.application
import androidx.compose.ui.window.rememberWindowState
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustCareRecordService
import fr.chevet.android.chevet.RustScaleService
import fr.chevet.android.chevet.RustTransferService
import fr.chevet.android.chevet.RustWoundService
import fr.chevet.android.chevet.RustRouteService
import fr.chevet.android.chevet.RustEnrolmentService
import fr.chevet.android.chevet.RustHandoverService
import fr.chevet.android.chevet.RustMedicationService
import fr.chevet.android.chevet.RustRoundService
import fr.chevet.android.chevet.RustSessionService
import fr.chevet.android.chevet.RustSyncService
import fr.chevet.android.chevet.RustVitalsService
import fr.chevet.android.features.shell.ChevetApp
import fr.chevet.android.features.shell.ShellPresenter
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.swing.Swing
import org.jetbrains.skia.EncodedImageFormat
import java.io.File
import java.security.SecureRandom
import javax.crypto.SecretKeyFactory
import javax.crypto.spec.PBEKeySpec
import javax.crypto.spec.SecretKeySpec
import java.nio.file.Files
import kotlin.system.exitProcess

private const val USAGE = """chevet-desktop: the tablet app in a window, for trying it and training staff.

  chevet-desktop                      a demo EHPAD (invented residents, PIN shown here), in a
                                      throwaway folder: it never syncs
  chevet-desktop --store DIR          a real store in DIR (created the first time, sealed with
                                      a passphrase asked for here): the app starts with the
                                      enrolment, for a hub of the establishment
  --screenshot FILE.png               draws the first screen headless at 1280×800 and exits"""

/** The same screens as the Android app, in a desktop window (Compose for the desktop JVM). */
fun main(args: Array<String>) {
    val opts = args.toMutableList()
    fun take(name: String): String? = opts.indexOf(name).takeIf { it >= 0 }?.let { i ->
        require(i + 1 < opts.size) { "$name needs a value" }
        opts.removeAt(i)
        opts.removeAt(i)
    }
    if ("--help" in opts || "-h" in opts) {
        println(USAGE)
        return
    }
    val screenshot = take("--screenshot")
    val storeDir = take("--store")
    if (opts.isNotEmpty()) {
        System.err.println("unknown argument: ${opts.first()}\n\n$USAGE")
        exitProcess(2)
    }

    val store = if (storeDir == null) demoStore() else realStore(File(storeDir), passphrase(File(storeDir)))
    val scope = CoroutineScope(SupervisorJob() + if (screenshot != null) Dispatchers.Default else Dispatchers.Swing)
    val shell = ShellPresenter(
        RustSessionService(store, Dispatchers.IO), RustRoundService(store, Dispatchers.IO),
        RustEnrolmentService(store, Dispatchers.IO), RustSyncService(store, Dispatchers.IO),
        RustMedicationService(store, Dispatchers.IO), RustHandoverService(store, Dispatchers.IO), RustVitalsService(store, Dispatchers.IO), RustCareRecordService(store, Dispatchers.IO), RustScaleService(store, Dispatchers.IO), RustTransferService(store, Dispatchers.IO), RustWoundService(store, Dispatchers.IO), RustRouteService(store, Dispatchers.IO), Clock.System, scope,
    )
    shell.start()
    try {
        if (screenshot != null) {
            drawFirstScreen(shell, File(screenshot))
        } else {
            application {
                Window(
                    onCloseRequest = ::exitApplication,
                    title = if (storeDir == null) "Chevet — démonstration" else "Chevet",
                    state = rememberWindowState(width = 1280.dp, height = 800.dp),
                ) {
                    // Any touch or click restarts the idle lock, as on the tablet.
                    Box(
                        Modifier.fillMaxSize().pointerInput(Unit) {
                            awaitPointerEventScope {
                                while (true) {
                                    awaitPointerEvent(PointerEventPass.Initial)
                                    shell.userActivity()
                                }
                            }
                        },
                    ) { ChevetApp(shell) }
                }
            }
        }
    } finally {
        scope.cancel()
        store.close()
    }
}

/** A demo EHPAD in a throwaway folder: invented residents, the demo PIN printed for the trainer. */
private fun demoStore(): ChevetStore {
    val dir = Files.createTempDirectory("chevet-demo").toFile().apply { deleteOnExit() }
    val store = ChevetStore.open(dir.resolve("demo.db").path, InMemoryKeyVault())
    val demo = store.seedDemo(2u, 12u, 30u)
    store.sessions().lock()
    val accounts = store.sessions().staffAccounts()
    println("Démonstration : EHPAD inventé, ${demo.residentIds.size} résidents, 30 jours d'historique. Rien n'est envoyé.")
    for (id in listOf(demo.nurseId, demo.careAideId)) {
        accounts.firstOrNull { it.staffId == id }?.let { println("  ${it.displayName} (${it.role}) : code PIN ${demo.pin}") }
    }
    accounts.firstOrNull { it.staffId == demo.newcomerId }?.let {
        println("  ${it.displayName} (${it.role}) : nouvelle, premier code PIN avec le code ${demo.newcomerFirstPinCode}")
    }
    return store
}

/**
 * A real store, its device key wrapped under a key derived from a passphrase
 * (PBKDF2-HMAC-SHA256, 600,000 rounds, a random salt kept beside the store):
 * the desktop's stand-in for the Android Keystore.
 */
internal fun realStore(dir: File, passphrase: CharArray): ChevetStore {
    dir.mkdirs()
    val saltFile = dir.resolve("vault.salt")
    if (!saltFile.exists()) saltFile.writeBytes(ByteArray(16).also { SecureRandom().nextBytes(it) })
    val spec = PBEKeySpec(passphrase, saltFile.readBytes(), 600_000, 256)
    val key = SecretKeySpec(SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).encoded, "AES")
    spec.clearPassword()
    passphrase.fill('\u0000')
    return ChevetStore.open(dir.resolve("chevet.db").path, InMemoryKeyVault(key))
}

private fun passphrase(dir: File): CharArray = System.getenv("CHEVET_PASSPHRASE")?.toCharArray()
    ?: System.console()?.readPassword("Phrase secrète du magasin chiffré de %s : ", dir.path)
    ?: error("no passphrase: set CHEVET_PASSPHRASE or run in a terminal")

/** The first screen, drawn headless once the shell has read the store. */
private fun drawFirstScreen(shell: ShellPresenter, file: File) {
    val scene = ImageComposeScene(1280, 800, Density(1f)) { ChevetApp(shell) }
    try {
        val deadline = System.currentTimeMillis() + 20_000
        var frameTime = 0L
        // Until "who are you" has its list, or the enrolment shows.
        while (System.currentTimeMillis() < deadline) {
            val s = shell.state.value
            val ready = s.enrolled == false || s.signIn?.state?.value?.accounts?.isNotEmpty() == true
            scene.render(frameTime)
            frameTime += 16_666_667
            if (ready) break
            Thread.sleep(20)
        }
        val image = scene.render(frameTime)
        file.writeBytes(image.encodeToData(EncodedImageFormat.PNG)!!.bytes)
        println("first screen drawn to $file")
    } finally {
        scene.close()
    }
}
