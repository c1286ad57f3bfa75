package fr.chevet.android.app

import android.content.Context
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.OutOfQuotaPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import fr.chevet.android.chevet.SyncState
import fr.chevet.core.ChevetException
import kotlinx.coroutines.flow.last
import java.util.concurrent.TimeUnit

/**
 * Syncs the tablet with the hub in the background: every 15 minutes when a
 * network is there, and at once for "synchroniser maintenant". The core
 * retries within a sync; WorkManager backs off between syncs.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as ChevetApplication
        return when (val last = app.sync.sync().last()) {
            is SyncState.Done -> Result.success()
            is SyncState.Failed -> when (last.error) {
                // Worth another try later: the network, the hub, another sync running.
                is ChevetException.HubUnreachable, is ChevetException.SyncInProgress,
                is ChevetException.SyncCancelled -> Result.retry()
                is ChevetException.HubRefused -> if ((last.error as ChevetException.HubRefused).status.toInt() >= 500) Result.retry() else Result.failure()
                else -> Result.failure()
            }
            is SyncState.Progress -> Result.retry()
        }
    }

    companion object {
        private const val PERIODIC = "chevet-sync"
        private const val NOW = "chevet-sync-now"
        private val online = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(15, TimeUnit.MINUTES)
                .setConstraints(online)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, request)
        }

        /** "Synchroniser maintenant": expedited, still waiting for a network. */
        fun syncNow(context: Context) {
            val request = OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(online)
                .setExpedited(OutOfQuotaPolicy.RUN_AS_NON_EXPEDITED_WORK_REQUEST)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 10, TimeUnit.SECONDS)
                .build()
            WorkManager.getInstance(context).enqueueUniqueWork(NOW, ExistingWorkPolicy.KEEP, request)
        }
    }
}
