package fr.chevet.core

import fr.chevet.android.testing.RealHub
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger

/**
 * Enrolment and sync from Kotlin against a real hub (see [RealHub]), as two
 * tablets of the same unit live it.
 */
class HubSyncTest {
    @TempDir
    lateinit var dir: Path

    private val now = System.currentTimeMillis()

    private fun tablet(name: String): ChevetStore = ChevetStore.open(dir.resolve("$name.db").toString(), InMemoryKeyVault())

    private fun syncNow(store: ChevetStore): SyncResult = runBlocking { store.hub().sync(null, SyncCancel()) }

    /** A tablet enrolled with the hub, synced once, the nurse signed in with her first PIN. */
    private fun enrolledTablet(name: String, url: String, enrolmentCode: String, nurse: String, pinCode: String): ChevetStore =
        tablet(name).also {
            runBlocking { it.hub().enrol(url, enrolmentCode, "Tablette $name", null) }
            syncNow(it)
            it.sessions().setFirstPin(nurse, pinCode, "2580")
        }

    @Test
    fun `a tablet enrols with a real hub, syncs with progress, and a cancelled sync stops`() {
        RealHub(dir).use { hub ->
            val code = hub.enrolmentCode()
            val url = hub.start()
            tablet("device").use { store ->
                val units = runBlocking { store.hub().enrol(url, code, "Tablette de test", null) }
                assertEquals(listOf(hub.unit), units)

                val phases = ConcurrentLinkedQueue<SyncPhase>()
                val observer = object : SyncObserver {
                    override fun onProgress(phase: SyncPhase, pushed: UInt, toPush: UInt, pulled: UInt) {
                        phases.add(phase)
                    }
                }
                val result = runBlocking { store.hub().sync(observer, SyncCancel()) }
                assertTrue(result.pulled > 0u, "the establishment, its unit and staff come down: $result")
                assertEquals(listOf(SyncPhase.PUSHING, SyncPhase.PULLING, SyncPhase.DONE), phases.distinct())

                // A sync cancelled before it runs stops with its own exception.
                val cancelled = SyncCancel().also { it.cancel() }
                assertThrows<ChevetException.SyncCancelled> { runBlocking { store.hub().sync(null, cancelled) } }
                // And the next one goes on normally.
                assertEquals(0u, syncNow(store).pushed)
            }
            // A one-time code does not enrol a second tablet.
            tablet("other").use { other ->
                assertThrows<ChevetException.HubRefused> { runBlocking { other.hub().enrol(url, code, "Autre tablette", null) } }
            }
        }
    }

