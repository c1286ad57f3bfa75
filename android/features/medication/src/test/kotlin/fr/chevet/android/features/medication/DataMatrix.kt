package fr.chevet.android.features.medication

import com.google.zxing.BarcodeFormat
import com.google.zxing.BinaryBitmap
import com.google.zxing.DecodeHintType
import com.google.zxing.EncodeHintType
import com.google.zxing.RGBLuminanceSource
import com.google.zxing.common.HybridBinarizer
import com.google.zxing.datamatrix.DataMatrixReader
import com.google.zxing.datamatrix.DataMatrixWriter
import java.time.LocalDate

/** A box's GS1 element string: product, expiry, lot, serial (GS ends the variable ones). */
fun boxCode(gtin: String, expiry: LocalDate, lot: String = "AB12C", serial: String = "SN000123") =
    "01${gtin}17%02d%02d%02d10$lot\u001d21$serial".format(expiry.year % 100, expiry.monthValue, expiry.dayOfMonth)

/** The box's GS1 Data Matrix drawn as printed, then read from its pixels as the tablet's camera reads it. */
fun printAndScan(content: String): String {
    val matrix = DataMatrixWriter().encode(content, BarcodeFormat.DATA_MATRIX, 240, 240, mapOf(EncodeHintType.GS1_FORMAT to true))
    val pad = 20
    val (w, h) = matrix.width + 2 * pad to matrix.height + 2 * pad
    val pixels = IntArray(w * h) { i ->
        val (x, y) = i % w - pad to i / w - pad
        val dark = x in 0 until matrix.width && y in 0 until matrix.height && matrix.get(x, y)
        if (dark) 0xFF000000.toInt() else 0xFFFFFFFF.toInt()
    }
    val source = RGBLuminanceSource(w, h, pixels)
    return DataMatrixReader().decode(BinaryBitmap(HybridBinarizer(source)), mapOf(DecodeHintType.TRY_HARDER to true)).text
}

/** The demo's paracetamol (Doliprane 1000 mg) and another product. */
const val PRESCRIBED = "03400935955838"
const val ANOTHER = "03400930000007"

/**
 * Prescribes paracetamol to [residentId] daily at [minutesFromNow] from now
 * (Paris time); returns the planned act's id. The demo's own doses sit at
 * fixed hours, mostly recorded by its history: a test needs one at a known time.
 */
fun planDose(store: fr.chevet.core.ChevetStore, residentId: String, minutesFromNow: Long, assist: Boolean = false): String {
    val due = java.time.Instant.now().plusSeconds(minutesFromNow * 60).atZone(java.time.ZoneId.of("Europe/Paris"))
    return store.planDemoMedication(residentId, "%02d:%02d".format(due.hour, due.minute), due.toLocalDate().toString(), assist)
}
