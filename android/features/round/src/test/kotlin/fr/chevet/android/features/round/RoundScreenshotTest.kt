package fr.chevet.android.features.round

import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.ChevetException
import fr.chevet.core.RoundFilter
import org.junit.Test
import java.io.File

/** Every state of the round at tablet sizes, against the committed goldens. */
class RoundScreenshotTest {
    private val goldens = File("src/test/goldens")

    private fun shoot(name: String, size: Tablet, state: RoundState) =
        assertMatchesGolden(goldens, name, size) { ChevetTheme { RoundView(state, RoundFixture.zone, onEvent = {}) } }

    @Test
    fun `loaded, landscape and portrait`() {
        shoot("round-loaded-landscape", Tablet.Landscape, RoundFixture.loaded)
        shoot("round-loaded-portrait", Tablet.Portrait, RoundFixture.loaded)
    }

    @Test
    fun `loading, empty and late-only`() {
        shoot("round-loading", Tablet.Landscape, RoundState())
        shoot("round-empty", Tablet.Landscape, RoundFixture.empty)
        val late = RoundFixture.loaded.copy(
            filter = RoundFilter.LATE,
            residents = RoundFixture.residents.mapNotNull { r -> r.copy(items = r.items.filter { it.late }).takeIf { it.items.isNotEmpty() } },
        )
        shoot("round-late-only", Tablet.Landscape, late)
    }

    @Test
    fun `a nurse reads what nobody recorded and closes one`() {
        val nurse = RoundFixture.loaded.copy(unrecorded = RoundFixture.unrecorded(nurse = true))
        shoot("round-unrecorded-nurse", Tablet.Landscape, nurse)
        val dose = nurse.unrecorded[0].let { r ->
            r.items[0].let { ActRef(r.residentId, r.displayName, it.plannedActId, it.dueAtMs, it.label, medication = true) }
        }
        shoot("round-unrecorded-closing", Tablet.Landscape, nurse.copy(askingHowToClose = dose))
    }

    @Test
    fun `asking why an act is not done, and a record refused`() {
        val act = RoundFixture.residents[0].let { r -> r.items[2].let { ActRef(r.residentId, r.displayName, it.plannedActId, it.dueAtMs, it.label) } }
        shoot("round-why-not-done", Tablet.Landscape, RoundFixture.loaded.copy(askingWhyNotDone = act))
        shoot("round-record-refused", Tablet.Landscape, RoundFixture.loaded.copy(error = RoundError.RecordFailed(act, ChevetException.NoSession())))
    }
}