    @Test
    fun `what one tablet records, with a wound photo, reaches the other through the hub`() {
        RealHub(dir).use { hub ->
            hub.importResidents(listOf("Durand;Lucie;F;1940-02-03;75056;101", "Martin;Paul;M;1938-11-20;69123;102"))
            val pinCode = hub.firstPinCode(hub.nurse)
            val (codeA, codeB) = hub.enrolmentCode() to hub.enrolmentCode()
            val url = hub.start()
            tablet("a").use { a ->
                runBlocking { a.hub().enrol(url, codeA, "Tablette A", null) }
                syncNow(a)
                // A tablet fresh from enrolment: the nurse sets her PIN with the code from the IT person.
                val account = a.sessions().staffAccounts().single { it.staffId == hub.nurse }
                assertTrue(!account.pinSet && account.firstPinPossible, account.toString())
                assertThrows<ChevetException.WrongFirstPinCode> { a.sessions().setFirstPin(hub.nurse, "00000-00000", "2580") }
                assertEquals("IDE", a.sessions().setFirstPin(hub.nurse, pinCode.lowercase(), "2580").role)

                val lucie = a.residents().searchResidents("durand").single()
                a.records().recordVital(lucie.residentId, VitalKind.TEMPERATURE, 38.4, now - 60_000)
                a.records().recordAct(lucie.residentId, null, null, ActResult.DONE, "toilette au lavabo", now - 50_000)
                a.records().recordTransmission(
                    TransmissionEntry(lucie.residentId, "Chute", "Retrouvée au sol", "Relevée, constantes prises", "Pas de douleur", emptyList()),
                    now - 40_000,
                )
                val braden = a.records().recordScale(lucie.residentId, ScaleEntry.Braden(2u.toUByte(), 2u.toUByte(), 2u.toUByte(), 2u.toUByte(), 2u.toUByte(), 2u.toUByte()), now - 30_000)
                assertTrue(braden.positive && braden.total == 12u.toUByte(), braden.toString())
                val wound = a.openWound(lucie.residentId, WoundKind.PRESSURE_INJURY, "sacrum", now - 20_000)
                a.records().recordWoundAssessment(
                    WoundAssessmentEntry(lucie.residentId, wound, 3.0, 2.0, null, WoundExudate.LIGHT, WoundTissue.GRANULATION, WoundStage.STAGE2, null),
                    now - 20_000,
                )
                val photo = a.ingestPhoto(PhotoCaptureInfo(lucie.residentId, wound, null, "sacrum", true, false, now - 10_000), cameraJpeg(1600, 1200))
                val wrongEntry = a.records().recordVital(lucie.residentId, VitalKind.HEART_RATE, 180.0, now - 5_000)
                a.records().correctRecord(wrongEntry, "Saisi pour la mauvaise résidente")
                assertTrue(a.records().pendingSyncCount() > 0u)

                val pushed = syncNow(a)
                assertEquals(2u, pushed.photoFilesUploaded, "a display image and a thumbnail: $pushed")
                assertEquals(0uL, a.records().pendingSyncCount())

                // The same code sets her PIN on each tablet of her unit.
                enrolledTablet("b", url, codeB, hub.nurse, pinCode).use { b ->
                    val file = b.residents().residentFile(lucie.residentId)
                    assertTrue("Température : 38,4 °C" in file.latestVitals, file.latestVitals.toString())
                    val lines = file.timeline.map { it.summary }
                    assertTrue("Transmission ciblée : Chute" in lines, lines.toString())
                    assertTrue(lines.any { it.startsWith("Braden") }, lines.toString())
                    assertTrue(file.timeline.single { it.recordId == wrongEntry }.enteredInError)
                    assertTrue(file.alerts.any { it.why.contains("38,4") }, file.alerts.toString())

                    val followUp = b.residents().woundFollowUp(wound)
                    assertEquals(6.0, followUp.assessments.single().areaCm2)
                    assertEquals(photo.photoId, followUp.previousPhotoId)
                    assertEquals(320, javax.imageio.ImageIO.read(b.photoImage(photo.photoId, Rendition.THUMBNAIL).inputStream()).width)
                    // The display image stays on the hub until asked for.
                    assertFalse(followUp.photos.single().onDevice)
                    assertThrows<ChevetException.PhotoNotOnDevice> { b.photoImage(photo.photoId, Rendition.DISPLAY) }
                    runBlocking { b.hub().fetchPhoto(photo.photoId, SyncCancel()) }
                    assertTrue(b.photoImage(photo.photoId, Rendition.DISPLAY).contentEquals(a.photoImage(photo.photoId, Rendition.DISPLAY)))
                }
            }
        }
    }

    @Test
    fun `a sync cancelled mid-transfer loses nothing and the next one finishes the job`() {
        RealHub(dir).use { hub ->
            hub.importResidents(listOf("Durand;Lucie;F;1940-02-03;75056;101"))
            val pinCode = hub.firstPinCode(hub.nurse)
            val (codeA, codeB) = hub.enrolmentCode() to hub.enrolmentCode()
            val url = hub.start()
            enrolledTablet("a", url, codeA, hub.nurse, pinCode).use { a ->
                val resident = a.residents().searchResidents("durand").single().residentId
                repeat(1_000) { i -> a.records().recordVital(resident, VitalKind.HEART_RATE, 60.0 + i % 40, now - 1_000_000 + i) }

                // The care worker taps "cancel" once the first batches are through.
                val cancel = SyncCancel()
                val batches = AtomicInteger()
                val observer = object : SyncObserver {
                    override fun onProgress(phase: SyncPhase, pushed: UInt, toPush: UInt, pulled: UInt) {
                        if (phase == SyncPhase.PUSHING && pushed > 0u && batches.incrementAndGet() == 2) cancel.cancel()
                    }
                }
                assertThrows<ChevetException.SyncCancelled> { runBlocking { a.hub().sync(observer, cancel) } }
                val left = a.records().pendingSyncCount()
                assertTrue(left in 1uL..899uL, "cancelled mid-way: $left of 1000 left to push")

                val rest = syncNow(a)
                assertEquals(left, rest.pushed.toULong())
                assertEquals(0uL, a.records().pendingSyncCount())

                enrolledTablet("b", url, codeB, hub.nurse, pinCode).use { b ->
                    val pulses = b.residents().timeline(resident, null, 500u) + b.residents().timeline(resident, now - 1_000_000 + 500, 500u)
                    assertEquals(1_000, pulses.map { it.recordId }.toSet().size, "every record arrived once")
                }
            }
        }
    }
}
