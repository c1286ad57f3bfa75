package fr.chevet.core

import com.google.zxing.BarcodeFormat
import com.google.zxing.BinaryBitmap
import com.google.zxing.DecodeHintType
import com.google.zxing.EncodeHintType
import com.google.zxing.RGBLuminanceSource
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.datamatrix.DataMatrixReader
import com.google.zxing.datamatrix.DataMatrixWriter
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.time.LocalDate
import java.time.ZoneId

/**
 * A medicine box's GS1 Data Matrix end to end: drawn by ZXing as on the box,
 * read back from pixels as the tablet's camera would, then checked by the
 * core against the demo's paracetamol prescription when the dose is given.
 */
class MedicineBoxTest {
    @TempDir
    lateinit var dir: Path

    private val gs = '\u001d'
    private val today: LocalDate = LocalDate.now(ZoneId.of("Europe/Paris"))

    /** The element string a box carries: product, expiry, lot, serial. */
    private fun box(gtin: String, expiry: LocalDate, lot: String = "AB12C") =
        "01${gtin}17%02d%02d%02d10$lot${gs}21SN%06d".format(expiry.year % 100, expiry.monthValue, expiry.dayOfMonth, (Math.random() * 1e6).toInt())

    /** Draws a GS1 Data Matrix and reads it back from its pixels. */
    private fun printAndScan(content: String): String = scan(print(content))

    private fun scan(source: RGBLuminanceSource): String =
        DataMatrixReader().decode(BinaryBitmap(HybridBinarizer(source)), mapOf(DecodeHintType.TRY_HARDER to true)).text

    /** A GS1 Data Matrix as printed on a box, with its quiet zone, as pixels. */
    private fun print(content: String): RGBLuminanceSource {
        val size = 240
        val matrix = DataMatrixWriter().encode(content, BarcodeFormat.DATA_MATRIX, size, size, mapOf(EncodeHintType.GS1_FORMAT to true))
        val (w, h) = matrix.width to matrix.height
        val pixels = IntArray(w * h) { i -> if (matrix.get(i % w, i / w)) 0xFF000000.toInt() else 0xFFFFFFFF.toInt() }
        // A quiet zone around it, as printed on a box.
        val pad = 20
        val pw = w + 2 * pad
        val padded = IntArray(pw * (h + 2 * pad)) { 0xFFFFFFFF.toInt() }
        for (y in 0 until h) System.arraycopy(pixels, y * w, padded, (y + pad) * pw + pad, w)
        return RGBLuminanceSource(pw, h + 2 * pad, padded)
    }

    @Test
    fun `the prescribed box in date is given with its lot, a wrong or expired one is refused and nothing is written`() {
        ChevetStore.open(dir.resolve("chevet.db").toString(), InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 3u, 0u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val now = System.currentTimeMillis()
            val round = store.rounds().roundView(demo.unitIds.first(), now - 24 * 3_600_000L, now + 24 * 3_600_000L)
            val (resident, paracetamol) = round.residents.firstNotNullOf { r ->
                r.items.firstOrNull { it.label == "Paracétamol 1 g" }?.let { r to it }
            }

            val printed = print(box("03400935955838", today.plusMonths(11)))
            val right = scan(printed)
            val read = readMedicineBox(right, today.toString())
            // Decode from pixels and read in the core, as at the bedside (warm; printed, not asserted).
            val times = List(50) {
                val t = System.nanoTime()
                readMedicineBox(scan(printed), today.toString())
                System.nanoTime() - t
            }.sorted()
            assertEquals("3400935955838", read.cip13)
            assertEquals("AB12C", read.lot)
            assertEquals(today.plusMonths(11).toString(), read.expiryDay)
            assertTrue(read.serial!!.startsWith("SN"))
            println("Data Matrix decoded from pixels and read by the core: median %.2f ms, max %.2f ms".format(times[25] / 1e6, times.last() / 1e6))
            val before = store.records().pendingSyncCount()
            store.records().recordAdministration(resident.residentId, paracetamol.plannedActId, paracetamol.dueAtMs, AdministrationResult.GIVEN, right, now)
            assertEquals(before + 1u, store.records().pendingSyncCount())

            for ((scan, why) in listOf(
                printAndScan(box("03400930000007", today.plusMonths(11))) to "not the prescribed product",
                // Two days back: the core judges expiry on the UTC day (a box is let through on its
                // last day rather than refused the day before), so "yesterday" in Paris is still
                // in date between midnight and 1 or 2 a.m.
                printAndScan(box("03400935955838", today.minusDays(2))) to "past its expiry date",
            )) {
                val e = assertThrows<ChevetException.InvalidInput> {
                    store.records().recordAdministration(resident.residentId, paracetamol.plannedActId, paracetamol.dueAtMs, AdministrationResult.GIVEN, scan, now)
                }
                assertTrue(e.reason.contains(why), e.reason)
            }
            assertEquals(before + 1u, store.records().pendingSyncCount())
            // Not a medicine code at all.
            assertThrows<ChevetException.InvalidInput> { readMedicineBox("https://example.org", today.toString()) }
        }
    }
}
