package fr.chevet.core

import fr.chevet.android.testing.NativeMemory
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.awt.Color
import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.io.File
import java.nio.file.Path
import java.util.UUID
import java.util.concurrent.ConcurrentLinkedQueue
import javax.imageio.ImageIO

/** A camera-like JPEG: skin tone with a darker wound in the middle. */
fun cameraJpeg(width: Int, height: Int): ByteArray {
    val img = BufferedImage(width, height, BufferedImage.TYPE_INT_RGB)
    val g = img.createGraphics()
    g.color = Color(224, 172, 140)
    g.fillRect(0, 0, width, height)
    g.color = Color(150, 45, 40)
    g.fillOval(width / 3, height / 3, width / 3, height / 4)
    g.dispose()
    return ByteArrayOutputStream().also { ImageIO.write(img, "jpg", it) }.toByteArray()
}

/** Whether `needle` occurs in this array. */
fun ByteArray.contains(needle: ByteArray): Boolean =
    (0..size - needle.size).any { i -> needle.indices.all { j -> this[i + j] == needle[j] } }

class ChevetStoreTest {
    @TempDir
    lateinit var dir: Path

    private val now = System.currentTimeMillis()

    private fun demoStore(vault: KeyVault = InMemoryKeyVault()): Pair<ChevetStore, DemoInfo> {
        val store = ChevetStore.open(dir.resolve("chevet.db").toString(), vault)
        val demo = store.seedDemo(1u, 6u, 2u)
        store.sessions().signIn(demo.nurseId, demo.pin)
        return store to demo
    }

    @Test
    fun `a nurse signs in, records vitals and sees the alert on the round`() {
        val (store, demo) = demoStore()
        store.use {
            val unit = demo.unitIds.first()
            val resident = demo.residentIds.first()
            val round = store.rounds().roundView(unit, now - 3_600_000, now + 3_600_000)
            assertEquals(6, round.residents.size)
            store.records().recordVital(resident, VitalKind.TEMPERATURE, 38.9, now)
            store.records().recordBloodPressure(resident, 142.0, 81.0, now)
            val alerts = store.unitAlerts(unit).first { it.residentId == resident }.alerts
            assertTrue(alerts.any { it.why == "Température 38,9 °C (au-dessus de 38)" }, alerts.toString())
            assertTrue(store.exportFhir(resident).contains("\"resourceType\": \"Bundle\""))
        }
    }

    @Test
    fun `round statuses and alert levels arrive as enums with their French words`() {
        val (store, demo) = demoStore()
        store.use {
            val unit = demo.unitIds.first()
            // An act planned 90 minutes ago is late whatever the hour the test runs at (the demo's
            // own plans may not have started yet just after midnight).
            val due = java.time.Instant.ofEpochMilli(now - 90 * 60_000).atZone(java.time.ZoneId.of("Europe/Paris"))
            store.carePlan().planAct(
                PlannedActEntry(
                    demo.residentIds.first(), CareActKind.MOBILISATION, "Lever au fauteuil",
                    listOf("%02d:%02d".format(due.hour, due.minute)), Repeat.Daily, due.toLocalDate().toString(), null,
                ),
            )
            val view = { store.rounds().roundView(unit, now - 6 * 3_600_000, now + 3_600_000) }
            val resident = view().residents.first { it.residentId == demo.residentIds.first() }
            val item = resident.items.first { it.label == "Lever au fauteuil" }
            assertEquals(RoundStatus.LATE, item.status, item.toString())
            store.records().recordAct(resident.residentId, item.plannedActId, item.dueAtMs, ActResult.NOT_DONE_ASLEEP, null, now)
            val after = view().residents.first { it.residentId == resident.residentId }.items
                .first { it.plannedActId == item.plannedActId && it.dueAtMs == item.dueAtMs }
            assertEquals(RoundStatus.NOT_DONE, after.status)
            assertEquals("non fait", after.statusLabel)
            store.records().recordVital(resident.residentId, VitalKind.TEMPERATURE, 39.6, now)
            val alerts = store.unitAlerts(unit).first { it.residentId == resident.residentId }.alerts
            // A fever is to watch; a reduced level of consciousness is to act on now.
            assertEquals(AlertLevel.WATCH, alerts.single { it.why.startsWith("Température") }.level)
            store.records().recordConsciousness(resident.residentId, ConsciousnessLevel.VOICE, now)
            val now2 = store.unitAlerts(unit).first { it.residentId == resident.residentId }.alerts
            assertEquals(AlertLevel.ACT, now2.single { it.why.startsWith("Conscience") }.level)
        }
    }

