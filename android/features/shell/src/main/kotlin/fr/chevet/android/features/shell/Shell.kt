package fr.chevet.android.features.shell

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import fr.chevet.android.chevet.CareRecordService
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.EnrolmentService
import fr.chevet.android.chevet.HandoverService
import fr.chevet.android.chevet.MedicationService
import fr.chevet.android.chevet.RoundService
import fr.chevet.android.chevet.ScaleService
import fr.chevet.android.chevet.TransferService
import fr.chevet.android.chevet.WoundService
import fr.chevet.android.chevet.RouteService
import fr.chevet.android.chevet.TagReader
import fr.chevet.android.chevet.DocumentSharing
import fr.chevet.android.chevet.SessionService
import fr.chevet.android.chevet.SyncService
import fr.chevet.android.chevet.VitalsService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.features.enrolment.EnrolmentEvent
import fr.chevet.android.features.enrolment.EnrolmentPresenter
import fr.chevet.android.features.enrolment.EnrolmentStep
import fr.chevet.android.features.enrolment.EnrolmentView
import fr.chevet.android.features.handover.HandoverEvent
import fr.chevet.android.features.handover.HandoverPresenter
import fr.chevet.android.features.handover.HandoverView
import fr.chevet.android.features.medication.MedicationEvent
import fr.chevet.android.features.medication.MedicationPresenter
import fr.chevet.android.features.medication.MedicationResident
import fr.chevet.android.features.medication.MedicationView
import fr.chevet.android.features.round.RoundEvent
import fr.chevet.android.features.round.RoundPresenter
import fr.chevet.android.features.round.RoundView
import fr.chevet.android.features.signin.SignInEvent
import fr.chevet.android.features.signin.SignInPresenter
import fr.chevet.android.features.signin.SignInView
import fr.chevet.android.features.syncstatus.SyncStatusBar
import fr.chevet.android.features.syncstatus.SyncStatusEvent
import fr.chevet.android.features.syncstatus.SyncStatusPresenter
import fr.chevet.android.features.residentfile.ResidentFileEvent
import fr.chevet.android.features.residentfile.ResidentFilePresenter
import fr.chevet.android.features.residentfile.ResidentFileView
import fr.chevet.android.features.scales.ScalesEvent
import fr.chevet.android.features.scales.ScalesPresenter
import fr.chevet.android.features.scales.ScalesView
import fr.chevet.android.features.transfer.TransferEvent
import fr.chevet.android.features.transfer.TransferPresenter
import fr.chevet.android.features.transfer.TransferView
import fr.chevet.android.features.route.RouteEvent
import fr.chevet.android.features.route.RoutePresenter
import fr.chevet.android.features.route.RouteView
import fr.chevet.android.features.transmission.TransmissionPresenter
import fr.chevet.android.features.wounds.WoundsEvent
import fr.chevet.android.features.wounds.WoundsPresenter
import fr.chevet.android.features.wounds.WoundsView
import fr.chevet.android.chevetui.PhotoDecoder
import fr.chevet.android.chevetui.WoundCamera
import fr.chevet.android.features.transmission.TransmissionView
import fr.chevet.android.features.vitals.VitalsPresenter
import fr.chevet.android.features.vitals.VitalsView
import fr.chevet.core.RoundResidentInfo
import fr.chevet.core.Session
import fr.chevet.core.UnitInfo
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import java.time.ZoneId

/** Which screen the tablet shows, and for whom. */
data class ShellState(
    /** Null until read: a new tablet first joins its establishment. */
    val enrolled: Boolean? = null,
    val session: Session? = null,
    val unit: UnitInfo? = null,
    /** No unit on this tablet: it has not synced with the establishment yet. */
    val noUnit: Boolean = false,
    /** "Who are you", while nobody is signed in (a new one each time the tablet is handed over). */
    val signIn: SignInPresenter? = null,
    /** The round of [unit] for [session], while someone is signed in. */
    val round: RoundPresenter? = null,
    /** A resident's medication, opened from the round. */
    val medication: MedicationPresenter? = null,
    /** The shift handover, opened from the header. */
    val handover: HandoverPresenter? = null,
    /** A resident's vitals entry, opened from the round. */
    val vitals: VitalsPresenter? = null,
    /** A transmission about a resident, opened from the round. */
    val transmission: TransmissionPresenter? = null,
    /** A resident's file, opened from the round. */
    val residentFile: ResidentFilePresenter? = null,
    /** The bedside scales, opened from a resident's file. */
    val scales: ScalesPresenter? = null,
    /** An emergency transfer, opened from a resident's file. */
    val transfer: TransferPresenter? = null,
    /** A resident's wounds, opened from their file. */
    val wounds: WoundsPresenter? = null,
    /** Home care: the day's route, opened from the header of a home-care sector. */
    val route: RoutePresenter? = null,
)

