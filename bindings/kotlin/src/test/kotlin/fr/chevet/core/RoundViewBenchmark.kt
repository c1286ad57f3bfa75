package fr.chevet.core

import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path

/**
 * The round view of an 80-resident unit with a year of history, called
 * from Kotlin and, in the same run on the same store, timed inside Rust.
 * Run by scripts/bench-kotlin (release library with the `bench` feature);
 * excluded from the test run. Prints the figures; asserts no timing.
 */
class RoundViewBenchmark {
    @TempDir
    lateinit var dir: Path

    @Test
    fun `round view from Kotlin against the same call in Rust`() {
        ChevetStore.open(dir.resolve("bench.db").toString(), InMemoryKeyVault()).use { store ->
            val started = System.nanoTime()
            val demo = store.seedDemo(1u, 80u, 365u)
            println("seeded 80 residents x 365 days in ${(System.nanoTime() - started) / 1_000_000} ms")
            store.sessions().signIn(demo.nurseId, demo.pin)
            val unit = demo.unitIds.first()
            val now = System.currentTimeMillis()
            val (from, to) = now - 3 * 3_600_000L to now + 3 * 3_600_000L
            repeat(50) { store.rounds().roundView(unit, from, to) } // JIT warm-up
            for (round in 1..3) {
                val times = LongArray(200) {
                    val t = System.nanoTime()
                    val view = store.rounds().roundView(unit, from, to)
                    check(view.residents.size == 80)
                    System.nanoTime() - t
                }
                times.sort()
                val kotlin = times[times.size / 2]
                val rust = store.benchRoundViewInRust(unit, from, to, 200u).toLong()
                println(
                    "round $round: Kotlin median %.2f ms (p95 %.2f), Rust median %.2f ms, ratio %.2f".format(
                        kotlin / 1e6, times[times.size * 95 / 100] / 1e6, rust / 1e6, kotlin.toDouble() / rust,
                    ),
                )
            }
        }
    }
}
