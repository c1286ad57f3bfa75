package fr.chevet.android.features.enrolment

import com.google.zxing.BarcodeFormat
import com.google.zxing.BinaryBitmap
import com.google.zxing.EncodeHintType
import com.google.zxing.PlanarYUVLuminanceSource
import com.google.zxing.RGBLuminanceSource
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.qrcode.QRCodeReader
import com.google.zxing.qrcode.QRCodeWriter
import fr.chevet.android.chevet.RustEnrolmentService
import fr.chevet.android.chevet.RustSyncService
import fr.chevet.android.testing.RealHub
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.SyncHealth
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder

/** Enrolment over the real core and a real hub: typed, scanned, and refused. */
class EnrolmentPresenterTest {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @After
    fun stop() = scope.cancel()

    private fun EnrolmentPresenter.next(until: (EnrolmentState) -> Boolean): EnrolmentState =
        runBlocking { withTimeout(20_000) { state.first(until) } }

    private fun presenter(store: ChevetStore, scanner: (() -> Unit)? = null) =
        EnrolmentPresenter(RustEnrolmentService(store, Dispatchers.IO), RustSyncService(store, Dispatchers.IO), scope, scanner)

    private fun tablet(name: String) = ChevetStore.open(dir.root.resolve("$name.db").path, InMemoryKeyVault())

    @Test
    fun `a typed address and code enrol the tablet, and the first sync brings the unit and its staff`() {
        RealHub(dir.root.toPath()).use { hub ->
            val url = hub.start()
            tablet("a").use { store ->
                val p = presenter(store)
                p.onEvent(EnrolmentEvent.HubUrlChanged(" $url "))
                p.onEvent(EnrolmentEvent.CodeChanged(" ${hub.enrolmentCode().uppercase()} ")) // typed in capitals
                p.onEvent(EnrolmentEvent.Submit)
                assertEquals(EnrolmentError.Incomplete(EnrolmentField.Label), p.state.value.error)
                assertEquals(SyncHealth.NOT_ENROLLED, store.hub().syncStatus().health)

                p.onEvent(EnrolmentEvent.LabelChanged("Chariot 1er étage"))
                p.onEvent(EnrolmentEvent.Submit)
                val done = p.next { it.step == EnrolmentStep.Done }
                assertNull(done.error)
                assertEquals(listOf("Unité A"), store.units().map { it.name })
                assertTrue(store.sessions().staffAccounts().any { it.staffId == hub.nurse })
                assertEquals(SyncHealth.UP_TO_DATE, store.hub().syncStatus().health)
            }
        }
    }

    @Test
    fun `the console's QR code, read by a camera, enrols the tablet in one go`() {
        RealHub(dir.root.toPath()).use { hub ->
            val url = hub.start()
            val link = hub.enrolmentLink(url)
            assertTrue(link, link.startsWith("chevet://enrol?v=1&"))
            // The console draws the link as a QR code; the tablet's camera reads it back.
            val scanned = readQr(drawQr(link))
            assertEquals(link, scanned)
            // As the Android scanner reads it: a camera's luminance plane, rows padded to their stride.
            assertEquals(link, readQrFromLumaPlane(drawQr(link), rowStride = 600 + 64))
            tablet("a").use { store ->
                var scannerOpened = 0
                val p = presenter(store) { scannerOpened++ }
                assertTrue(p.state.value.canScan)
                p.onEvent(EnrolmentEvent.LabelChanged("Chariot 2e étage"))
                p.onEvent(EnrolmentEvent.ScanRequested)
                assertEquals(1, scannerOpened)
                p.onEvent(EnrolmentEvent.QrScanned(scanned))
                val done = p.next { it.step == EnrolmentStep.Done }
                assertTrue(done.fromQr)
                assertEquals(url, done.hubUrl)
                assertEquals(listOf("Unité A"), store.units().map { it.name })
            }
        }
    }