/**
 * The tablet between people: signed in shows the round of its unit; the
 * quick switch and the idle lock lock the core's session and go back to
 * "who are you". The lock is the core's; this follows it. It owns the
 * screens' presenters, so they live outside composition (and a benchmark
 * or a test can watch them).
 */
class ShellPresenter(
    private val sessions: SessionService,
    private val rounds: RoundService,
    private val enrolment: EnrolmentService,
    sync: SyncService,
    private val medication: MedicationService,
    private val handovers: HandoverService,
    private val vitalsService: VitalsService,
    private val care: CareRecordService,
    private val scales: ScaleService,
    private val transfers: TransferService,
    private val woundService: WoundService,
    private val routes: RouteService,
    private val clock: Clock,
    private val scope: CoroutineScope,
    /** Locked after this long without a touch (a shared tablet on a trolley). */
    val idleLockMs: Long = 2 * 60_000,
    /** The app's camera scanner (the enrolment QR code, a box's Data Matrix), where the tablet has one. */
    private val openScanner: ((onText: (String) -> Unit) -> Unit)? = null,
    /** The share sheet and print dialog, where the platform has them. */
    private val sharing: DocumentSharing? = null,
    /** The camera for wound photos, where the tablet has one. */
    val camera: WoundCamera? = null,
    /** Draws photos held in memory; without it the strip says where they are. */
    val photoDecoder: PhotoDecoder = PhotoDecoder { null },
    /** The NFC reader, where the tablet has one (home tags). */
    private val nfc: TagReader? = null,
) {
    private val _state = MutableStateFlow(ShellState())
    val state: StateFlow<ShellState> = _state.asStateFlow()
    private var lastActivity = clock.nowMs()
    private var idleWatch: Job? = null
    private var signInWatch: Job? = null

    /** The sync bar, on every screen once enrolled. */
    val syncBar = SyncStatusPresenter(sync, clock, scope)

    val enrolmentScreen: EnrolmentPresenter = EnrolmentPresenter(
        enrolment, sync, scope,
        openScanner?.let { open -> { open { text -> enrolmentScreen.onEvent(EnrolmentEvent.QrScanned(text)) } } },
    )

    fun start() {
        scope.launch {
            // An unreadable status is treated as enrolled: the sync bar then says what is wrong.
            val enrolled = enrolment.enrolled().getOrDefault(true)
            val session = sessions.currentSession().getOrNull()
            val unit = rounds.units().getOrNull()?.firstOrNull()
            _state.update {
                ShellState(
                    enrolled = enrolled, session = session, unit = unit, noUnit = unit == null,
                    signIn = if (session == null && enrolled) signInFor() else null, round = roundFor(session, unit),
                )
            }
            if (enrolled) syncBar.start()
            if (session != null) watchIdle()
        }
    }

    /** The tablet joined its establishment and pulled it: on to "who are you". */
    fun enrolled() = start()

    private fun signedIn(session: Session) {
        lastActivity = clock.nowMs()
        _state.update { it.copy(session = session, signIn = null, round = roundFor(session, it.unit)) }
        watchIdle()
    }

    /** A touch anywhere: the idle lock starts over. */
    fun userActivity() {
        lastActivity = clock.nowMs()
    }

    /** "Changer d'utilisateur", or the idle lock. */
    fun lock() {
        idleWatch?.cancel()
        scope.launch { lockNow() }
    }

    private suspend fun lockNow() {
        sessions.lock()
        _state.update {
            it.copy(
                session = null, round = null, medication = null, handover = null, vitals = null, transmission = null,
                residentFile = null, scales = null, transfer = null, wounds = null, route = null, signIn = signInFor(),
            )
        }
    }

    /** "Relève": what the last shift brought on this unit. */
    fun openHandover() {
        val unit = _state.value.unit ?: return
        val presenter = HandoverPresenter(handovers, unit.unitId, clock, scope)
        presenter.onEvent(HandoverEvent.Load)
        _state.update { it.copy(handover = presenter, medication = null) }
    }

    fun closeHandover() = _state.update { it.copy(handover = null) }

    /** « Domicile »: the signed-in professional's route of the day, from the tablet's record. */
    fun openRoute() {
        val unit = _state.value.unit ?: return
        val presenter = RoutePresenter(
            routes, unit.unitId, ZoneId.of(unit.timeZone), clock, scope,
            scanQr = openScanner, nfc = nfc, onRecorded = { syncBar.onEvent(SyncStatusEvent.Refresh) },
        )
        presenter.onEvent(RouteEvent.Load)
        _state.update { it.copy(route = presenter) }
    }

    fun closeRoute() = _state.update { it.copy(route = null) }

    /** Back from a resident's vitals to where they were opened, which reads again. */
    fun closeVitals() {
        _state.update { it.copy(vitals = null) }
        _state.value.round?.onEvent(RoundEvent.Refresh)
        _state.value.transfer?.onEvent(TransferEvent.Refresh)
    }

    /** A resident's file: reading it is audited by the core. */
    private fun openFile(resident: RoundResidentInfo) {
        val presenter = ResidentFilePresenter(care, resident.residentId, scope)
        presenter.onEvent(ResidentFileEvent.Load)
        _state.update { it.copy(residentFile = presenter) }
    }

    fun closeFile() = _state.update { it.copy(residentFile = null, scales = null, transfer = null, wounds = null) }

    /** « Plaies » from a resident's file. */
    fun openWounds() {
        val file = _state.value.residentFile?.state?.value?.file ?: return
        val presenter = WoundsPresenter(
            woundService, file.summary.residentId, file.summary.displayName, file.summary.room, file.wounds, clock, scope,
            takePicture = camera?.let { c -> { c.capture() } },
            onRecorded = { syncBar.onEvent(SyncStatusEvent.Refresh) },
        )
        file.wounds.firstOrNull { !it.healed }?.let { presenter.onEvent(WoundsEvent.Open(it.woundId)) }
        _state.update { it.copy(wounds = presenter) }
    }

    fun closeWounds() {
        _state.update { it.copy(wounds = null) }
        _state.value.residentFile?.onEvent(ResidentFileEvent.Load)
    }

    /** « Urgences » from a resident's file. */
    fun openTransfer() {
        val file = _state.value.residentFile?.state?.value?.file ?: return
        val unit = _state.value.unit ?: return
        val presenter = TransferPresenter(
            transfers, file.summary.residentId, file.summary.displayName, file.summary.room, ZoneId.of(unit.timeZone), clock, scope,
            sharing = sharing, onRecorded = { syncBar.onEvent(SyncStatusEvent.Refresh) },
        )
        _state.update { it.copy(transfer = presenter) }
    }

    /** The vitals the transfer sheet still needs, over the sheet. */
    fun openTransferVitals() {
        val file = _state.value.residentFile?.state?.value?.file ?: return
        openVitals(file.summary.residentId, file.summary.displayName, file.summary.room)
    }

    fun closeTransfer() {
        _state.update { it.copy(transfer = null) }
        _state.value.residentFile?.onEvent(ResidentFileEvent.Load)
    }

    /** « Échelles » from the file of [residentId]. */
    fun openScales() {
        val file = _state.value.residentFile?.state?.value?.file ?: return
        val presenter = ScalesPresenter(
            scales, file.summary.residentId, file.summary.displayName, file.summary.room, clock, scope,
            onRecorded = { syncBar.onEvent(SyncStatusEvent.Refresh) },
        )
        presenter.onEvent(ScalesEvent.Load)
        _state.update { it.copy(scales = presenter) }
    }

    /** Back to the file, which reads what was recorded. */
    fun closeScales() {
        _state.update { it.copy(scales = null) }
        _state.value.residentFile?.onEvent(ResidentFileEvent.Load)
    }

    fun closeTransmission() {
        _state.update { it.copy(transmission = null) }
        _state.value.round?.onEvent(RoundEvent.Refresh)
    }

    private fun openTransmission(resident: RoundResidentInfo) {
        val presenter = TransmissionPresenter(
            care, resident.residentId, resident.displayName, resident.room, clock, scope,
            onRecorded = { syncBar.onEvent(SyncStatusEvent.Refresh) },
        )
        _state.update { it.copy(transmission = presenter) }
    }

    private fun openVitals(resident: RoundResidentInfo) = openVitals(resident.residentId, resident.displayName, resident.room)

    private fun openVitals(residentId: String, displayName: String, room: String) {
        val presenter = VitalsPresenter(
            vitalsService, residentId, displayName, room, clock, scope,
            onRecorded = { syncBar.onEvent(SyncStatusEvent.Refresh) },
        )
        _state.update { it.copy(vitals = presenter) }
    }

    /** Back from a resident's medication to the round, which reads again what was given. */
    fun closeMedication() {
        _state.update { it.copy(medication = null) }
        _state.value.round?.onEvent(RoundEvent.Refresh)
    }

    private fun openMedication(unitId: String, resident: RoundResidentInfo) {
        val presenter = MedicationPresenter(
            medication, unitId, MedicationResident(resident.residentId, resident.displayName, resident.room), clock, scope,
            openScanner = openScanner, onRecorded = { syncBar.onEvent(SyncStatusEvent.Refresh) },
        )
        presenter.onEvent(MedicationEvent.Load)
        _state.update { it.copy(medication = presenter) }
    }

    /** A fresh "who are you": nothing typed by the last person survives the hand-over. */
    private fun signInFor(): SignInPresenter {
        val presenter = SignInPresenter(sessions, clock, scope)
        presenter.onEvent(SignInEvent.Load)
        signInWatch?.cancel()
        signInWatch = scope.launch { presenter.state.first { it.signedIn != null }.signedIn?.let(::signedIn) }
        return presenter
    }

    /** The round read for whoever signed in: what it offers depends on their role. */
    private fun roundFor(session: Session?, unit: UnitInfo?): RoundPresenter? {
        if (session == null || unit == null) return null
        return RoundPresenter(
            rounds, unit.unitId, clock, scope,
            onRecorded = { syncBar.onEvent(SyncStatusEvent.Refresh) },
            onOpenMedication = { resident -> openMedication(unit.unitId, resident) },
            onOpenVitals = ::openVitals,
            onOpenTransmission = ::openTransmission,
            onOpenFile = ::openFile,
        ).also { it.onEvent(RoundEvent.Refresh) }
    }

    private fun watchIdle() {
        idleWatch?.cancel()
        idleWatch = scope.launch {
            while (true) {
                val idle = clock.nowMs() - lastActivity
                if (idle >= idleLockMs) break
                delay(minOf(idleLockMs - idle, 1_000))
            }
            lockNow()
        }
    }
}

