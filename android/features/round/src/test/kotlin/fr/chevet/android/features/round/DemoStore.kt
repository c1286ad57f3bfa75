package fr.chevet.android.features.round

import fr.chevet.core.ChevetStore
import fr.chevet.core.DemoInfo
import fr.chevet.core.CareActKind
import fr.chevet.core.InMemoryKeyVault
import fr.chevet.core.PlannedActEntry
import fr.chevet.core.Repeat
import java.io.File
import java.time.Instant
import java.time.ZoneId

/** A real store with the demo EHPAD, the nurse signed in. */
fun demoStore(dir: File, residents: Int = 6): Pair<ChevetStore, DemoInfo> {
    val store = ChevetStore.open(dir.resolve("chevet.db").path, InMemoryKeyVault())
    val demo = store.seedDemo(1u, residents.toUInt(), 0u)
    store.signIn(demo.nurseId, demo.pin)
    return store to demo
}

/** Plans a daily act for [residentId] due 90 minutes ago (late, not yet missed) and returns its label. */
fun planLateAct(store: ChevetStore, residentId: String, label: String = "Lever au fauteuil"): String {
    val due = Instant.now().minusSeconds(90 * 60).atZone(ZoneId.of("Europe/Paris"))
    store.planAct(
        PlannedActEntry(
            residentId, CareActKind.MOBILISATION, label, listOf("%02d:%02d".format(due.hour, due.minute)),
            Repeat.Daily, due.toLocalDate().toString(), null,
        ),
    )
    return label
}