    @Test
    fun `a wrong code, a used code, plain http and a stranger's QR code are refused and change nothing`() {
        RealHub(dir.root.toPath()).use { hub ->
            val url = hub.start()
            tablet("a").use { store ->
                val p = presenter(store)
                p.onEvent(EnrolmentEvent.LabelChanged("Chariot"))

                p.onEvent(EnrolmentEvent.QrScanned(readQr(drawQr("https://www.example.org/menu"))))
                assertEquals(EnrolmentError.NotAnEnrolmentQr, p.state.value.error)
                assertEquals("", p.state.value.hubUrl)

                p.onEvent(EnrolmentEvent.HubUrlChanged(url))
                p.onEvent(EnrolmentEvent.CodeChanged("0123456789abcdef0123"))
                p.onEvent(EnrolmentEvent.Submit)
                val wrong = p.next { it.step == EnrolmentStep.Form && it.error != null }
                assertEquals(
                    "Code refusé : inconnu, expiré ou déjà utilisé. Demandez-en un nouveau à la coordination.",
                    enrolmentErrorWords(wrong.error!!),
                )

                p.onEvent(EnrolmentEvent.HubUrlChanged("http://10.20.30.40:8787"))
                p.onEvent(EnrolmentEvent.CodeChanged(hub.enrolmentCode()))
                p.onEvent(EnrolmentEvent.Submit)
                val plain = p.next { it.step == EnrolmentStep.Form && it.error != null }
                assertEquals("Adresse refusée : elle doit commencer par https://.", enrolmentErrorWords(plain.error!!))
                assertEquals(SyncHealth.NOT_ENROLLED, store.hub().syncStatus().health)
            }
            // A code serves once: a second tablet with the first one's code is refused.
            val code = hub.enrolmentCode()
            tablet("b").use { presenter(it).apply { enrol(url, code) }.next { s -> s.step == EnrolmentStep.Done } }
            tablet("c").use { store ->
                val p = presenter(store).apply { enrol(url, code) }
                val used = p.next { it.step == EnrolmentStep.Form && it.error != null }
                assertTrue(used.error is EnrolmentError.Refused)
                assertEquals(SyncHealth.NOT_ENROLLED, store.hub().syncStatus().health)
            }
        }
    }

    private fun EnrolmentPresenter.enrol(url: String, code: String) {
        onEvent(EnrolmentEvent.LabelChanged("Chariot"))
        onEvent(EnrolmentEvent.HubUrlChanged(url))
        onEvent(EnrolmentEvent.CodeChanged(code))
        onEvent(EnrolmentEvent.Submit)
    }
}

/** A QR code as a console draws it: black modules on white, with a quiet zone. */
fun drawQr(text: String, size: Int = 600): IntArray {
    val matrix = QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, size, size, mapOf(EncodeHintType.MARGIN to 4))
    return IntArray(size * size) { i -> if (matrix.get(i % size, i / size)) 0xFF000000.toInt() else 0xFFFFFFFF.toInt() }
}

/** Reads a QR code from pixels, as the tablet's camera scanner would. */
fun readQr(pixels: IntArray, size: Int = 600): String =
    QRCodeReader().decode(BinaryBitmap(HybridBinarizer(RGBLuminanceSource(size, size, pixels)))).text

/** The decode CodeScanActivity makes of a Camera2 frame's Y plane, whose rows may be longer than the image. */
fun readQrFromLumaPlane(pixels: IntArray, rowStride: Int, size: Int = 600): String {
    val plane = ByteArray(rowStride * size)
    for (y in 0 until size) for (x in 0 until size) plane[y * rowStride + x] = (pixels[y * size + x] and 0xFF).toByte()
    val source = PlanarYUVLuminanceSource(plane, rowStride, size, 0, 0, size, size, false)
    return QRCodeReader().decode(BinaryBitmap(HybridBinarizer(source))).text
}
