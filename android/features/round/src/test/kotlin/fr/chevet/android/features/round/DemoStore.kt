package fr.chevet.android.features.round

import fr.chevet.core.ChevetStore
import fr.chevet.core.DemoInfo
import fr.chevet.core.CareActKind
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.PlannedActEntry
import fr.chevet.core.Repeat
import fr.chevet.core.RoundWindow
import java.io.File
import java.time.Instant
import java.time.ZoneId

/** A real store with the demo EHPAD, the nurse signed in. */
fun demoStore(dir: File, residents: Int = 6): Pair<ChevetStore, DemoInfo> {
    val store = ChevetStore.open(dir.resolve("chevet.db").path, InMemoryKeyVault())
    val demo = store.seedDemo(1u, residents.toUInt(), 0u)
    store.sessions().signIn(demo.nurseId, demo.pin)
    planRound(store, demo.residentIds)
    return store to demo
}

/**
 * Plans a daily act for [residentId] due [minutesFromNow] from now (late
 * when 60 to 240 minutes ago) and returns its label: the demo's own care
 * plans start today, so at half past midnight the round would be empty.
 */
fun planActAt(store: ChevetStore, residentId: String, label: String, minutesFromNow: Long): String {
    val due = Instant.now().plusSeconds(minutesFromNow * 60).atZone(ZoneId.of("Europe/Paris"))
    store.carePlan().planAct(
        PlannedActEntry(
            residentId, CareActKind.MOBILISATION, label, listOf("%02d:%02d".format(due.hour, due.minute)),
            Repeat.Daily, due.toLocalDate().toString(), null,
        ),
    )
    return label
}

/** An act due 90 minutes ago: late, not yet missed. */
fun planLateAct(store: ChevetStore, residentId: String, label: String = "Lever au fauteuil"): String =
    planActAt(store, residentId, label, -90)

/** For every resident, an act late and one due within the hour, whatever the time of day. */
fun planRound(store: ChevetStore, residentIds: List<String>) {
    for (id in residentIds) {
        planLateAct(store, id)
        planActAt(store, id, "Hydratation", 60)
    }
}

/** A day back and two hours ahead: whatever the hour, the demo's care plans have acts in it. */
val dayBack = RoundWindow(24u, 2u)