/** The whole app: enrolment, sign-in or the round; the header and the sync bar. */
@Composable
fun ChevetApp(shell: ShellPresenter) {
    val state by shell.state.collectAsState()
    val bar by shell.syncBar.state.collectAsState()
    ChevetTheme {
        val session = state.session
        val unit = state.unit
        val round = state.round
        val signIn = state.signIn
        val zone = ZoneId.of(unit?.timeZone ?: "Europe/Paris")
        when {
            state.enrolled == null -> Column(Modifier.fillMaxSize().padding(32.dp)) {
                Text("Chargement…", style = MaterialTheme.typography.bodyLarge)
            }
            state.enrolled == false -> {
                val e by shell.enrolmentScreen.state.collectAsState()
                LaunchedEffect(e.step) { if (e.step == EnrolmentStep.Done) shell.enrolled() }
                EnrolmentView(e, shell.enrolmentScreen::onEvent)
            }
            session == null && signIn != null -> Column(Modifier.fillMaxSize()) {
                SyncStatusBar(bar, zone, shell.syncBar::onEvent)
                val s by signIn.state.collectAsState()
                SignInView(s, signIn::onEvent)
            }
            session == null || unit == null || round == null -> Column(Modifier.fillMaxSize()) {
                SyncStatusBar(bar, zone, shell.syncBar::onEvent)
                Text(
                    modifier = Modifier.padding(32.dp),
                    text = if (state.noUnit) "Cette tablette ne sert encore aucune unité : synchronisez-la avec l'établissement." else "Chargement…",
                    style = MaterialTheme.typography.bodyLarge,
                )
            }
            else -> Column(Modifier.fillMaxSize()) {
                Header(session, unit, onSwitch = shell::lock, onHandover = shell::openHandover, onRoute = shell::openRoute)
                SyncStatusBar(bar, zone, shell.syncBar::onEvent)
                val medication = state.medication
                val handover = state.handover
                val vitals = state.vitals
                val transmission = state.transmission
                val file = state.residentFile
                val scales = state.scales
                val transfer = state.transfer
                val wounds = state.wounds
                val route = state.route
                if (vitals != null) {
                    // First: opened from the round, or over a transfer sheet that needs them.
                    val v by vitals.state.collectAsState()
                    VitalsView(v, vitals::onEvent, onBack = shell::closeVitals)
                } else if (route != null) {
                    val r by route.state.collectAsState()
                    RouteView(r, zone, route::onEvent, onBack = shell::closeRoute)
                } else if (wounds != null) {
                    val w by wounds.state.collectAsState()
                    WoundsView(w, zone, shell.photoDecoder, wounds::onEvent, onBack = shell::closeWounds, camera = shell.camera)
                } else if (transfer != null) {
                    val t by transfer.state.collectAsState()
                    TransferView(t, transfer::onEvent, onBack = shell::closeTransfer, onTakeVitals = shell::openTransferVitals)
                } else if (scales != null) {
                    val s by scales.state.collectAsState()
                    ScalesView(s, scales::onEvent, onBack = shell::closeScales)
                } else if (file != null) {
                    val f by file.state.collectAsState()
                    ResidentFileView(f, zone, file::onEvent, onBack = shell::closeFile, onOpenScales = shell::openScales, onOpenTransfer = shell::openTransfer, onOpenWounds = shell::openWounds)
                } else if (transmission != null) {
                    val t by transmission.state.collectAsState()
                    TransmissionView(t, transmission::onEvent, onBack = shell::closeTransmission)
                } else if (handover != null) {
                    val h by handover.state.collectAsState()
                    HandoverView(h, zone, handover::onEvent, onBack = shell::closeHandover)
                } else if (medication != null) {
                    val m by medication.state.collectAsState()
                    MedicationView(m, zone, medication::onEvent, onBack = shell::closeMedication)
                } else {
                    val r by round.state.collectAsState()
                    RoundView(r, zone, round::onEvent)
                }
            }
        }
    }
}

