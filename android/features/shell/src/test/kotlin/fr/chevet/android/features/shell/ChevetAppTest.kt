package fr.chevet.android.features.shell

import androidx.compose.ui.test.ExperimentalTestApi
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.runComposeUiTest
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.RustCareRecordService
import fr.chevet.android.chevet.RustScaleService
import fr.chevet.android.chevet.RustTransferService
import fr.chevet.android.chevet.RustWoundService
import fr.chevet.android.chevet.RustRouteService
import fr.chevet.android.chevet.RustEnrolmentService
import fr.chevet.android.chevet.RustHandoverService
import fr.chevet.android.chevet.RustMedicationService
import fr.chevet.android.chevet.RustRoundService
import fr.chevet.android.chevet.RustSessionService
import fr.chevet.android.chevet.RustSyncService
import fr.chevet.android.chevet.RustVitalsService
import fr.chevet.android.testing.RealHub
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder

/** The app as a care worker meets it: sign in, the round, the quick switch, the idle lock. */
@OptIn(ExperimentalTestApi::class)
class ChevetAppTest {
    @get:Rule
    val dir = TemporaryFolder()

    @Test
    fun `signed in the round shows, the quick switch and the idle lock go back to who are you`() = runComposeUiTest {
        val store = ChevetStore.open(dir.root.resolve("chevet.db").path, InMemoryKeyVault())
        val demo = store.seedDemo(1u, 3u, 0u)
        store.sessions().lock()
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        var now = System.currentTimeMillis()
        val clock = Clock { now }
        try {
            val sessions = RustSessionService(store, Dispatchers.IO)
            val rounds = RustRoundService(store, Dispatchers.IO)
            val enrolment = RustEnrolmentService(store, Dispatchers.IO)
            val sync = RustSyncService(store, Dispatchers.IO)
            val shell = ShellPresenter(sessions, rounds, enrolment, sync, RustMedicationService(store, Dispatchers.IO), RustHandoverService(store, Dispatchers.IO), RustVitalsService(store, Dispatchers.IO), RustCareRecordService(store, Dispatchers.IO), RustScaleService(store, Dispatchers.IO), RustTransferService(store, Dispatchers.IO), RustWoundService(store, Dispatchers.IO), RustRouteService(store, Dispatchers.IO), clock, scope, idleLockMs = 120_000)
            setContent { ChevetApp(shell) }
            shell.start()
            val nurse = store.sessions().staffAccounts().first { it.staffId == demo.nurseId }

            fun signIn() {
                waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Qui êtes-vous ?").fetchSemanticsNodes().isNotEmpty() }
                waitUntil(timeoutMillis = 10_000) {
                    onAllNodesWithText(nurse.displayName).fetchSemanticsNodes().isNotEmpty()
                }
                onNode(hasContentDescription("${nurse.displayName}, ${nurse.role}")).performClick()
                for (d in demo.pin) onNodeWithContentDescription("Chiffre $d").performClick()
                onNodeWithContentDescription("Valider le code").performClick()
                waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Tournée").fetchSemanticsNodes().isNotEmpty() }
            }

            signIn()
            onNodeWithText("Changer d'utilisateur").assertExists()
            onNodeWithText("Changer d'utilisateur").performClick()
            waitUntil(timeoutMillis = 10_000) { store.sessions().currentSession() == null }
            signIn()
            // Two minutes without a touch: locked, back to the list.
            now += 121_000
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Qui êtes-vous ?").fetchSemanticsNodes().isNotEmpty() }
            assertNull(store.sessions().currentSession())
        } finally {
            scope.cancel()
            store.close()
        }
    }

