package fr.chevet.android.features.wounds

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustWoundService
import fr.chevet.android.chevetui.PhotoDecoder
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.android.screenshots.skiaDecode
import fr.chevet.core.AssessmentPointInfo
import fr.chevet.core.ChartKind
import fr.chevet.core.ChartPointInfo
import fr.chevet.core.ChartTickInfo
import fr.chevet.core.ChevetException
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.Trend
import fr.chevet.core.VitalChartInfo
import fr.chevet.core.WoundExudate
import fr.chevet.core.WoundFollowUpInfo
import fr.chevet.core.WoundInfo
import fr.chevet.core.WoundKind
import fr.chevet.core.WoundPhotoInfo
import fr.chevet.core.WoundPreviewInfo
import fr.chevet.core.WoundTissue
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.After
import org.junit.Assert.assertEquals
import org.junit.Assert.assertFalse
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.awt.Color
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.io.File
import java.time.LocalDateTime
import java.time.ZoneId
import javax.imageio.ImageIO

/** A camera-like JPEG made in memory: skin, a wound bed, its slough rim, offset by [shift] pixels. */
fun woundJpeg(width: Int = 1200, height: Int = 900, shift: Int = 0): ByteArray {
    val image = BufferedImage(width, height, BufferedImage.TYPE_INT_RGB)
    val g = image.createGraphics()
    g.color = Color(224, 172, 140)
    g.fillRect(0, 0, width, height)
    g.color = Color(205, 180, 90)
    g.fillOval(width / 3 + shift, height / 3, width / 3, height / 3)
    g.color = Color(150, 45, 40)
    g.fillOval(width / 3 + 40 + shift, height / 3 + 40, width / 3 - 80, height / 3 - 80)
    g.dispose()
    return ByteArrayOutputStream().also { ImageIO.write(image, "jpg", it) }.toByteArray()
}

/** Wounds over the real core; their goldens; their accessibility. */
@OptIn(ExperimentalTestApi::class)
class WoundsTests {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val zone = ZoneId.of("Europe/Paris")
    private val decoder = PhotoDecoder(::skiaDecode)

    @After
    fun stop() = scope.cancel()

    private fun WoundsPresenter.next(until: (WoundsState) -> Boolean): WoundsState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    private fun WoundsPresenter.assess(length: String, width: String, exudate: WoundExudate, tissue: WoundTissue): WoundsState {
        onEvent(WoundsEvent.StartAssessment)
        onEvent(WoundsEvent.Length(length))
        onEvent(WoundsEvent.Width(width))
        onEvent(WoundsEvent.Exudate(exudate))
        onEvent(WoundsEvent.Tissue(tissue))
        return next { it.assessment?.preview != null || it.error != null }
    }

    @Test
    fun `a leg ulcer is opened, assessed twice, photographed over the previous photo, a bad picture refused`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 0u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val resident = demo.residentIds.first()
            var shot = woundJpeg()
            val p = WoundsPresenter(
                RustWoundService(store, Dispatchers.IO), resident, "MARTIN Jeanne", "101", emptyList(), Clock.System, scope,
                takePicture = { Result.success(shot) },
            )
            assertTrue(p.state.value.kinds.map { it.kind }.containsAll(listOf(WoundKind.LEG_ULCER, WoundKind.SKIN_TEAR, WoundKind.SURGICAL)))
            p.onEvent(WoundsEvent.StartNewWound)
            p.onEvent(WoundsEvent.NewWoundKind(WoundKind.LEG_ULCER))
            p.onEvent(WoundsEvent.NewWoundSite("malléole interne droite"))
            p.onEvent(WoundsEvent.SaveNewWound)
            val opened = p.next { it.followUp != null && it.wounds.isNotEmpty() }
            assertEquals("Ulcère de jambe", opened.followUp!!.wound.kindLabel)

            val first = p.assess("3", "2", WoundExudate.LIGHT, WoundTissue.GRANULATION)
            assertNull(first.error)
            assertEquals("Surface 6\u00a0cm² · PUSH 10/17", first.assessment!!.preview!!.summary)
            p.onEvent(WoundsEvent.SaveAssessment)
            p.next { it.assessment == null && it.followUp?.assessments?.size == 1 }
            p.assess("4,5", "3", WoundExudate.MODERATE, WoundTissue.SLOUGH)
            p.onEvent(WoundsEvent.SaveAssessment)
            val twice = p.next { it.followUp?.assessments?.size == 2 }.followUp!!
            assertEquals(Trend.WORSENING, twice.trend)
            assertEquals(listOf(10.0, 14.0), twice.pushChart.points.map { it.value })
            assertEquals(ChartKind.PUSH, twice.pushChart.kind)

            // The first photo: no ghost; then one framed over it.
            p.onEvent(WoundsEvent.StartCapture)
            assertNull(p.state.value.capture!!.ghost)
            p.onEvent(WoundsEvent.TakePhoto)
            assertEquals("no photo before the consent is stated", 2, p.state.value.followUp!!.assessments.size)
            p.onEvent(WoundsEvent.Consent(true))
            p.onEvent(WoundsEvent.TakePhoto)
            val photographed = p.next { it.followUp?.photos?.size == 1 && it.thumbnails.isNotEmpty() }
            assertNotNull(decoder.decode(photographed.thumbnails.values.first()))
            p.onEvent(WoundsEvent.StartCapture)
            val framing = p.next { it.capture?.ghost != null }
            assertNotNull("the previous photo decrypted for the ghost", decoder.decode(framing.capture!!.ghost!!))
            p.onEvent(WoundsEvent.GhostOpacity(0.7f))
            assertEquals(0.7f, p.state.value.capture!!.ghostOpacity)