    @Test
    fun `each error arrives as its own Kotlin exception and changes nothing`() {
        val (store, demo) = demoStore()
        val resident = demo.residentIds.first()
        assertThrows<ChevetException.ImplausibleValue> { store.records().recordVital(resident, VitalKind.TEMPERATURE, 375.0, now) }
        assertThrows<ChevetException.InvalidInput> { store.records().recordVital("not-a-uuid", VitalKind.PAIN, 2.0, now) }
        assertThrows<ChevetException.NotFound> { store.records().recordVital(UUID.randomUUID().toString(), VitalKind.PAIN, 2.0, now) }
        assertThrows<ChevetException.PhotoRefused> {
            store.ingestPhoto(PhotoCaptureInfo(resident, UUID.randomUUID().toString(), null, "sacrum", true, false, now), byteArrayOf(1, 2, 3))
        }
        val wrong = assertThrows<ChevetException.WrongPin> { store.sessions().signIn(demo.nurseId, "0000") }
        assertEquals(4u, wrong.attemptsLeft)
        store.sessions().lock()
        assertThrows<ChevetException.NoSession> { store.records().recordVital(resident, VitalKind.PAIN, 2.0, now) }
        runBlocking { assertThrows<ChevetException.NotEnrolled> { store.hub().sync(null, SyncCancel()) } }
        store.closeStore()
        assertThrows<ChevetException.Closed> { store.deviceId() }
        store.close()
    }

    @Test
    fun `a home-care route with stamped visits, the dependence scales and a transfer sheet for the hospital`() {
        val (store, demo) = demoStore()
        store.use {
            val unit = demo.unitIds.first()
            val (first, second, third) = demo.residentIds.take(3)
            // Yesterday's route, stamped at its local times: the stamps fall in the
            // route's day whatever time the test runs (a route is a day in Paris).
            val paris = java.time.ZoneId.of("Europe/Paris")
            val day = java.time.LocalDate.now(paris).minusDays(1)
            val at = { hh: Int, mm: Int -> day.atTime(hh, mm).atZone(paris).toInstant().toEpochMilli() }
            val round = store.homeCare().planRoute(
                unit, day.toString(), demo.nurseId, "Tournée du matin",
                listOf(RouteStopEntry(first, "08:00"), RouteStopEntry(second, "08:40"), RouteStopEntry(third, null)),
            )
            assertEquals(listOf(3u), store.homeCare().routes(unit, day.toString()).map { it.stops })
            // The sticker at the door, registered by the nurse: a visit by QR code must read it.
            store.homeCare().registerHomeTag(first, StampBy.QR_CODE, "chevet:porte:101")
            store.homeCare().stampVisit(first, round, VisitMoment.START, StampBy.QR_CODE, "chevet:porte:101", at(8, 2))
            store.homeCare().stampVisit(first, round, VisitMoment.STOP, StampBy.QR_CODE, "chevet:porte:101", at(8, 31))
            store.homeCare().stampVisit(second, round, VisitMoment.START, StampBy.MANUAL, null, at(8, 45))
            val route = store.homeCare().route(round)
            assertEquals(listOf(first, second, third), route.stops.map { it.resident.residentId })
            assertEquals(listOf("08:00", "08:40", null), route.stops.map { it.plannedAt })
            assertEquals(at(8, 2), route.stops[0].startedAtMs)
            assertEquals(at(8, 31), route.stops[0].endedAtMs)
            assertTrue(route.stops[1].startedAtMs == at(8, 45) && route.stops[1].endedAtMs == null)
            assertThrows<ChevetException.InvalidInput> { store.homeCare().planRoute(unit, "23/11/2026", demo.nurseId, "x", emptyList()) }
            assertThrows<ChevetException.InvalidInput> {
                store.homeCare().planRoute(unit, day.toString(), demo.nurseId, "x", listOf(RouteStopEntry(first, "8h")))
            }

            val u = { v: Int -> v.toUByte() }
            val mna = store.records().recordScale(first, ScaleEntry.MnaSf(u(1), u(1), u(1), u(2), u(1), u(1), null), now)
            assertTrue(mna.summary.startsWith("MNA-SF"), mna.summary)
            val gir = store.records().recordScale(first, ScaleEntry.Aggir(List(10) { "C" }), now)
            assertTrue(gir.summary.contains("GIR 1") && gir.positive, gir.summary)
            assertThrows<ChevetException.InvalidInput> { store.records().recordScale(first, ScaleEntry.Aggir(List(9) { "A" }), now) }
            assertThrows<ChevetException.InvalidInput> { store.records().recordScale(first, ScaleEntry.Aggir(List(10) { "D" }), now) }

            // The vitals the sheet carries, then the sheet, then the CDA the hospital reads.
            store.records().recordVital(second, VitalKind.HEART_RATE, 96.0, now - 300_000)
            store.records().recordVital(second, VitalKind.TEMPERATURE, 38.6, now - 300_000)
            store.records().recordBloodPressure(second, 100.0, 60.0, now - 300_000)
            store.records().recordVital(second, VitalKind.WEIGHT, 61.5, now - 300_000)
            val sheet = TransferEntry(
                second, "Chute avec douleur de hanche", "Urgences CH de Bourg", ConsciousnessAtDeparture.AWAKE_AND_ALERT,
                true, u(6), now - 4 * 3_600_000, listOf(PersonalItemInfo.Glasses, PersonalItemInfo.Other("Canne")), null,
            )
            val transfer = store.transfers().recordEmergencyTransfer(sheet, now)
            val cda = store.transfers().exportDlu(transfer)
            assertTrue(cda.contains("1.2.250.1.213.1.1.1.23") && cda.contains("Chute avec douleur de hanche"), cda.take(400))
            assertThrows<ChevetException.InvalidInput> { store.transfers().recordEmergencyTransfer(sheet.copy(painScore = u(11)), now) }
            assertThrows<ChevetException.InvalidInput> { store.transfers().recordEmergencyTransfer(sheet.copy(lastMealAtMs = now + 60_000), now) }
        }
    }

