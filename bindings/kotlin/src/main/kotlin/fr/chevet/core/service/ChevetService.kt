package fr.chevet.core.service

import fr.chevet.core.ActResult
import fr.chevet.core.ChevetException
import fr.chevet.core.ChevetStore
import fr.chevet.core.RoundInfo
import fr.chevet.core.RoundResidentInfo
import fr.chevet.core.Session
import fr.chevet.core.SyncCancel
import fr.chevet.core.SyncObserver
import fr.chevet.core.SyncResult
import fr.chevet.core.VitalKind
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** Where a sync stands, as the UI observes it. */
sealed interface SyncState {
    data class Progress(val phase: String, val pushed: Int, val toPush: Int, val pulled: Int) : SyncState
    data class Done(val result: SyncResult) : SyncState
    data class Failed(val error: ChevetException) : SyncState
}

/**
 * The core as the app's view models use it: every call on the injected IO
 * dispatcher (never the main thread), results as [Result] carrying a
 * [ChevetException], the sync as a [Flow] whose cancellation cancels it.
 */
class ChevetService(private val store: ChevetStore, private val io: CoroutineDispatcher) {

    private suspend fun <T> call(block: () -> T): Result<T> = withContext(io) {
        try {
            Result.success(block())
        } catch (e: ChevetException) {
            Result.failure(e)
        }
    }

    suspend fun signIn(staffId: String, pin: String): Result<Session> = call { store.signIn(staffId, pin) }

    suspend fun lock(): Result<Unit> = call { store.lock() }

    suspend fun round(unitId: String, fromMs: Long, toMs: Long): Result<RoundInfo> =
        call { store.roundView(unitId, fromMs, toMs) }

    suspend fun alerts(unitId: String): Result<List<RoundResidentInfo>> = call { store.unitAlerts(unitId) }

    suspend fun recordVital(residentId: String, kind: VitalKind, value: Double, atMs: Long): Result<String> =
        call { store.recordVital(residentId, kind, value, atMs) }

    suspend fun recordAct(
        residentId: String,
        plannedActId: String?,
        occurrenceMs: Long?,
        result: ActResult,
        atMs: Long,
    ): Result<String> = call { store.recordAct(residentId, plannedActId, occurrenceMs, result, atMs) }

    /** Runs one sync; collecting starts it, cancelling the collection cancels it. */
    fun sync(): Flow<SyncState> = callbackFlow {
        val cancel = SyncCancel()
        val observer = object : SyncObserver {
            override fun onProgress(phase: String, pushed: UInt, toPush: UInt, pulled: UInt) {
                trySend(SyncState.Progress(phase, pushed.toInt(), toPush.toInt(), pulled.toInt()))
            }
        }
        launch(io) {
            try {
                send(SyncState.Done(store.sync(observer, cancel)))
            } catch (e: ChevetException) {
                send(SyncState.Failed(e))
            } finally {
                close()
            }
        }
        awaitClose { cancel.cancel() }
    }
}