@Composable
private fun Header(session: Session, unit: UnitInfo, onSwitch: () -> Unit, onHandover: () -> Unit, onRoute: () -> Unit) {
    Row(
        Modifier.fillMaxWidth().background(MaterialTheme.colorScheme.primary).padding(horizontal = 16.dp, vertical = 8.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Text(
            "${unit.name} · ${session.displayName} (${session.role})",
            color = MaterialTheme.colorScheme.onPrimary,
            style = MaterialTheme.typography.titleMedium,
            modifier = Modifier.weight(1f),
        )
        if (unit.homeCare) {
            OutlinedButton(onClick = onRoute, modifier = Modifier.heightIn(min = MinTouchTarget).padding(end = 12.dp)) {
                Text("Domicile", color = MaterialTheme.colorScheme.onPrimary, style = MaterialTheme.typography.labelLarge)
            }
        }
        OutlinedButton(onClick = onHandover, modifier = Modifier.heightIn(min = MinTouchTarget).padding(end = 12.dp)) {
            Text("Relève", color = MaterialTheme.colorScheme.onPrimary, style = MaterialTheme.typography.labelLarge)
        }
        OutlinedButton(onClick = onSwitch, modifier = Modifier.heightIn(min = MinTouchTarget)) {
            Text("Changer d'utilisateur", color = MaterialTheme.colorScheme.onPrimary, style = MaterialTheme.typography.labelLarge)
        }
    }
}
