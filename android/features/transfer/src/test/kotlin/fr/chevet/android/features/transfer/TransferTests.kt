package fr.chevet.android.features.transfer

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.DocumentSharing
import fr.chevet.android.chevet.RustTransferService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.screenshots.Tablet
import fr.chevet.android.screenshots.assertActionsLabelledAndLargeEnough
import fr.chevet.android.screenshots.assertMatchesGolden
import fr.chevet.core.ChevetStore
import fr.chevet.core.ConsciousnessAtDeparture
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.SheetSectionInfo
import fr.chevet.core.TransferDocumentsInfo
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
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import java.io.File
import java.time.LocalDateTime
import java.time.ZoneId

/** The emergency transfer over the real core; its goldens; its accessibility. */
@OptIn(ExperimentalTestApi::class)
class TransferTests {
    @get:Rule
    val dir = TemporaryFolder()

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    private val zone = ZoneId.of("Europe/Paris")

    @After
    fun stop() = scope.cancel()

    private fun TransferPresenter.next(until: (TransferState) -> Boolean): TransferState =
        runBlocking { withTimeout(10_000) { state.first(until) } }

    /** The platform's share sheet and print dialog, as the presenter calls them. */
    private class Handed : DocumentSharing {
        val shared = mutableListOf<Triple<String, String, ByteArray>>()
        val printed = mutableListOf<String>()
        override fun share(title: String, fileName: String, mimeType: String, bytes: ByteArray) {
            shared += Triple(fileName, mimeType, bytes)
        }
        override fun print(title: String, html: String) {
            printed += html
        }
    }