    @Test
    fun `a nurse plans an act that appears on the round, stops it, and closes a healed wound`() {
        val (store, demo) = demoStore()
        store.use {
            val unit = demo.unitIds.first()
            val resident = demo.residentIds.first()
            val paris = java.time.ZoneId.of("Europe/Paris")
            val today = java.time.LocalDate.now(paris).toString()
            // Due in half an hour: tomorrow's occurrence when that is past midnight,
            // still inside the round's window.
            val soon = java.time.LocalTime.now(paris).plusMinutes(30)
            val at = "%02d:%02d".format(soon.hour, soon.minute)
            val entry = PlannedActEntry(resident, CareActKind.MOBILISATION, "Changement de position", listOf(at), Repeat.Daily, today, null)
            val act = store.carePlan().planAct(entry)
            val round = { store.rounds().roundView(unit, now - 6 * 3_600_000, now + 6 * 3_600_000) }
            assertTrue(round().residents.first { it.residentId == resident }.items.any { it.plannedActId == act })
            store.carePlan().stopPlannedAct(resident, act)
            assertFalse(round().residents.first { it.residentId == resident }.items.any { it.plannedActId == act })
            assertThrows<ChevetException.InvalidInput> { store.carePlan().planAct(entry.copy(times = listOf("25:00"))) }
            assertThrows<ChevetException.InvalidInput> { store.carePlan().planAct(entry.copy(repeat = Repeat.Weekdays(byteArrayOf(8)))) }

            val wound = store.openWound(resident, WoundKind.PRESSURE_INJURY, "talon gauche", now - 20L * 86_400_000)
            assertThrows<ChevetException.InvalidInput> { store.carePlan().closeWound(resident, wound, "2000-01-01") }
            store.carePlan().closeWound(resident, wound, today)
            assertTrue(store.residents().residentFile(resident).wounds.single { it.woundId == wound }.healed)

            // A care aide does not change the care plan.
            store.sessions().signIn(demo.careAideId, demo.pin)
            assertThrows<ChevetException.PermissionDenied> { store.carePlan().planAct(entry) }
        }
    }

