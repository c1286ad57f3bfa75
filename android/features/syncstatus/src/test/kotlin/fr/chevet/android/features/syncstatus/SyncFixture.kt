package fr.chevet.android.features.syncstatus

import fr.chevet.android.chevet.SyncState
import fr.chevet.core.SyncFailure
import fr.chevet.core.SyncHealth
import fr.chevet.core.SyncPhase
import fr.chevet.core.SyncStatusInfo
import java.time.LocalDateTime
import java.time.ZoneId

/** Fixed statuses for the words and the screenshots: the same on every run. */
object SyncFixture {
    val zone: ZoneId = ZoneId.of("Europe/Paris")
    val now: Long = LocalDateTime.of(2026, 12, 3, 16, 5).atZone(zone).toInstant().toEpochMilli()
    private val lastSync: Long = LocalDateTime.of(2026, 12, 3, 14, 32).atZone(zone).toInstant().toEpochMilli()

    fun state(
        health: SyncHealth,
        pending: Int = 0,
        conflicts: Int = 0,
        rejected: Int = 0,
        lastSyncDaysAgo: Long = 0,
        failure: SyncFailure? = null,
        running: SyncState.Progress? = null,
    ): SyncStatusState {
        val success = if (health == SyncHealth.NEVER_SYNCED || health == SyncHealth.DEMO) null else lastSync - lastSyncDaysAgo * 86_400_000
        val failed = when (health) {
            SyncHealth.OFFLINE -> SyncFailure.UNREACHABLE
            SyncHealth.FAILING -> failure ?: SyncFailure.FAILED
            else -> null
        }
        return SyncStatusState(
            status = SyncStatusInfo(
                health, pending.toULong(), conflicts.toULong(), rejected.toULong(), success,
                failed?.let { now - 60_000 }, failed, null,
            ),
            readAtMs = now,
            running = running,
        )
    }

    val syncing = state(SyncHealth.PENDING, pending = 120, running = SyncState.Progress(SyncPhase.PUSHING, 40, 120, 0))
}
