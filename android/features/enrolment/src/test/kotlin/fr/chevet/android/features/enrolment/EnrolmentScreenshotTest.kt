package fr.chevet.android.features.enrolment

import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertMatchesGolden
import org.junit.Test
import java.io.File

/** The enrolment screen's states at tablet sizes, against the committed goldens. */
class EnrolmentScreenshotTest {
    private val goldens = File("src/test/goldens")

    private fun shoot(name: String, size: Tablet, state: EnrolmentState) =
        assertMatchesGolden(goldens, name, size) { ChevetTheme { EnrolmentView(state, onEvent = {}) } }

    private val scanned = EnrolmentState(
        label = "Chariot 1er étage", hubUrl = "https://chevet.ehpad-les-tilleuls.fr", code = "3f9a0c71e2b845d6a01c",
        establishmentCaPem = "-----BEGIN CERTIFICATE-----", fromQr = true, canScan = true,
    )

    @Test
    fun `empty, scanned, refused and receiving, landscape and portrait`() {
        shoot("enrolment-empty-landscape", Tablet.Landscape, EnrolmentState(canScan = true))
        shoot("enrolment-empty-portrait", Tablet.Portrait, EnrolmentState(canScan = true))
        shoot("enrolment-scanned", Tablet.Landscape, scanned)
        shoot("enrolment-not-a-qr", Tablet.Landscape, EnrolmentState(label = "Chariot", canScan = true, error = EnrolmentError.NotAnEnrolmentQr))
        shoot("enrolment-first-sync", Tablet.Landscape, scanned.copy(step = EnrolmentStep.FirstSync(1240)))
    }
}