    /** A PNG whose header declares 30,000 × 30,000 pixels (a decompression bomb's opening). */
    private fun pngDeclaring(width: Int, height: Int): ByteArray {
        val ihdr = java.nio.ByteBuffer.allocate(25).putInt(13).put("IHDR".toByteArray())
            .putInt(width).putInt(height).put(byteArrayOf(8, 2, 0, 0, 0)).putInt(0).array()
        return byteArrayOf(0x89.toByte(), 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A) + ihdr + ByteArray(64)
    }

    /** A JPEG whose frame header declares 65,535 × 65,535 pixels. */
    private fun jpegDeclaring65535(): ByteArray {
        val sof = byteArrayOf(
            0xFF.toByte(), 0xC0.toByte(), 0x00, 0x11, 0x08, 0xFF.toByte(), 0xFF.toByte(), 0xFF.toByte(), 0xFF.toByte(), 0x03,
            0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01,
        )
        return byteArrayOf(0xFF.toByte(), 0xD8.toByte()) + sof + byteArrayOf(0xFF.toByte(), 0xD9.toByte())
    }

    @Test
    fun `every entry point answers bad input with an exception, never a crash, and writes nothing`() {
        val (store, demo) = demoStore()
        val resident = demo.residentIds.first()
        val unit = demo.unitIds.first()
        val unknown = UUID.randomUUID().toString()
        val bad = "pas-un-uuid"
        val wound = store.openWound(resident, WoundKind.PRESSURE_INJURY, "talon droit", now)
        val camera = cameraJpeg(800, 600)
        val b = { v: Int -> v.toUByte() }
        val calls: List<Pair<String, () -> Any?>> = listOf(
            "round of an unknown unit" to { store.rounds().roundView(unknown, now, now + 1) },
            "round of a malformed unit id" to { store.rounds().roundView(bad, now, now + 1) },
            "round at times out of range" to { store.rounds().roundView(unit, Long.MAX_VALUE, Long.MIN_VALUE) },
            "alerts of an unknown unit" to { store.unitAlerts(unknown) },
            "temperature NaN" to { store.records().recordVital(resident, VitalKind.TEMPERATURE, Double.NaN, now) },
            "heart rate infinite" to { store.records().recordVital(resident, VitalKind.HEART_RATE, Double.POSITIVE_INFINITY, now) },
            "weight of 900 kg" to { store.records().recordVital(resident, VitalKind.WEIGHT, 900.0, now) },
            "blood pressure 40/300" to { store.records().recordBloodPressure(resident, 40.0, 300.0, now) },
            "vital of an unknown resident" to { store.records().recordVital(unknown, VitalKind.PAIN, 2.0, now) },
            "consciousness of a malformed resident id" to { store.records().recordConsciousness(bad, ConsciousnessLevel.ALERT, now) },
            "act answering an unknown planned act" to { store.records().recordAct(resident, unknown, now, ActResult.DONE, null, now) },
            "act at a time out of range" to { store.records().recordAct(resident, null, null, ActResult.DONE, null, Long.MAX_VALUE) },
            "administration of an unknown line" to {
                store.records().recordAdministration(resident, unknown, now, AdministrationResult.GIVEN, "3400930000000", now)
            },
            "transmission without a target" to {
                store.records().recordTransmission(TransmissionEntry(resident, " ", "d", "a", "r", emptyList()), now)
            },
            "Braden item out of range" to { store.records().recordScale(resident, ScaleEntry.Braden(b(9), b(2), b(2), b(2), b(2), b(2)), now) },
            "Algoplus with three items" to { store.records().recordScale(resident, ScaleEntry.Algoplus(listOf(true, false, true)), now) },
            "Doloplus item at 7" to { store.records().recordScale(resident, ScaleEntry.Doloplus(ByteArray(10) { if (it == 4) 7 else 1 }), now) },
            "wound of negative length" to {
                store.records().recordWoundAssessment(
                    WoundAssessmentEntry(resident, wound, -3.0, 2.0, null, WoundExudate.NONE, WoundTissue.GRANULATION, null, null), now,
                )
            },
            "assessment of an unknown wound" to {
                store.records().recordWoundAssessment(
                    WoundAssessmentEntry(resident, unknown, 3.0, 2.0, null, WoundExudate.NONE, WoundTissue.GRANULATION, null, null), now,
                )
            },
            "correction of an unknown record" to { store.records().correctRecord(unknown, "erreur") },
            "INS with a wrong key" to { normaliseIns("2 55 08 75 056 123 99") },
            "INS of letters" to { normaliseIns("abcdefghijklmno") },
            "file of an unknown resident" to { store.residents().residentFile(unknown) },
            "timeline of a malformed id" to { store.residents().timeline(bad, null, 10u) },
            "follow-up of an unknown wound" to { store.residents().woundFollowUp(unknown) },
            "wound for an unknown resident" to { store.openWound(unknown, WoundKind.PRESSURE_INJURY, "sacrum", now) },
            "photo of zero bytes" to { store.ingestPhoto(PhotoCaptureInfo(resident, wound, null, "s", true, false, now), ByteArray(0)) },
            "truncated JPEG" to {
                store.ingestPhoto(PhotoCaptureInfo(resident, wound, null, "s", true, false, now), camera.copyOf(camera.size / 2))
            },
            "JPEG declaring 65535 x 65535" to {
                store.ingestPhoto(PhotoCaptureInfo(resident, wound, null, "s", true, false, now), jpegDeclaring65535())
            },
            "PNG declaring 30000 x 30000" to {
                store.ingestPhoto(PhotoCaptureInfo(resident, wound, null, "s", true, false, now), pngDeclaring(30_000, 30_000))
            },
            "a PDF as a photo" to {
                store.ingestPhoto(PhotoCaptureInfo(resident, wound, null, "s", true, false, now), "%PDF-1.7\n".toByteArray())
            },
            "photo of another resident's wound" to {
                store.ingestPhoto(PhotoCaptureInfo(demo.residentIds.last(), wound, null, "s", true, false, now), camera)
            },
            "image of an unknown photo" to { store.photoImage(unknown, Rendition.THUMBNAIL) },
            "image of a malformed photo id" to { store.photoImage(bad, Rendition.DISPLAY) },
            "FHIR export of an unknown resident" to { store.exportFhir(unknown) },
            "DLU export of an unknown sheet" to { store.transfers().exportDlu(unknown) },
            "transfer sheet without a reason" to {
                store.transfers().recordEmergencyTransfer(
                    TransferEntry(resident, "", null, ConsciousnessAtDeparture.AROUSABLE, false, null, now, emptyList(), null), now,
                )
            },
            "round in an unknown unit" to { store.homeCare().planRoute(unknown, "2026-11-23", demo.nurseId, "Tournée", emptyList()) },
            "route of an unknown round" to { store.homeCare().route(unknown) },
            "stopping an unknown planned act" to { store.carePlan().stopPlannedAct(resident, unknown) },
            "closing an unknown wound" to { store.carePlan().closeWound(resident, unknown, "2026-11-23") },
            "act planned for an unknown resident" to {
                store.carePlan().planAct(PlannedActEntry(unknown, CareActKind.HYGIENE, "Toilette", listOf("08:00"), Repeat.Daily, "2026-11-23", null))
            },
            "rounds on a malformed day" to { store.homeCare().routes(unit, "hier") },
            "visit stamp for a malformed resident id" to {
                store.homeCare().stampVisit(bad, null, VisitMoment.START, StampBy.NFC, "04A2B9", now)
            },
            "sign-in of an unknown professional" to { store.sessions().signIn(unknown, "2580") },
            "first PIN of a professional who has one" to { store.sessions().setFirstPin(demo.nurseId, "00000-00000", "2580") },
            "PIN change with the wrong current PIN" to { store.sessions().changePin("0000", "2580") },
            "sync while not enrolled" to { runBlocking { store.hub().sync(null, SyncCancel()) } },
            "photo fetch while not enrolled" to { runBlocking { store.hub().fetchPhoto(unknown, SyncCancel()) } },
            "enrolment with a malformed hub address" to { runBlocking { store.hub().enrol("pas une adresse", "code", "Tablette", null) } },
        )
        // Typing in the search box: under three letters finds nothing yet, without an error.
        assertTrue(store.residents().searchResidents("du").isEmpty())
        val pending = store.records().pendingSyncCount()
        for ((what, call) in calls) {
            // A panic would arrive as uniffi's InternalException, not a ChevetException.
            assertThrows<ChevetException>(what) { call() }
        }
        assertEquals(pending, store.records().pendingSyncCount(), "a refused call wrote nothing")
        // The store still works, and once closed every entry point says so.
        store.sessions().signIn(demo.nurseId, demo.pin)
        store.records().recordVital(resident, VitalKind.PAIN, 1.0, now)
        // An id that is not a UUID is refused as it crosses, naming its kind, before the call runs.
        val notAUnit = assertThrows<ChevetException.InvalidInput> { store.rounds().roundView(bad, now, now + 1) }
        assertEquals("unit_id", notAUnit.field)
        val notAResident = assertThrows<ChevetException.InvalidInput> { store.records().recordVital(bad, VitalKind.PAIN, 1.0, now) }
        assertEquals("resident_id", notAResident.field)
        store.closeStore()
        for ((what, call) in calls.filterNot { it.first.startsWith("INS") }) {
            // A malformed id is refused before the store is reached.
            val e = assertThrows<ChevetException>("$what, store closed") { call() }
            assertTrue(e is ChevetException.Closed || e is ChevetException.InvalidInput, "$what: $e")
        }
        assertThrows<ChevetException.Closed> { store.sessions().staffAccounts() }
        assertThrows<ChevetException.Closed> { store.sessions().currentSession() }
        store.close()
    }