            // A picture the core refuses: said, nothing kept, the capture still open.
            shot = "pas une photo".toByteArray()
            p.onEvent(WoundsEvent.Consent(false))
            p.onEvent(WoundsEvent.TakePhoto)
            val refused = p.next { it.error != null }
            assertTrue(refused.error is ChevetException.PhotoRefused)
            assertNotNull(refused.capture)
            assertFalse(refused.capture!!.taking)
            assertEquals(1, store.residents().woundFollowUp(refused.followUp!!.woundId).photos.size)
        }
    }

    @Test
    fun `a care aide cannot record wound care, and is told so`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 0u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val resident = demo.residentIds.first()
            val wound = store.openWound(resident, WoundKind.SKIN_TEAR, "avant-bras gauche", System.currentTimeMillis())
            store.sessions().lock()
            store.sessions().signIn(demo.careAideId, demo.pin)
            val p = WoundsPresenter(RustWoundService(store, Dispatchers.IO), resident, "MARTIN Jeanne", "101", emptyList(), Clock.System, scope)
            p.onEvent(WoundsEvent.Open(wound))
            p.next { it.followUp != null }
            p.assess("1", "1", WoundExudate.NONE, WoundTissue.EPITHELIAL)
            p.onEvent(WoundsEvent.SaveAssessment)
            val refused = p.next { it.error != null }
            assertTrue(refused.error is ChevetException.PermissionDenied)
            assertEquals("Rien n'a été enregistré : votre rôle ne permet pas d'enregistrer les soins de plaie.", errorWords(refused.error!!))
            assertEquals(0, store.residents().woundFollowUp(wound).assessments.size)
        }
    }

    private fun at(d: Int, h: Int = 10) = LocalDateTime.of(2026, 11, d, h, 0).atZone(zone).toInstant().toEpochMilli()

    private val sacrum = WoundInfo("w1", "sacrum", false, WoundKind.PRESSURE_INJURY, "Escarre · stade 3", "06/11/2026")
    private val followUp = WoundFollowUpInfo(
        "w1", "sacrum", sacrum, "en voie de cicatrisation",
        VitalChartInfo(
            ChartKind.PUSH, "PUSH (0 : cicatrisée, 17 : la plus grave)", "", at(6), at(30),
            listOf(6 to 14.0, 13 to 13.0, 20 to 11.0, 27 to 9.0).map { (d, v) -> ChartPointInfo(at(d), v, null, false) },
            emptyList(), 0.0, 17.0, listOf(0.0, 5.0, 10.0, 15.0).map { ChartTickInfo(it, "%.0f".format(it)) },
            listOf(9, 16, 23, 30).map { ChartTickInfo(at(it, 0).toDouble(), "%02d/11".format(it)) },
            "Dernier score : 9/17 — en voie de cicatrisation",
        ),
        listOf(6 to "5 × 4 cm, exsudat modéré, fibrine — PUSH 14", 13 to "4,5 × 4 cm, exsudat modéré, bourgeonnement — PUSH 13", 20 to "4 × 3 cm, exsudat faible, bourgeonnement — PUSH 11", 27 to "3 × 2 cm, exsudat faible, épithélialisation — PUSH 9")
            .map { (d, s) -> AssessmentPointInfo("a$d", at(d), 0.0, 0u, s) },
        Trend.HEALING,
        listOf(6, 13, 20, 27).map { WoundPhotoInfo("p$it", at(it), "sacrum", true) },
        "p27",
    )
    private val thumbnails = listOf(6, 13, 20, 27).mapIndexed { i, d -> "p$d" to woundJpeg(320, 240, shift = -i * 10) }.toMap()
    private val fixture = WoundsState(
        "r", "DURAND Jeanne", "104",
        wounds = listOf(sacrum, WoundInfo("w2", "talon gauche", true, WoundKind.PRESSURE_INJURY, "Escarre · stade 1", "02/10/2026")),
        followUp = followUp, thumbnails = thumbnails, hasCamera = true,
    )

    @Test
    fun `goldens - the follow-up, an assessment scored, a photo framed over the previous one`() {
        val goldens = File("src/test/goldens")
        fun shoot(name: String, size: Tablet, state: WoundsState) =
            assertMatchesGolden(goldens, name, size) { ChevetTheme { WoundsView(state, zone, decoder, onEvent = {}, onBack = {}) } }
        shoot("wounds-follow-up", Tablet.Landscape, fixture)
        shoot("wounds-follow-up-portrait", Tablet.Portrait, fixture)
        shoot(
            "wounds-assessment", Tablet.Landscape,
            fixture.copy(assessment = AssessmentForm("3", "2", "", WoundExudate.LIGHT, WoundTissue.EPITHELIAL, null, "", WoundPreviewInfo(6.0, 8u, "Surface 6\u00a0cm² · PUSH 8/17"))),
        )
        shoot("wounds-capture", Tablet.Landscape, fixture.copy(capture = CaptureForm(ghost = woundJpeg(), ghostOpacity = 0.4f, consentByResident = true)))
    }

    @Test
    fun `every action says what it does and is big enough for a gloved finger`() = runComposeUiTest {
        setContent { ChevetTheme { WoundsView(fixture, zone, decoder, onEvent = {}, onBack = {}) } }
        assertTrue(assertActionsLabelledAndLargeEnough() >= 4)
    }
}
