package fr.chevet.android.features.shell

import androidx.compose.ui.ImageComposeScene
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.input.pointer.PointerEventType
import androidx.compose.ui.unit.Density
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
import fr.chevet.android.chevet.SessionService
import fr.chevet.android.features.round.ActRef
import fr.chevet.android.features.round.RoundState
import fr.chevet.android.features.signin.SignInEvent
import fr.chevet.core.ChevetStore
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.RoundStatus
import fr.chevet.core.Session
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.junit.Rule
import org.junit.Test
import org.junit.rules.TemporaryFolder
import fr.chevet.android.testing.NativeMemory

/**
 * The app's figures on the desktop JVM, the whole app (shell, presenters,
 * Compose, the real core) over an 80-resident unit with a year of history,
 * drawn headless by Skia on the CPU at 1280×800 — a tablet draws on its GPU.
 * Run by scripts/bench-android (release library); excluded from the test
 * run. Prints the figures; asserts no timing.
 */
class AppBenchmark {
    @get:Rule
    val dir = TemporaryFolder()

    /** When the core last accepted a PIN: "PIN accepted" is that moment. */
    private class TimedSessions(private val inner: SessionService) : SessionService by inner {
        @Volatile var acceptedAtNs = 0L

        override suspend fun signIn(staffId: String, pin: String): Result<Session> =
            inner.signIn(staffId, pin).onSuccess { acceptedAtNs = System.nanoTime() }
    }

    private fun ms(ns: Long) = ns / 1e6

    private fun summary(ns: List<Long>): String {
        val s = ns.sorted()
        return "median %.1f ms, p95 %.1f ms, max %.1f ms (n = %d)".format(ms(s[s.size / 2]), ms(s[(s.size * 95 / 100).coerceAtMost(s.size - 1)]), ms(s.last()), s.size)
    }