    @Test
    fun `another key or a failing keystore cannot open the store`() {
        val path = dir.resolve("chevet.db").toString()
        ChevetStore.open(path, InMemoryKeyVault()).use { it.seedDemo(1u, 1u, 0u) }
        assertThrows<ChevetException.WrongKey> { ChevetStore.open(path, InMemoryKeyVault()) }
        val failing = object : KeyVault {
            override fun wrap(key: ByteArray): ByteArray = throw VaultException.Failed("no keystore")
            override fun unwrap(wrapped: ByteArray, into: UnwrappedKey): Unit = throw VaultException.Failed("no keystore")
        }
        val e = assertThrows<ChevetException.WrongKey> { ChevetStore.open(path, failing) }
        assertTrue(e.reason.contains("no keystore"))
        // A callback that throws something unexpected is an error too, not a crash.
        val broken = object : KeyVault {
            override fun wrap(key: ByteArray): ByteArray = throw IllegalStateException("bug")
            override fun unwrap(wrapped: ByteArray, into: UnwrappedKey): Unit = throw IllegalStateException("bug")
        }
        assertThrows<ChevetException> { ChevetStore.open(path, broken) }
        // A vault that says it unwrapped but gave nothing is refused, not a crash.
        val silent = object : KeyVault {
            override fun wrap(key: ByteArray): ByteArray = throw VaultException.Failed("no keystore")
            override fun unwrap(wrapped: ByteArray, into: UnwrappedKey) {}
        }
        assertThrows<ChevetException.WrongKey> { ChevetStore.open(path, silent) }
    }

