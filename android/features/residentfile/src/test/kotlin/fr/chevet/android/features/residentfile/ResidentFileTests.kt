package fr.chevet.android.features.residentfile

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performScrollToNode
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.hasScrollAction
import androidx.compose.ui.test.runComposeUiTest
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.unit.dp
import fr.chevet.android.chevet.RustCareRecordService
import fr.chevet.android.chevetui.TrendChart
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.AlertInfo
import fr.chevet.core.AlertLevel
import fr.chevet.core.ChartKind
import fr.chevet.core.ChartLineInfo
import fr.chevet.core.ChartPointInfo
import fr.chevet.core.ChartTickInfo
import fr.chevet.core.ChevetStore
import fr.chevet.core.IdentityInfo
import fr.chevet.core.IdentityStatus
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.LineKind
import fr.chevet.core.ResidentFileInfo
import fr.chevet.core.ResidentSummaryInfo
import fr.chevet.core.TimelineItemInfo
import fr.chevet.core.VitalChartInfo
import fr.chevet.core.VitalKind
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
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.io.File
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.ZoneId

/** The resident's file over the real core; its goldens; its accessibility. */
@OptIn(ExperimentalTestApi::class)
class ResidentFileTests {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val zone = ZoneId.of("Europe/Paris")

    @After
    fun stop() = scope.cancel()

    private fun ResidentFilePresenter.next(until: (ResidentFileState) -> Boolean): ResidentFileState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    @Test
    fun `the file opens with its charts and pages through the timeline without a line twice`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 4u, 30u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val resident = demo.residentIds.first()
            val now = System.currentTimeMillis()
            store.records().recordVital(resident, VitalKind.TEMPERATURE, 38.4, now - 60_000)
            val typo = store.records().recordVital(resident, VitalKind.WEIGHT, 12.0, now - 30_000)
            store.records().correctRecord(typo, "erreur de saisie")

            val p = ResidentFilePresenter(RustCareRecordService(store, Dispatchers.IO), resident, scope, pageSize = 50)
            p.onEvent(ResidentFileEvent.Load)
            val opened = p.next { !it.loading }
            assertNull(opened.error)
            val file = opened.file!!
            assertEquals(resident, file.summary.residentId)
            assertEquals(listOf(ChartKind.WEIGHT, ChartKind.TEMPERATURE, ChartKind.HEART_RATE, ChartKind.OXYGEN_SATURATION, ChartKind.BLOOD_PRESSURE), file.charts.map { it.kind })
            val temperature = file.charts[1]
            assertEquals(38.4, temperature.points.last().value, 0.0)
            assertEquals("Dernière valeur : 38,4\u00a0°C", temperature.caption)
            assertFalse("a weighing entered in error is not charted", file.charts[0].points.any { it.value == 12.0 })
            // The INS only for a qualified identity (RNIV).
            assertEquals(file.identity.status == IdentityStatus.QUALIFIED, file.identity.ins != null)
            assertEquals(50, opened.timeline.size)
            assertFalse(opened.timelineEnd)

