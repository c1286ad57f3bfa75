package fr.chevet.android.features.route

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustRouteService
import fr.chevet.android.chevet.TagReader
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.ChevetException
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.ResidentSummaryInfo
import fr.chevet.core.RouteLineInfo
import fr.chevet.core.RouteStopEntry
import fr.chevet.core.RouteInfo
import fr.chevet.core.RouteStopInfo
import fr.chevet.core.StampBy
import fr.chevet.core.VisitMoment
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
import java.io.File
import java.time.LocalDate
import java.time.LocalDateTime
import java.time.ZoneId

/** The home-care route over the real core (no hub: the route is offline); goldens; accessibility. */
@OptIn(ExperimentalTestApi::class)
class RouteTests {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val zone = ZoneId.of("Europe/Paris")

    @After
    fun stop() = scope.cancel()

    private fun RoutePresenter.next(until: (RouteState) -> Boolean): RouteState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    /** The NFC reader as the presenter drives it: on while a tag is awaited, the tag held to it. */
    private class Reader : TagReader {
        var listening: ((String) -> Unit)? = null
        override fun read(onUid: (String) -> Unit): AutoCloseable {
            listening = onUid
            return AutoCloseable { listening = null }
        }
        fun hold(uid: String) = listening!!.invoke(uid)
    }

    @Test
    fun `a day's route - the home's tag registered, an arrival by tag, another home's tag refused, a departure by hand`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 3u, 0u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val unit = demo.unitIds.first()
            val (a, b) = demo.residentIds.take(2)
            val today = LocalDate.now(zone).toString()
            store.homeCare().planRoute(unit, today, demo.nurseId, "Tournée du matin – secteur Nord", listOf(RouteStopEntry(a, "08:30"), RouteStopEntry(b, "09:15")))
            val reader = Reader()
            var scanned: ((String) -> Unit)? = null
            val p = RoutePresenter(RustRouteService(store, Dispatchers.IO), unit, zone, Clock.System, scope, scanQr = { scanned = it }, nfc = reader)
            p.onEvent(RouteEvent.Load)
            val loaded = p.next { it.route != null }
            assertEquals(listOf(a, b), loaded.route!!.stops.map { it.resident.residentId })
            assertTrue(loaded.route!!.stops.all { it.tags.isEmpty() })

            // The nurse registers A's NFC tag and B's QR sticker.
            p.onEvent(RouteEvent.Register(a, StampBy.NFC))
            assertNotNull("reader on while awaited", reader.listening)
            reader.hold("04:A2:2B:1A:6C:5D:80")
            assertNull("reader off once read", reader.listening)
            p.next { s -> s.route!!.stops.first { it.resident.residentId == a }.tags == listOf(StampBy.NFC) }
            p.onEvent(RouteEvent.Register(b, StampBy.QR_CODE))
            scanned!!.invoke("CHEVET-DOMICILE-91c0")
            p.next { s -> s.route!!.stops.first { it.resident.residentId == b }.tags == listOf(StampBy.QR_CODE) }