    @Test
    fun `a new tablet is enrolled, receives its establishment, and its nurse sets her first PIN and reaches the round`() = runComposeUiTest {
        RealHub(dir.root.toPath()).use { hub ->
            hub.importResidents(listOf("Durand;Lucie;F;1940-02-03;75056;101"))
            val pinCode = hub.firstPinCode(hub.nurse)
            val url = hub.start()
            val store = ChevetStore.open(dir.root.resolve("new.db").path, InMemoryKeyVault())
            val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
            try {
                val sessions = RustSessionService(store, Dispatchers.IO)
                val rounds = RustRoundService(store, Dispatchers.IO)
                val enrolment = RustEnrolmentService(store, Dispatchers.IO)
                val sync = RustSyncService(store, Dispatchers.IO)
                val shell = ShellPresenter(sessions, rounds, enrolment, sync, RustMedicationService(store, Dispatchers.IO), RustHandoverService(store, Dispatchers.IO), RustVitalsService(store, Dispatchers.IO), RustCareRecordService(store, Dispatchers.IO), RustScaleService(store, Dispatchers.IO), RustTransferService(store, Dispatchers.IO), RustWoundService(store, Dispatchers.IO), RustRouteService(store, Dispatchers.IO), Clock.System, scope)
                setContent { ChevetApp(shell) }
                shell.start()
                waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Enrôler cette tablette").fetchSemanticsNodes().isNotEmpty() }
                fun field(label: String) = onNode(hasSetTextAction() and hasText(label, substring = true))
                field("Nom de la tablette").performTextInput("Chariot 1er étage")
                field("Adresse du serveur").performTextInput(url)
                field("Code d'enrôlement").performTextInput(hub.enrolmentCode())
                onNodeWithText("Enrôler la tablette").performClick()
                waitUntil(timeoutMillis = 20_000) { onAllNodesWithText("Qui êtes-vous ?").fetchSemanticsNodes().isNotEmpty() }
                // The hub's staff came with the first sync, and the bar says it went through.
                waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Infirmière de test", substring = true).fetchSemanticsNodes().isNotEmpty() }
                waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("À jour", substring = true).fetchSemanticsNodes().isNotEmpty() }

                // Her first PIN, by taps: the printed code, then the same new PIN twice.
                onNode(hasContentDescription("Infirmière de test", substring = true)).performClick()
                field("Code de l'établissement").performTextInput(pinCode)
                onNodeWithText("Continuer").performClick()
                repeat(2) {
                    for (d in "482915") onNodeWithContentDescription("Chiffre $d").performClick()
                    onNodeWithContentDescription("Valider le code").performClick()
                }
                waitUntil(timeoutMillis = 20_000) { onAllNodesWithText("Tournée").fetchSemanticsNodes().isNotEmpty() }
                // No care plan entered yet on this new hub: the round says so.
                waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Aucun soin prévu sur ce créneau.").fetchSemanticsNodes().isNotEmpty() }
                assertEquals(hub.nurse, store.sessions().currentSession()?.staffId)
            } finally {
                scope.cancel()
                store.close()
            }
        }
    }

    @Test
    fun `from the round a nurse opens a resident's medication and comes back`() = runComposeUiTest {
        val store = ChevetStore.open(dir.root.resolve("med.db").path, InMemoryKeyVault())
        val demo = store.seedDemo(1u, 2u, 0u)
        val resident = demo.residentIds.first()
        val due = java.time.Instant.now().minusSeconds(20 * 60).atZone(java.time.ZoneId.of("Europe/Paris"))
        store.planDemoMedication(resident, "%02d:%02d".format(due.hour, due.minute), due.toLocalDate().toString(), false)
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            val shell = ShellPresenter(
                RustSessionService(store, Dispatchers.IO), RustRoundService(store, Dispatchers.IO), RustEnrolmentService(store, Dispatchers.IO),
                RustSyncService(store, Dispatchers.IO), RustMedicationService(store, Dispatchers.IO), RustHandoverService(store, Dispatchers.IO), RustVitalsService(store, Dispatchers.IO), RustCareRecordService(store, Dispatchers.IO), RustScaleService(store, Dispatchers.IO), RustTransferService(store, Dispatchers.IO), RustWoundService(store, Dispatchers.IO), RustRouteService(store, Dispatchers.IO), Clock.System, scope,
            )
            setContent { ChevetApp(shell) }
            shell.start() // the demo signed the nurse in
            waitUntil(timeoutMillis = 10_000) { shell.state.value.round?.state?.value?.loading == false }
            val card = shell.state.value.round!!.state.value.residents.first { it.residentId == resident }
            val name = card.displayName
            // The dose planned here, by its time as the core words it (« hier 23 h 46 » just after
            // midnight): early in the morning the demo's own 08:00 dose is on the round too.
            val dueMs = due.withSecond(0).withNano(0).toInstant().toEpochMilli()
            val at = card.items.first { it.medication && it.dueAtMs == dueMs }.dueLabel
            onNode(hasContentDescription("Donner Paracétamol 1 g à $name ($at)", substring = true)).performScrollTo().performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Médicaments · Ch.", substring = true).fetchSemanticsNodes().isNotEmpty() }
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Paracétamol 1 g", substring = true).fetchSemanticsNodes().isNotEmpty() }
            onNodeWithText("← Tournée").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Tournée").fetchSemanticsNodes().isNotEmpty() }
        } finally {
            scope.cancel()
            store.close()
        }
    }

    @Test
    fun `from the round a care worker opens a resident's file by their name, its scales, wounds and transfer sheet, and comes back`() = runComposeUiTest {
        val store = ChevetStore.open(dir.root.resolve("file.db").path, InMemoryKeyVault())
        val demo = store.seedDemo(1u, 2u, 7u)
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        try {
            val shell = ShellPresenter(
                RustSessionService(store, Dispatchers.IO), RustRoundService(store, Dispatchers.IO), RustEnrolmentService(store, Dispatchers.IO),
                RustSyncService(store, Dispatchers.IO), RustMedicationService(store, Dispatchers.IO), RustHandoverService(store, Dispatchers.IO), RustVitalsService(store, Dispatchers.IO), RustCareRecordService(store, Dispatchers.IO), RustScaleService(store, Dispatchers.IO), RustTransferService(store, Dispatchers.IO), RustWoundService(store, Dispatchers.IO), RustRouteService(store, Dispatchers.IO), Clock.System, scope,
            )
            setContent { ChevetApp(shell) }
            shell.start()
            waitUntil(timeoutMillis = 10_000) { shell.state.value.round?.state?.value?.loading == false }
            val name = shell.state.value.round!!.state.value.residents.first().displayName
            onNodeWithContentDescription("Dossier de $name").performScrollTo().performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Identité", substring = false).fetchSemanticsNodes().isNotEmpty() }
            onNodeWithText("Courbes").assertExists()
            // From the file to the scales and back to the file.
            onNodeWithText("Échelles").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Algoplus").fetchSemanticsNodes().isNotEmpty() }
            onNodeWithText("← Dossier").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Identité").fetchSemanticsNodes().isNotEmpty() }
            // To the wounds, and back.
            onNodeWithText("Plaies", substring = true).performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Nouvelle plaie").fetchSemanticsNodes().isNotEmpty() }
            onNodeWithText("← Dossier").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Identité").fetchSemanticsNodes().isNotEmpty() }
            // And to the emergency transfer, and back.
            onNodeWithText("Urgences").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Motif du transfert").fetchSemanticsNodes().isNotEmpty() }
            onNodeWithText("← Dossier").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Identité").fetchSemanticsNodes().isNotEmpty() }
            onNodeWithText("← Tournée").performClick()
            waitUntil(timeoutMillis = 10_000) { onAllNodesWithText("Tournée").fetchSemanticsNodes().isNotEmpty() }
        } finally {
            scope.cancel()
            store.close()
        }
    }
}
