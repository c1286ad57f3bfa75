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
import androidx.compose.runtime.remember
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import fr.chevet.android.chevet.Clock
import fr.chevet.android.chevet.EnrolmentService
import fr.chevet.android.chevet.RoundService
import fr.chevet.android.chevet.SessionService
import fr.chevet.android.chevet.SyncService
import fr.chevet.android.designsystem.ChevetTheme
import fr.chevet.android.designsystem.MinTouchTarget
import fr.chevet.android.features.enrolment.EnrolmentPresenter
import fr.chevet.android.features.enrolment.EnrolmentStep
import fr.chevet.android.features.enrolment.EnrolmentView
import fr.chevet.android.features.round.RoundEvent
import fr.chevet.android.features.round.RoundPresenter
import fr.chevet.android.features.round.RoundView
import fr.chevet.android.features.signin.SignInEvent
import fr.chevet.android.features.signin.SignInPresenter
import fr.chevet.android.features.signin.SignInView
import fr.chevet.android.features.syncstatus.SyncStatusBar
import fr.chevet.android.features.syncstatus.SyncStatusEvent
import fr.chevet.android.features.syncstatus.SyncStatusPresenter
import fr.chevet.core.Session
import fr.chevet.core.UnitInfo
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
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
)

/**
 * The tablet between people: signed in shows the round of its unit; the
 * quick switch and the idle lock lock the core's session and go back to
 * "who are you". The lock is the core's; this follows it.
 */
class ShellPresenter(
    private val sessions: SessionService,
    private val rounds: RoundService,
    private val enrolment: EnrolmentService,
    private val clock: Clock,
    private val scope: CoroutineScope,
    /** Locked after this long without a touch (a shared tablet on a trolley). */
    val idleLockMs: Long = 2 * 60_000,
) {
    private val _state = MutableStateFlow(ShellState())
    val state: StateFlow<ShellState> = _state.asStateFlow()
    private var lastActivity = clock.nowMs()
    private var idleWatch: Job? = null

    fun start() {
        scope.launch {
            // An unreadable status is treated as enrolled: the sync bar then says what is wrong.
            val enrolled = enrolment.enrolled().getOrDefault(true)
            val session = sessions.currentSession().getOrNull()
            val unit = rounds.units().getOrNull()?.firstOrNull()
            _state.update { ShellState(enrolled = enrolled, session = session, unit = unit, noUnit = unit == null) }
            if (session != null) watchIdle()
        }
    }

    /** The tablet joined its establishment and pulled it: on to "who are you". */
    fun enrolled() = start()

    fun signedIn(session: Session) {
        lastActivity = clock.nowMs()
        _state.update { it.copy(session = session) }
        watchIdle()
    }

    /** A touch anywhere: the idle lock starts over. */
    fun userActivity() {
        lastActivity = clock.nowMs()
    }

    /** "Changer d'utilisateur", or the idle lock. */
    fun lock() {
        idleWatch?.cancel()
        scope.launch {
            sessions.lock()
            _state.update { it.copy(session = null) }
        }
    }

    private fun watchIdle() {
        idleWatch?.cancel()
        idleWatch = scope.launch {
            while (true) {
                val idle = clock.nowMs() - lastActivity
                if (idle >= idleLockMs) break
                delay(minOf(idleLockMs - idle, 1_000))
            }
            sessions.lock()
            _state.update { it.copy(session = null) }
        }
    }
}

/** The whole app: sign-in or the round, the header with who is signed in. */
@Composable
fun ChevetApp(
    shell: ShellPresenter,
    sessions: SessionService,
    rounds: RoundService,
    enrolment: EnrolmentService,
    sync: SyncService,
    clock: Clock,
    scope: CoroutineScope,
    /** The app's camera scanner for the enrolment QR code, where the tablet has one. */
    openScanner: ((onText: (String) -> Unit) -> Unit)? = null,
) {
    val state by shell.state.collectAsState()
    val syncBar = remember { SyncStatusPresenter(sync, clock, scope) }
    val bar by syncBar.state.collectAsState()
    ChevetTheme {
        val session = state.session
        val unit = state.unit
        val zone = ZoneId.of(unit?.timeZone ?: "Europe/Paris")
        when {
            state.enrolled == null -> Column(Modifier.fillMaxSize().padding(32.dp)) {
                Text("Chargement…", style = MaterialTheme.typography.bodyLarge)
            }
            state.enrolled == false -> {
                val enrol = remember {
                    lateinit var p: EnrolmentPresenter
                    p = EnrolmentPresenter(
                        enrolment, sync, scope,
                        openScanner?.let { open -> { open { text -> p.onEvent(fr.chevet.android.features.enrolment.EnrolmentEvent.QrScanned(text)) } } },
                    )
                    p
                }
                val e by enrol.state.collectAsState()
                LaunchedEffect(e.step) { if (e.step == EnrolmentStep.Done) shell.enrolled() }
                EnrolmentView(e, enrol::onEvent)
            }
            session == null -> Column(Modifier.fillMaxSize()) {
                LaunchedEffect(syncBar) { syncBar.start() }
                SyncStatusBar(bar, zone, syncBar::onEvent)
                val signIn = remember(state.session) { SignInPresenter(sessions, clock, scope) }
                val s by signIn.state.collectAsState()
                LaunchedEffect(signIn) { signIn.onEvent(SignInEvent.Load) }
                LaunchedEffect(s.signedIn) { s.signedIn?.let(shell::signedIn) }
                SignInView(s, signIn::onEvent)
            }
            unit == null -> Column(Modifier.fillMaxSize()) {
                LaunchedEffect(syncBar) { syncBar.start() }
                SyncStatusBar(bar, zone, syncBar::onEvent)
                Text(
                    modifier = Modifier.padding(32.dp),
                    text = if (state.noUnit) "Cette tablette ne sert encore aucune unité : synchronisez-la avec l'établissement." else "Chargement…",
                    style = MaterialTheme.typography.bodyLarge,
                )
            }
            else -> Column(Modifier.fillMaxSize()) {
                LaunchedEffect(syncBar) { syncBar.start() }
                Header(session, unit, onSwitch = shell::lock)
                SyncStatusBar(bar, zone, syncBar::onEvent)
                val round = remember(unit.unitId, session.staffId) {
                    RoundPresenter(rounds, unit.unitId, clock, scope, onRecorded = { syncBar.onEvent(SyncStatusEvent.Refresh) })
                }
                val r by round.state.collectAsState()
                LaunchedEffect(round) { round.onEvent(RoundEvent.Refresh) }
                RoundView(r, zone, round::onEvent)
            }
        }
    }
}

@Composable
private fun Header(session: Session, unit: UnitInfo, onSwitch: () -> Unit) {
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
        OutlinedButton(onClick = onSwitch, modifier = Modifier.heightIn(min = MinTouchTarget)) {
            Text("Changer d'utilisateur", color = MaterialTheme.colorScheme.onPrimary, style = MaterialTheme.typography.labelLarge)
        }
    }
}
