package fr.chevet.core.service

import fr.chevet.core.ActResult
import fr.chevet.core.ChevetException
import fr.chevet.core.ChevetStore
import fr.chevet.core.Rendition
import fr.chevet.core.ResidentFileInfo
import fr.chevet.core.ResidentSummaryInfo
import fr.chevet.core.RoundInfo
import fr.chevet.core.RoundResidentInfo
import fr.chevet.core.ScaleEntry
import fr.chevet.core.ScaleOutcome
import fr.chevet.core.Session
import fr.chevet.core.StaffAccountInfo
import fr.chevet.core.TransmissionEntry
import fr.chevet.core.WoundFollowUpInfo
import fr.chevet.core.SyncCancel
import fr.chevet.core.SyncObserver
import fr.chevet.core.SyncPhase
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
    data class Progress(val phase: SyncPhase, val pushed: Int, val toPush: Int, val pulled: Int) : SyncState
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

    /** Who may sign in on this tablet, and how (PIN, or first PIN with the establishment's code). */
    suspend fun staffAccounts(): Result<List<StaffAccountInfo>> = call { store.staffAccounts() }

    suspend fun signIn(staffId: String, pin: String): Result<Session> = call { store.signIn(staffId, pin) }

    suspend fun setFirstPin(staffId: String, code: String, newPin: String): Result<Session> =
        call { store.setFirstPin(staffId, code, newPin) }

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
        comment: String? = null,
        atMs: Long,
    ): Result<String> = call { store.recordAct(residentId, plannedActId, occurrenceMs, result, comment, atMs) }

    suspend fun recordTransmission(entry: TransmissionEntry, atMs: Long): Result<String> =
        call { store.recordTransmission(entry, atMs) }

    suspend fun recordScale(residentId: String, entry: ScaleEntry, atMs: Long): Result<ScaleOutcome> =
        call { store.recordScale(residentId, entry, atMs) }

    suspend fun correct(recordId: String, reason: String): Result<String> = call { store.correctRecord(recordId, reason) }

    suspend fun search(query: String): Result<List<ResidentSummaryInfo>> = call { store.searchResidents(query) }

    suspend fun residentFile(residentId: String): Result<ResidentFileInfo> = call { store.residentFile(residentId) }

    suspend fun woundFollowUp(woundId: String): Result<WoundFollowUpInfo> = call { store.woundFollowUp(woundId) }

    suspend fun thumbnail(photoId: String): Result<ByteArray> = call { store.photoImage(photoId, Rendition.THUMBNAIL) }

    /** Runs one sync; collecting starts it, cancelling the collection cancels it. */
    fun sync(): Flow<SyncState> = callbackFlow {
        val cancel = SyncCancel()
        val observer = object : SyncObserver {
            override fun onProgress(phase: SyncPhase, pushed: UInt, toPush: UInt, pulled: UInt) {
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