            p.onEvent(ResidentFileEvent.MoreTimeline)
            val more = p.next { !it.loadingMore && it.timeline.size > 50 }
            assertEquals(more.timeline.size, more.timeline.map { it.recordId }.toSet().size)
            assertEquals(more.timeline.sortedByDescending { it.atMs }.map { it.atMs }, more.timeline.map { it.atMs })
        }
    }

    @Test
    fun `a resident this tablet does not hold is said, not shown`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 1u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val p = ResidentFilePresenter(RustCareRecordService(store, Dispatchers.IO), "0190e0a0-0000-7000-8000-000000000000", scope)
            p.onEvent(ResidentFileEvent.Load)
            val s = p.next { !it.loading }
            assertTrue(s.error != null && s.file == null)
        }
    }

    // A fixture drawn as the core would compute it, at a fixed time, so goldens do not move.
    private val now = LocalDateTime.of(2026, 12, 3, 19, 0).atZone(zone).toInstant().toEpochMilli()
    private val day = 86_400_000L

    private fun midnight(d: LocalDate) = d.atStartOfDay(zone).toInstant().toEpochMilli().toDouble()

    private fun yTicks(from: Double, to: Double, step: Double) =
        generateSequence(from) { it + step }.takeWhile { it <= to + 1e-9 }
            .map { ChartTickInfo(it, if (it % 1.0 == 0.0) "%.0f".format(it) else "%.1f".format(it).replace('.', ',')) }.toList()

    private fun everyOtherDay(): List<ChartTickInfo> {
        val last = LocalDate.of(2026, 12, 3)
        return (12 downTo 0 step 2).map { last.minusDays(it.toLong()) }.map { ChartTickInfo(midnight(it), "%02d/%02d".format(it.dayOfMonth, it.monthValue)) }
    }

    private fun chart(kind: ChartKind, title: String, unit: String, days: Int, points: List<ChartPointInfo>, lines: List<ChartLineInfo>, y: List<ChartTickInfo>, x: List<ChartTickInfo>, caption: String) =
        VitalChartInfo(kind, title, unit, now - days * day, now, points, lines, y.first().at, y.last().at, y, x, caption)

    private val weight = chart(
        ChartKind.WEIGHT, "Poids sur 6 mois", "kg", 183,
        listOf(180, 150, 120, 90, 60, 30, 7).zip(listOf(61.0, 60.4, 59.8, 58.9, 57.6, 56.1, 55.2)).map { (d, kg) -> ChartPointInfo(now - d * day, kg, null, false) },
        listOf(
            ChartLineInfo(56.3, LineKind.UNDERNUTRITION, "IMC 22 : dénutrition (56,3 kg)"),
            ChartLineInfo(51.2, LineKind.SEVERE_UNDERNUTRITION, "IMC 20 : dénutrition sévère (51,2 kg)"),
            ChartLineInfo(54.9, LineKind.UNDERNUTRITION, "−10 % en 6 mois : dénutrition (54,9 kg)"),
        ),
        yTicks(50.0, 62.0, 2.0),
        listOf(7, 8, 9, 10, 11, 12).zip(listOf("juil.", "août", "sept.", "oct.", "nov.", "déc.")).map { (m, l) -> ChartTickInfo(midnight(LocalDate.of(2026, m, 1)), "1 $l") },
        "Dernière valeur : 55,2\u00a0kg",
    )

    private fun daily(values: List<Double>, low: Double, high: Double, hour: Int = 8) =
        values.mapIndexed { i, v -> ChartPointInfo(now - (values.size - i) * day + (hour - 19) * 3_600_000L + day, v, null, v < low || v > high) }

    private val temperature = chart(
        ChartKind.TEMPERATURE, "Température sur 14 jours", "°C", 14,
        daily(listOf(36.8, 36.9, 37.0, 36.7, 36.8, 37.1, 37.4, 37.9, 38.4, 38.6), 35.5, 38.0),
        listOf(ChartLineInfo(35.5, LineKind.ALERT, "Seuil d'alerte 35,5\u00a0°C"), ChartLineInfo(38.0, LineKind.ALERT, "Seuil d'alerte 38\u00a0°C")),
        yTicks(35.0, 39.0, 1.0), everyOtherDay(), "Dernière valeur : 38,6\u00a0°C",
    )
    private val pulse = chart(
        ChartKind.HEART_RATE, "Pouls sur 14 jours", "/min", 14,
        daily(listOf(72.0, 76.0, 70.0, 74.0, 78.0, 82.0, 88.0, 96.0, 102.0, 98.0), 50.0, 120.0),
        listOf(ChartLineInfo(50.0, LineKind.ALERT, "Seuil d'alerte 50\u00a0/min"), ChartLineInfo(120.0, LineKind.ALERT, "Seuil d'alerte 120\u00a0/min")),
        yTicks(40.0, 140.0, 20.0), everyOtherDay(), "Dernière valeur : 98\u00a0/min",
    )
    private val spo2 = chart(
        ChartKind.OXYGEN_SATURATION, "SpO2 sur 14 jours", "%", 14, emptyList(),
        listOf(ChartLineInfo(92.0, LineKind.ALERT, "Seuil d'alerte 92%")),
        yTicks(85.0, 100.0, 5.0), everyOtherDay(), "Aucune mesure depuis 14 jours",
    )
    private val bp = chart(
        ChartKind.BLOOD_PRESSURE, "Tension artérielle sur 14 jours", "mmHg", 14,
        listOf(9, 6, 3, 1).zip(listOf(138.0 to 78.0, 142.0 to 80.0, 129.0 to 74.0, 118.0 to 70.0)).map { (d, v) -> ChartPointInfo(now - d * day, v.first, v.second, false) },
        listOf(ChartLineInfo(90.0, LineKind.ALERT, "Seuil d'alerte 90\u00a0mmHg"), ChartLineInfo(180.0, LineKind.ALERT, "Seuil d'alerte 180\u00a0mmHg")),
        yTicks(50.0, 200.0, 50.0), everyOtherDay(), "Dernière valeur : 118/70\u00a0mmHg",
    )

    private val identity = IdentityInfo(
        status = IdentityStatus.QUALIFIED, statusLabel = "Identité qualifiée",
        birthName = "MARTIN", birthGivenNames = "Jeanne Marie Louise", usedName = "DURAND", usedGivenName = null,
        sexLabel = "Féminin", birthDate = "02/04/1938", ageYears = 88u, birthPlace = "75056",
        ins = "INS-NIR 2 38 04 75 056 012 34", traitsReadOnly = true,
    )

    private fun line(hoursAgo: Double, text: String, error: Boolean = false) =
        TimelineItemInfo("r$hoursAgo", "observation", now - (hoursAgo * 3_600_000).toLong(), "s", text, error, false)

    private val fixture = ResidentFileState(
        loading = false,
        file = ResidentFileInfo(
            summary = ResidentSummaryInfo("a", "u", "DURAND Jeanne", "104", "QUAL"),
            identity = identity,
            birthDate = "1938-04-02",
            allergies = listOf("Pénicilline", "Iode"),
            advanceDirectives = "Pas d'acharnement ; souhaite rester à l'EHPAD (rédigées le 12/03/2025)",
            trustedPerson = "Paul DURAND (fils) 06 12 34 56 78",
            carePlan = emptyList(),
            wounds = emptyList(),
            latestVitals = listOf("Température : 38,6 °C", "Pouls : 98 /min", "Tension artérielle : 118/70 mmHg", "Poids : 55,2 kg"),
            alerts = listOf(
                AlertInfo(AlertLevel.WATCH, "À surveiller", "Température 38,6 °C (au-dessus de 38)", "Recontrôler dans 1 h, prévenir l'IDE si cela persiste"),
                AlertInfo(AlertLevel.WATCH, "À surveiller", "Dénutrition modérée à confirmer : perte de 9,5 % en 6 mois", "Prévenir l'IDE"),
            ),
            charts = listOf(weight, temperature, pulse, spo2, bp),
            timeline = emptyList(),
        ),
        timeline = listOf(
            line(1.0, "Température : 38,6 °C"),
            line(2.5, "Transmission — Douleur : se plaint du genou droit"),
            line(3.0, "Paracétamol 1 g : donné"),
            line(5.0, "Poids : 45,2 kg", error = true),
            line(11.0, "Toilette au lit : fait"),
        ),
    )

    @Test
    fun `goldens - the file in landscape and portrait, a provisional identity, opening`() {
        val goldens = File("src/test/goldens")
        fun shoot(name: String, size: Tablet, state: ResidentFileState) =
            assertMatchesGolden(goldens, name, size) { ChevetTheme { ResidentFileView(state, zone, onEvent = {}, onBack = {}) } }
        shoot("residentfile-landscape", Tablet.Landscape, fixture)
        // The charts below the fold, as the file draws them two by two.
        assertMatchesGolden(goldens, "residentfile-charts", Tablet.Landscape) {
            ChevetTheme {
                Column(Modifier.fillMaxSize().background(Color.White).padding(16.dp), verticalArrangement = Arrangement.spacedBy(16.dp)) {
                    Row(horizontalArrangement = Arrangement.spacedBy(24.dp)) {
                        TrendChart(temperature, Modifier.weight(1f))
                        TrendChart(pulse, Modifier.weight(1f))
                    }
                    Row(horizontalArrangement = Arrangement.spacedBy(24.dp)) {
                        TrendChart(spo2, Modifier.weight(1f))
                        TrendChart(bp, Modifier.weight(1f))
                    }
                }
            }
        }
        shoot("residentfile-portrait", Tablet.Portrait, fixture)
        val provisional = identity.copy(status = IdentityStatus.PROVISIONAL, statusLabel = "Identité provisoire", ins = null, traitsReadOnly = false, usedName = null)
        val f = fixture.file!!
        shoot(
            "residentfile-provisional", Tablet.Landscape,
            fixture.copy(file = f.copy(identity = provisional, allergies = emptyList(), advanceDirectives = null, trustedPerson = null, alerts = emptyList())),
        )
    }

    @Test
    fun `the INS of an identity not qualified is not shown, and the charts read as sentences`() = runComposeUiTest {
        val provisional = identity.copy(status = IdentityStatus.PROVISIONAL, statusLabel = "Identité provisoire", ins = null, traitsReadOnly = false)
        setContent { ChevetTheme { ResidentFileView(fixture.copy(file = fixture.file!!.copy(identity = provisional)), zone, onEvent = {}, onBack = {}) } }
        onNodeWithText("non affiché : identité non qualifiée").assertExists()
        onNodeWithText("INS-NIR", substring = true).assertDoesNotExist()
        onNode(hasScrollAction()).performScrollToNode(hasText("Courbes"))
        onNodeWithContentDescription("Poids sur 6 mois. Dernière valeur : 55,2\u00a0kg.", substring = true).assertExists()
        onNode(hasScrollAction()).performScrollToNode(hasText("Température sur 14 jours"))
        onNodeWithContentDescription("2 au-delà d'un seuil d'alerte", substring = true).assertExists()
    }

    @Test
    fun `every action says what it does and is big enough for a gloved finger`() = runComposeUiTest {
        setContent { ChevetTheme { ResidentFileView(fixture, zone, onEvent = {}, onBack = {}) } }
        assertEquals(1, assertActionsLabelledAndLargeEnough())
    }
}