            // At A's door: the arrival by A's tag.
            p.onEvent(RouteEvent.Stamp(a, VisitMoment.START, StampBy.NFC))
            reader.hold("04a22b1a6c5d80")
            val arrived = p.next { s -> s.route!!.stops.first { it.resident.residentId == a }.startedAtMs != null }
            assertTrue(arrived.notice!!.startsWith("Arrivée chez"))
            // B's sticker read for A's departure: refused, nothing kept.
            p.onEvent(RouteEvent.Stamp(a, VisitMoment.STOP, StampBy.QR_CODE))
            scanned!!.invoke("CHEVET-DOMICILE-91c0")
            val refused = p.next { it.error != null }
            assertTrue((refused.error as ChevetException.WrongHomeTag).registered)
            assertTrue(errorWords(refused.error!!).startsWith("Ce badge n'est pas celui de ce domicile"))
            assertNull(refused.route!!.stops.first { it.resident.residentId == a }.endedAtMs)
            // The departure by hand.
            p.onEvent(RouteEvent.DismissError)
            p.onEvent(RouteEvent.Stamp(a, VisitMoment.STOP, StampBy.MANUAL))
            val left = p.next { s -> s.route!!.stops.first { it.resident.residentId == a }.endedAtMs != null }
            assertNull(left.error)
            // Cancelling a wait turns the reader off and keeps nothing.
            p.onEvent(RouteEvent.Stamp(b, VisitMoment.START, StampBy.NFC))
            p.onEvent(RouteEvent.CancelWait)
            assertNull(reader.listening)
            assertNull(p.state.value.waiting)
        }
    }

    @Test
    fun `a care aide stamps but cannot register a home's tag, and is told so`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 0u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val unit = demo.unitIds.first()
            val a = demo.residentIds.first()
            store.homeCare().planRoute(unit, LocalDate.now(zone).toString(), demo.careAideId, "Tournée AS", listOf(RouteStopEntry(a, null)))
            store.sessions().lock()
            store.sessions().signIn(demo.careAideId, demo.pin)
            val reader = Reader()
            val p = RoutePresenter(RustRouteService(store, Dispatchers.IO), unit, zone, Clock.System, scope, nfc = reader)
            p.onEvent(RouteEvent.Load)
            p.next { it.route != null }
            p.onEvent(RouteEvent.Register(a, StampBy.NFC))
            reader.hold("04A22B1A")
            val refused = p.next { it.error != null }
            assertTrue(refused.error is ChevetException.PermissionDenied)
            p.onEvent(RouteEvent.Stamp(a, VisitMoment.START, StampBy.NFC))
            reader.hold("04A22B1A")
            assertFalse((p.next { it.error is ChevetException.WrongHomeTag }.error as ChevetException.WrongHomeTag).registered)
        }
    }

    private fun at(h: Int, m: Int) = LocalDateTime.of(2026, 12, 3, h, m).atZone(zone).toInstant().toEpochMilli()
    private fun resident(id: String, name: String, address: String) = ResidentSummaryInfo(id, "u", name, address, "VALI")

    private val fixture = RouteState(
        loading = false, day = "2026-12-03", canReadNfc = true, canScanQr = true,
        routes = listOf(RouteLineInfo("r1", "Tournée du matin – secteur Nord", "s", 4u)),
        route = RouteInfo(
            "r1", "Tournée du matin – secteur Nord",
            listOf(
                RouteStopInfo(resident("a", "DUPONT Marcel", "12 rue des Lilas, Vannes"), "08:00", at(8, 4), at(8, 41), listOf(StampBy.NFC)),
                RouteStopInfo(resident("b", "LE GALL Anne", "3 impasse du Port, Séné"), "08:50", at(8, 58), null, listOf(StampBy.NFC, StampBy.QR_CODE)),
                RouteStopInfo(resident("c", "MORVAN Yves", "Lieu-dit Kerlann, Theix"), "09:40", null, null, listOf(StampBy.QR_CODE)),
                RouteStopInfo(resident("d", "TANGUY Rose", "8 place Nazado, Arradon"), "10:30", null, null, emptyList()),
            ),
            0u,
        ),
        notice = "Arrivée chez LE GALL Anne enregistré(e) (badge NFC)",
    )

    @Test
    fun `goldens - the route under way, a tag awaited, another home's tag refused`() {
        val goldens = File("src/test/goldens")
        fun shoot(name: String, size: Tablet, state: RouteState) =
            assertMatchesGolden(goldens, name, size) { ChevetTheme { RouteView(state, zone, onEvent = {}, onBack = {}) } }
        shoot("route-landscape", Tablet.Landscape, fixture)
        shoot("route-portrait-waiting", Tablet.Portrait, fixture.copy(notice = null, waiting = TagWait.Stamp("b", VisitMoment.STOP, StampBy.NFC)))
        shoot("route-wrong-tag", Tablet.Landscape, fixture.copy(notice = null, error = ChevetException.WrongHomeTag(true)))
    }

    @Test
    fun `every action says what it does and is big enough for a gloved finger`() = runComposeUiTest {
        setContent { ChevetTheme { RouteView(fixture, zone, onEvent = {}, onBack = {}) } }
        assertTrue(assertActionsLabelledAndLargeEnough() >= 6)
    }
}