    @Test
    fun `a fall in a few taps gives the sheet, which names the vitals to take, then the DLU document to send`() {
        ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault()).use { store ->
            val demo = store.seedDemo(1u, 2u, 0u)
            store.sessions().signIn(demo.nurseId, demo.pin)
            val resident = demo.residentIds.first()
            // The demo measured everyone this morning: those measures struck out, the sheet has none.
            for (line in store.residents().timeline(resident, null, 500u)) {
                if (line.kind == "observation" && !line.enteredInError) store.records().correctRecord(line.recordId, "test : mesure retirée")
            }
            val handed = Handed()
            var recorded = 0
            val p = TransferPresenter(RustTransferService(store, Dispatchers.IO), resident, "MARTIN Jeanne", "101", zone, Clock.System, scope, handed) { recorded++ }
            p.onEvent(TransferEvent.Record)
            assertNull("nothing without a reason and a last meal", p.state.value.transferId)

            p.onEvent(TransferEvent.Reason("Chute"))
            p.onEvent(TransferEvent.Consciousness(ConsciousnessAtDeparture.AROUSABLE))
            p.onEvent(TransferEvent.Pain(true))
            assertFalse("a pain needs its score", p.state.value.ready)
            p.onEvent(TransferEvent.PainScore(6))
            p.onEvent(TransferEvent.LastMeal(p.state.value.meals.first()))
            p.onEvent(TransferEvent.ToggleItem(Item.GLASSES))
            p.onEvent(TransferEvent.OtherItems("Canne, alliance"))
            p.onEvent(TransferEvent.Record)
            val sheet = p.next { it.documents != null || it.error != null }
            assertNull(sheet.error)
            assertEquals(1, recorded)
            val docs = sheet.documents!!
            assertEquals(
                listOf("Pouls (dernières 24 h)", "Température (dernières 24 h)", "Tension artérielle (dernières 24 h)", "Poids (derniers 3 mois)"),
                docs.missing,
            )
            assertNull(docs.fludt)
            assertTrue(docs.sections.first { it.title == "Prothèses et objets personnels" }.lines.single().contains("Lunettes, Canne, alliance"))
            p.onEvent(TransferEvent.Print)
            assertTrue(handed.printed.single().contains("Motif : Chute"))

            // The vitals taken: the document comes, and goes out as XML.
            val now = System.currentTimeMillis()
            store.records().recordVital(resident, VitalKind.HEART_RATE, 104.0, now - 60_000)
            store.records().recordVital(resident, VitalKind.TEMPERATURE, 37.9, now - 60_000)
            store.records().recordBloodPressure(resident, 132.0, 78.0, now - 60_000)
            store.records().recordVital(resident, VitalKind.WEIGHT, 58.4, now - 60_000)
            p.onEvent(TransferEvent.Refresh)
            val ready = p.next { it.documents?.fludt != null }
            assertTrue(ready.documents!!.missing.isEmpty())
            p.onEvent(TransferEvent.Send)
            val (name, mime, bytes) = handed.shared.single()
            assertEquals("DLU-FLUDT.xml" to "application/xml", name to mime)
            assertTrue(String(bytes).startsWith("<?xml"))
            // Recorded: the form no longer changes what was sent.
            p.onEvent(TransferEvent.Reason("Autre"))
            assertEquals("Chute", p.state.value.reason)
        }
    }

    private fun at(h: Int, m: Int = 0) = LocalDateTime.of(2026, 12, 3, h, m).atZone(zone).toInstant().toEpochMilli()

    @Test
    fun `the last meals offered are the four before now`() {
        val labels = TransferPresenter.meals(at(13, 30), zone).map { it.label }
        assertEquals(listOf("Aujourd'hui, déjeuner (12 h)", "Aujourd'hui, petit déjeuner (08 h)", "Hier, dîner (19 h)", "Hier, goûter (16 h)"), labels)
    }

    private val docs = TransferDocumentsInfo(
        "Fiche de liaison d'urgence — transfert vers les urgences",
        listOf(
            SheetSectionInfo("Résident", listOf("DURAND Jeanne", "Nom de naissance : MARTIN — prénoms : Jeanne Marie", "Né(e) le 02/04/1938 — sexe : Féminin", "Identité qualifiée", "INS-NIR 2 38 04 75 056 012 34", "Établissement : EHPAD Les Tilleuls (FINESS 750000001)")),
            SheetSectionInfo("Transfert", listOf("Départ le 03/12/2026 à 14:05", "Motif : Chute", "Patient éveillable", "Douleurs récentes : oui (EN 6/10)", "Dernier repas : 03/12/2026 à 12:00")),
            SheetSectionInfo("À savoir", listOf("Allergies : Pénicilline", "Directives anticipées : pas d'acharnement", "Personne de confiance : Paul DURAND (fils)")),
            SheetSectionInfo("Constantes", listOf("Pouls : 104 /min (03/12/2026 à 13:58)", "Température : 37,9 °C (03/12/2026 à 13:58)")),
            SheetSectionInfo("Traitements en cours", listOf("Paracétamol : 1 g, per os", "Furosémide : 40 mg, per os")),
            SheetSectionInfo("Prothèses et objets personnels", listOf("Lunettes, Canne")),
        ),
        listOf("Tension artérielle (dernières 24 h)", "Poids (derniers 3 mois)"),
        "<html></html>",
        null,
    )

    @Test
    fun `goldens - the form filled, the sheet waiting for vitals, the sheet ready`() {
        val goldens = File("src/test/goldens")
        fun shoot(name: String, size: Tablet, state: TransferState) =
            assertMatchesGolden(goldens, name, size) { ChevetTheme { TransferView(state, onEvent = {}, onBack = {}) } }
        val meals = TransferPresenter.meals(at(14, 5), zone)
        val form = TransferState(
            "DURAND Jeanne", "104", reason = "Chute", consciousness = ConsciousnessAtDeparture.AROUSABLE, recentPain = true, painScore = 6,
            meals = meals, lastMeal = meals.first(), items = setOf(Item.GLASSES), otherItems = "Canne", canShare = true,
        )
        shoot("transfer-form", Tablet.Landscape, form)
        shoot("transfer-sheet-missing", Tablet.Landscape, form.copy(transferId = "t", documents = docs))
        shoot("transfer-sheet-ready", Tablet.Portrait, form.copy(transferId = "t", documents = docs.copy(missing = emptyList(), fludt = "<x/>")))
    }

    @Test
    fun `every action says what it does and is big enough for a gloved finger`() = runComposeUiTest {
        val meals = TransferPresenter.meals(at(14, 5), zone)
        setContent { ChevetTheme { TransferView(TransferState("DURAND Jeanne", "104", meals = meals, canShare = true), onEvent = {}, onBack = {}) } }
        assertNotNull(assertActionsLabelledAndLargeEnough())
    }
}