    @Test
    fun `the raw device key does not outlive the vault call in the JVM heap`() {
        // Every plaintext array the platform cipher saw, kept to look at afterwards.
        val seen = ConcurrentLinkedQueue<ByteArray>()
        val vault = object : InMemoryKeyVault() {
            override fun seal(plain: ByteArray): ByteArray = super.seal(plain).also { seen.add(plain) }
            override fun open(sealed: ByteArray): ByteArray = super.open(sealed).also { seen.add(it) }
        }
        val path = dir.resolve("chevet.db").toString()
        val demo = ChevetStore.open(path, vault).use { it.seedDemo(1u, 2u, 0u) }
        val residents = ChevetStore.open(path, vault).use { store ->
            store.sessions().signIn(demo.nurseId, demo.pin)
            store.rounds().roundView(demo.unitIds.first(), now - 3_600_000, now + 3_600_000).residents.size
        }
        assertEquals(2, residents, "the store reopened with the unwrapped key")
        assertEquals(2, seen.size, "one wrap at creation, one unwrap at reopening")
        for (plain in seen) {
            assertEquals(32, plain.size)
            assertTrue(plain.all { it == 0.toByte() }, "a key array left unwiped in the heap")
        }
    }

    @Test
    fun `a wound photo goes in as camera bytes and comes back as an upright thumbnail`() {
        val (store, demo) = demoStore()
        store.use {
            val resident = demo.residentIds.first()
            val wound = store.openWound(resident, WoundKind.PRESSURE_INJURY, "talon gauche", now)
            val capture = PhotoCaptureInfo(resident, wound, null, "talon gauche", scaleMarker = true, consentByRepresentative = false, takenAtMs = now)
            val photo = store.ingestPhoto(capture, cameraJpeg(1600, 1200))
            assertEquals(1600u, photo.displayWidth)
            assertEquals(320u, photo.thumbnailWidth)
            val thumb = ImageIO.read(store.photoImage(photo.photoId, Rendition.THUMBNAIL).inputStream())
            assertEquals(320, thumb.width)
            assertEquals(240, thumb.height)
            // No file under the store holds the plain JPEG.
            val display = store.photoImage(photo.photoId, Rendition.DISPLAY)
            val window = display.copyOfRange(display.size / 2, display.size / 2 + 64)
            dir.toFile().walkTopDown().filter(File::isFile).forEach { f ->
                assertFalse(f.readBytes().contains(window), f.name)
            }
        }
    }