    @Test
    fun `PIN to the round, an act validated, the round scrolled, the memory`() {
        val store = ChevetStore.open(dir.root.resolve("bench.db").path, InMemoryKeyVault())
        val seeding = System.nanoTime()
        val demo = store.seedDemo(1u, 80u, 365u)
        println("seeded 80 residents x 365 days in %.0f ms".format(ms(System.nanoTime() - seeding)))
        store.sessions().lock()
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val sessions = TimedSessions(RustSessionService(store, Dispatchers.IO))
        val shell = ShellPresenter(
            sessions, RustRoundService(store, Dispatchers.IO), RustEnrolmentService(store, Dispatchers.IO),
            RustSyncService(store, Dispatchers.IO), RustMedicationService(store, Dispatchers.IO), RustHandoverService(store, Dispatchers.IO), RustVitalsService(store, Dispatchers.IO), RustCareRecordService(store, Dispatchers.IO), RustScaleService(store, Dispatchers.IO), RustTransferService(store, Dispatchers.IO), RustWoundService(store, Dispatchers.IO), RustRouteService(store, Dispatchers.IO), Clock.System, scope,
            idleLockMs = 3_600_000,
        )
        val scene = ImageComposeScene(1280, 800, Density(1f)) { ChevetApp(shell) }
        var frameTime = 0L
        fun frame(): Long {
            val t = System.nanoTime()
            scene.render(frameTime)
            frameTime += 16_666_667
            return System.nanoTime() - t
        }
        fun renderUntil(done: () -> Boolean) {
            val deadline = System.nanoTime() + 30_000_000_000
            while (true) {
                val ready = done()
                frame()
                if (ready) return
                check(System.nanoTime() < deadline) { "the screen never got there" }
            }
        }
        fun round(): RoundState? = shell.state.value.round?.state?.value

        try {
            shell.start()
            // PIN accepted → the round's first frame, ten hand-overs (the first with a cold JIT).
            val toRound = mutableListOf<Long>()
            repeat(11) { i ->
                renderUntil { shell.state.value.signIn?.state?.value?.accounts?.isNotEmpty() == true }
                val signIn = shell.state.value.signIn!!
                signIn.onEvent(SignInEvent.Choose(demo.nurseId))
                for (d in demo.pin) signIn.onEvent(SignInEvent.Digit(d - '0'))
                renderUntil { true }
                sessions.acceptedAtNs = 0
                signIn.onEvent(SignInEvent.Submit)
                while (sessions.acceptedAtNs == 0L) Thread.onSpinWait()
                renderUntil { round()?.loading == false }
                val took = System.nanoTime() - sessions.acceptedAtNs
                if (i == 0) println("PIN accepted to the round's first frame, cold: %.1f ms".format(ms(took))) else toRound += took
                if (i < 10) shell.lock()
            }
            println("PIN accepted to the round's first frame: ${summary(toRound)}")
            val loaded = round()!!
            println("round on screen: ${loaded.residents.size} residents, ${loaded.residents.sumOf { it.items.size }} acts")

            // Memory with the round open.
            val native = NativeMemory.mallocInUseKb()
            val rt = Runtime.getRuntime()
            println(
                "memory with the round open: JVM heap used %.1f MB, native (malloc, the core and Skia) %.1f MB, process RSS %.0f MB (a desktop JVM's own reservations included)"
                    .format((rt.totalMemory() - rt.freeMemory()) / 1e6, native / 1024.0, NativeMemory.rssKb() / 1024.0),
            )

            // What a validation costs below the screen, for the record.
            val unit = demo.unitIds.first()
            fun timed(what: String, block: () -> Unit) {
                val ns = List(20) { val t = System.nanoTime(); block(); System.nanoTime() - t }
                println("  $what: ${summary(ns)}")
            }
            val now = System.currentTimeMillis()
            val roundScreen = store.rounds().roundScreen(unit, fr.chevet.core.standardRoundWindow())
            timed("core round view from Kotlin") { roundScreen.load(now) }
            timed("core sync status from Kotlin") { store.hub().syncStatus() }

            // "Fait" → the row redrawn with its new status, twenty acts.
            val validate = mutableListOf<Long>()
            repeat(20) {
                val state = round()!!
                val (r, item) = state.residents.firstNotNullOf { r -> r.items.firstOrNull { it.open && it.mayRecord }?.let { r to it } }
                val act = ActRef(r.residentId, r.displayName, item.plannedActId, item.dueAtMs, item.label)
                val t = System.nanoTime()
                shell.state.value.round!!.onEvent(fr.chevet.android.features.round.RoundEvent.Validate(act))
                renderUntil {
                    round()?.let { s ->
                        s.saving == null && s.residents.first { it.residentId == act.residentId }.items
                            .first { it.plannedActId == act.plannedActId && it.dueAtMs == act.dueAtMs }.status == RoundStatus.DONE
                    } == true
                }
                validate += System.nanoTime() - t
            }
            println("act validated to the row redrawn: ${summary(validate)}")

            // The whole round scrolled with the wheel, a frame per step, to its end:
            // once down and up to warm the JIT (Android ships AOT-compiled
            // baseline profiles), then measured on the way down.
            fun scroll(delta: Float, steps: Int) = repeat(steps) {
                scene.sendPointerEvent(PointerEventType.Scroll, Offset(640f, 600f), scrollDelta = Offset(0f, delta))
                frame()
            }
            // The warm-up pass finds the end (the picture stops changing); the
            // measured pass reads no pixels, so it makes no garbage of its own.
            var toEnd = 0
            var still = 0
            var last: Int? = null
            while (still < 5 && toEnd < 5_000) {
                scene.sendPointerEvent(PointerEventType.Scroll, Offset(640f, 600f), scrollDelta = Offset(0f, 1f))
                val image = scene.render(frameTime)
                frameTime += 16_666_667
                val sig = image.peekPixels()?.let { p -> java.util.Arrays.hashCode(p.buffer.bytes) } ?: toEnd
                still = if (sig == last) still + 1 else 0
                last = sig
                toEnd++
            }
            toEnd -= still
            scroll(-1f, toEnd + 50)
            scroll(1f, toEnd)
            scroll(-1f, toEnd + 50)
            repeat(3) { System.gc() }
            val frames = List(toEnd) {
                scene.sendPointerEvent(PointerEventType.Scroll, Offset(640f, 600f), scrollDelta = Offset(0f, 1f))
                frame()
            }
            val over = frames.count { it > 16_000_000 }
            println("scrolling the whole round: ${frames.size} frames, ${summary(frames)}, $over over 16 ms")

            // A resident's file from the tap on their name to the first frame
            // with its charts drawn; each resident has a year of history.
            val residents = round()!!.residents
            val opened = mutableListOf<Long>()
            repeat(21) { i ->
                val r = residents[(i * 7) % residents.size]
                val t = System.nanoTime()
                shell.state.value.round!!.onEvent(fr.chevet.android.features.round.RoundEvent.OpenFile(r.residentId))
                renderUntil { shell.state.value.residentFile?.state?.value?.loading == false }
                val took = System.nanoTime() - t
                if (i == 0) {
                    val f = shell.state.value.residentFile!!.state.value.file!!
                    val oldest = store.residents().timeline(r.residentId, null, 500u).size
                    println(
                        "resident file: ${f.charts.sumOf { it.points.size }} points on ${f.charts.size} charts, " +
                            "${f.timeline.size} timeline lines shown (${oldest}+ in the record); cold %.1f ms".format(ms(took)),
                    )
                } else {
                    opened += took
                }
                shell.closeFile()
                frame()
            }
            println("resident file opened to its first frame (a year of history, charts drawn): ${summary(opened)}")
            timed("core resident file from Kotlin") { store.residents().residentFile(residents.first().residentId) }
        } finally {
            scene.close()
            scope.cancel()
            store.close()
        }
    }
}