    @Test
    fun `calls from many threads at once are safe`() = runBlocking {
        val (store, demo) = demoStore()
        store.use {
            val unit = demo.unitIds.first()
            val results = (0 until 64).map { i ->
                async(Dispatchers.IO) {
                    runCatching {
                        if (i % 2 == 0) {
                            store.records().recordVital(demo.residentIds[i % demo.residentIds.size], VitalKind.HEART_RATE, 70.0 + i % 20, now)
                            1
                        } else {
                            store.rounds().roundView(unit, now - 3_600_000, now + 3_600_000).residents.size
                        }
                    }
                }
            }.awaitAll()
            assertTrue(results.all { it.isSuccess }, results.toString())
        }
    }

    @Test
    fun `log lines reach the app without personal data`() {
        val lines = ConcurrentLinkedQueue<String>()
        setLogSink(object : LogSink {
            override fun log(level: LogLevel, target: String, message: String) {
                lines.add("$level $target $message")
            }
        }, LogLevel.DEBUG)
        val (store, demo) = demoStore()
        store.use { it.records().recordVital(demo.residentIds.first(), VitalKind.TEMPERATURE, 37.1, now) }
        assertTrue(lines.any { it.contains("store opened for device") }, lines.toString())
        assertFalse(lines.any { it.contains("37.1") || it.contains(demo.pin) })
    }

    private fun rssKb(): Long = NativeMemory.rssKb()

    private fun nativeKb(): Long = NativeMemory.mallocInUseKb()

    private fun openFds(): Int = File("/proc/self/fd").list()!!.size

    @Test
    fun `a hundred thousand calls leak neither native memory nor handles`() {
        val (store, demo) = demoStore()
        store.use {
            val unit = demo.unitIds.first()
            val calls = { i: Int ->
                store.deviceId()
                runCatching { store.records().recordVital("bad", VitalKind.PAIN, 1.0, now) }
                runCatching { store.photoImage(UUID.randomUUID().toString(), Rendition.THUMBNAIL) }
                if (i % 100 == 0) store.rounds().roundView(unit, now - 3_600_000, now + 3_600_000)
            }
            repeat(2_000, calls) // warm-up: statement caches, JIT
            val fds = openFds()
            // Three batches of 20,000 iterations (60,000 calls each). The JVM's
            // own mallocs (JIT, GC, JNA's lazily freed buffers, the threads the
            // suite's earlier tests left) swing the total by ±10 MB now and then,
            // and twice running in the whole suite; a leak of an error or a
            // buffer per call (≥ 1 KB) grows it by ≥ 20 MB in every batch. So
            // the quietest batch must stay under 10 MB.
            val growths = List(3) {
                val before = nativeKb()
                repeat(20_000, calls)
                nativeKb() - before
            }
            println("native memory growth per 60,000 calls (20,000 refused, 20,000 not found), three batches: $growths kB, fds ${openFds() - fds}")
            assertTrue(growths.min() < 10_240, "native memory grew in every batch: $growths kB")
            assertEquals(fds, openFds())
        }
        // Stores opened and closed a hundred times leave no file handle behind.
        val vault = InMemoryKeyVault()
        ChevetStore.open(dir.resolve("other.db").toString(), vault).use { }
        val fds = openFds()
        repeat(100) { ChevetStore.open(dir.resolve("other.db").toString(), vault).use { it.deviceId() } }
        assertEquals(fds, openFds())
    }
}
