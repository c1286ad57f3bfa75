package fr.chevet.android.chevet

import fr.chevet.core.ActResult
import fr.chevet.core.Closing
import fr.chevet.core.AdministrationResult
import fr.chevet.core.MedicationDueInfo
import fr.chevet.core.MedicineBoxInfo
import fr.chevet.core.ChevetException
import fr.chevet.core.ChevetStore
import fr.chevet.core.EnrolmentLinkInfo
import fr.chevet.core.FormKind
import fr.chevet.core.HandoverInfo
import fr.chevet.core.RouteLineInfo
import fr.chevet.core.RouteInfo
import fr.chevet.core.StampBy
import fr.chevet.core.VisitMoment
import fr.chevet.core.SyncHealth
import fr.chevet.core.Rendition
import fr.chevet.core.ResidentFileInfo
import fr.chevet.core.ResidentSummaryInfo
import fr.chevet.core.RoundFilter
import fr.chevet.core.RoundScreen
import fr.chevet.core.RoundShown
import fr.chevet.core.RoundWindow
import fr.chevet.core.RoundResidentInfo
import fr.chevet.core.ScaleEntry
import fr.chevet.core.ScaleFormInfo
import fr.chevet.core.ScaleFormOutcome
import fr.chevet.core.ScaleFormPreviewInfo
import fr.chevet.core.ScaleOutcome
import fr.chevet.core.Session
import fr.chevet.core.StaffAccountInfo
import fr.chevet.core.SyncCancel
import fr.chevet.core.SyncObserver
import fr.chevet.core.SyncPhase
import fr.chevet.core.SyncStatusInfo
import fr.chevet.core.TimelineItemInfo
import fr.chevet.core.TransferDocumentsInfo
import fr.chevet.core.TransferEntry
import fr.chevet.core.TransmissionEntry
import fr.chevet.core.UnitInfo
import fr.chevet.core.VitalKind
import fr.chevet.core.VitalSetEntry
import fr.chevet.core.VitalSetPreviewInfo
import fr.chevet.core.WoundFollowUpInfo
import fr.chevet.core.WoundAssessmentEntry
import fr.chevet.core.WoundKind
import fr.chevet.core.WoundKindInfo
import fr.chevet.core.WoundPreviewInfo
import fr.chevet.core.PhotoCaptureInfo
import fr.chevet.core.PhotoInfo
import fr.chevet.core.previewWoundAssessment
import fr.chevet.core.woundKinds
import fr.chevet.core.parseEnrolmentLink
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.channels.awaitClose
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.callbackFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** Runs a blocking core call on [io] (never the main thread), its ChevetException as a failure. */
internal suspend fun <T> onIo(io: CoroutineDispatcher, block: () -> T): Result<T> = withContext(io) {
    try {
        Result.success(block())
    } catch (e: ChevetException) {
        Result.failure(e)
    }
}

class RustSessionService(private val store: ChevetStore, private val io: CoroutineDispatcher) : SessionService {
    override suspend fun staffAccounts(): Result<List<StaffAccountInfo>> = onIo(io) { store.sessions().staffAccounts() }

    override suspend fun signIn(staffId: String, pin: String): Result<Session> = onIo(io) { store.sessions().signIn(staffId, pin) }

    override suspend fun setFirstPin(staffId: String, code: String, newPin: String): Result<Session> =
        onIo(io) { store.sessions().setFirstPin(staffId, code, newPin) }

    override suspend fun currentSession(): Result<Session?> = onIo(io) { store.sessions().currentSession() }

    override suspend fun lock(): Result<Unit> = onIo(io) { store.sessions().lock() }
}

/** The round's screen in the core, made at the first load (an id it refuses is that load's error). */
private class RustRoundFeed(
    private val store: ChevetStore,
    private val unitId: String,
    private val window: RoundWindow,
    private val io: CoroutineDispatcher,
) : RoundFeed {
    @Volatile private var screen: RoundScreen? = null

    private fun screen(): RoundScreen = screen ?: store.rounds().roundScreen(unitId, window).also { screen = it }

    override suspend fun load(nowMs: Long): Result<RoundShown> = onIo(io) { screen().load(nowMs) }

    override suspend fun refreshResident(residentId: String, nowMs: Long): Result<RoundShown> =
        onIo(io) { screen().refreshResident(residentId, nowMs) }

    override suspend fun setFilter(filter: RoundFilter): Result<RoundShown> = onIo(io) { screen().setFilter(filter) }
}

class RustRoundService(private val store: ChevetStore, private val io: CoroutineDispatcher) : RoundService {
    override suspend fun units(): Result<List<UnitInfo>> = onIo(io) { store.units() }

    override fun round(unitId: String, window: RoundWindow): RoundFeed = RustRoundFeed(store, unitId, window, io)

    override suspend fun recordAct(
        residentId: String,
        plannedActId: String,
        occurrenceMs: Long,
        result: ActResult,
        atMs: Long,
    ): Result<String> = onIo(io) { store.records().recordAct(residentId, plannedActId, occurrenceMs, result, null, atMs) }

    override suspend fun closeUnrecorded(
        residentId: String,
        plannedActId: String,
        occurrenceMs: Long,
        closing: Closing,
        atMs: Long,
    ): Result<String> = onIo(io) { store.rounds().closeUnrecorded(residentId, plannedActId, occurrenceMs, closing, atMs) }
}

class RustCareRecordService(private val store: ChevetStore, private val io: CoroutineDispatcher) : CareRecordService {
    override suspend fun alerts(unitId: String): Result<List<RoundResidentInfo>> = onIo(io) { store.unitAlerts(unitId) }

    override suspend fun recordVital(residentId: String, kind: VitalKind, value: Double, atMs: Long): Result<String> =
        onIo(io) { store.records().recordVital(residentId, kind, value, atMs) }

    override suspend fun recordTransmission(entry: TransmissionEntry, atMs: Long): Result<String> =
        onIo(io) { store.records().recordTransmission(entry, atMs) }

    override suspend fun recordScale(residentId: String, entry: ScaleEntry, atMs: Long): Result<ScaleOutcome> =
        onIo(io) { store.records().recordScale(residentId, entry, atMs) }

    override suspend fun correct(recordId: String, reason: String): Result<String> =
        onIo(io) { store.records().correctRecord(recordId, reason) }

    override suspend fun search(query: String): Result<List<ResidentSummaryInfo>> = onIo(io) { store.residents().searchResidents(query) }

    override suspend fun residentFile(residentId: String): Result<ResidentFileInfo> =
        onIo(io) { store.residents().residentFile(residentId) }

    override suspend fun timeline(residentId: String, beforeMs: Long?, limit: Int): Result<List<TimelineItemInfo>> =
        onIo(io) { store.residents().timeline(residentId, beforeMs, limit.toUInt()) }

    override suspend fun woundFollowUp(woundId: String): Result<WoundFollowUpInfo> =
        onIo(io) { store.residents().woundFollowUp(woundId) }

    override suspend fun thumbnail(photoId: String): Result<ByteArray> =
        onIo(io) { store.photoImage(photoId, Rendition.THUMBNAIL) }
}

class RustScaleService(private val store: ChevetStore, private val io: CoroutineDispatcher) : ScaleService {
    override suspend fun forms(): Result<List<ScaleFormInfo>> = onIo(io) { store.scales().scaleFormsOffered() }

    override suspend fun preview(residentId: String, kind: FormKind, answers: List<UByte?>): Result<ScaleFormPreviewInfo> =
        onIo(io) { store.scales().previewScaleForm(residentId, kind, answers) }

    override suspend fun record(residentId: String, kind: FormKind, answers: List<UByte?>, atMs: Long): Result<ScaleFormOutcome> =
        onIo(io) { store.scales().recordScaleForm(residentId, kind, answers, atMs) }
}

class RustWoundService(private val store: ChevetStore, private val io: CoroutineDispatcher) : WoundService {
    override fun kinds(): List<WoundKindInfo> = woundKinds()

    override suspend fun open(residentId: String, kind: WoundKind, site: String, atMs: Long): Result<String> =
        onIo(io) { store.openWound(residentId, kind, site, atMs) }

    override suspend fun followUp(woundId: String): Result<WoundFollowUpInfo> = onIo(io) { store.residents().woundFollowUp(woundId) }

    override suspend fun preview(entry: WoundAssessmentEntry): Result<WoundPreviewInfo> =
        onIo(io) { previewWoundAssessment(entry) }

    override suspend fun record(entry: WoundAssessmentEntry, atMs: Long): Result<String> =
        onIo(io) { store.records().recordWoundAssessment(entry, atMs) }

    override suspend fun image(photoId: String, rendition: Rendition): Result<ByteArray> =
        onIo(io) { store.photoImage(photoId, rendition) }

    override suspend fun ingest(capture: PhotoCaptureInfo, cameraBytes: ByteArray): Result<PhotoInfo> =
        onIo(io) { store.ingestPhoto(capture, cameraBytes) }
}

class RustRouteService(private val store: ChevetStore, private val io: CoroutineDispatcher) : RouteService {
    override suspend fun myRoutes(unitId: String, day: String): Result<List<RouteLineInfo>> = onIo(io) { store.homeCare().myRoutes(unitId, day) }

    override suspend fun route(routeId: String): Result<RouteInfo> = onIo(io) { store.homeCare().route(routeId) }

    override suspend fun stamp(residentId: String, routeId: String, moment: VisitMoment, by: StampBy, tag: String?, atMs: Long): Result<String> =
        onIo(io) { store.homeCare().stampVisit(residentId, routeId, moment, by, tag, atMs) }

    override suspend fun registerTag(residentId: String, by: StampBy, payload: String): Result<Unit> =
        onIo(io) { store.homeCare().registerHomeTag(residentId, by, payload) }
}

class RustTransferService(private val store: ChevetStore, private val io: CoroutineDispatcher) : TransferService {
    override suspend fun record(entry: TransferEntry, atMs: Long): Result<String> =
        onIo(io) { store.transfers().recordEmergencyTransfer(entry, atMs) }

    override suspend fun documents(transferId: String): Result<TransferDocumentsInfo> =
        onIo(io) { store.transfers().emergencyTransferDocuments(transferId) }
}

class RustMedicationService(private val store: ChevetStore, private val io: CoroutineDispatcher) : MedicationService {
    override suspend fun due(unitId: String, residentId: String, fromMs: Long, toMs: Long): Result<List<MedicationDueInfo>> =
        onIo(io) { store.medication().medicationDue(unitId, residentId, fromMs, toMs) }

    override suspend fun checkBox(residentId: String, plannedActId: String, scan: String, atMs: Long): Result<MedicineBoxInfo> =
        onIo(io) { store.medication().checkMedicineBox(residentId, plannedActId, scan, atMs) }

    override suspend fun record(
        residentId: String,
        plannedActId: String,
        occurrenceMs: Long,
        result: AdministrationResult,
        scan: String?,
        atMs: Long,
    ): Result<String> = onIo(io) { store.records().recordAdministration(residentId, plannedActId, occurrenceMs, result, scan, atMs) }
}

class RustVitalsService(private val store: ChevetStore, private val io: CoroutineDispatcher) : VitalsService {
    override suspend fun glucoseUnit(residentId: String): Result<String> = onIo(io) { store.vitals().glucoseUnit(residentId) }

    override suspend fun preview(entry: VitalSetEntry): Result<VitalSetPreviewInfo> = onIo(io) { store.vitals().previewVitalSet(entry) }

    override suspend fun record(entry: VitalSetEntry, atMs: Long): Result<List<String>> = onIo(io) { store.vitals().recordVitalSet(entry, atMs) }
}

class RustHandoverService(private val store: ChevetStore, private val io: CoroutineDispatcher) : HandoverService {
    override suspend fun handover(unitId: String, sinceMs: Long, untilMs: Long): Result<HandoverInfo> =
        onIo(io) { store.handovers().handover(unitId, sinceMs, untilMs) }

    override suspend fun markRead(unitId: String, untilMs: Long): Result<Unit> = onIo(io) { store.handovers().markHandoverRead(unitId, untilMs) }
}

class RustSyncService(private val store: ChevetStore, private val io: CoroutineDispatcher) : SyncService {
    override fun sync(): Flow<SyncState> = callbackFlow {
        val cancel = SyncCancel()
        val observer = object : SyncObserver {
            override fun onProgress(phase: SyncPhase, pushed: UInt, toPush: UInt, pulled: UInt) {
                trySend(SyncState.Progress(phase, pushed.toInt(), toPush.toInt(), pulled.toInt()))
            }
        }
        launch(io) {
            try {
                send(SyncState.Done(store.hub().sync(observer, cancel)))
            } catch (e: ChevetException) {
                send(SyncState.Failed(e))
            } finally {
                close()
            }
        }
        awaitClose { cancel.cancel() }
    }

    override suspend fun status(): Result<SyncStatusInfo> = onIo(io) { store.hub().syncStatus() }
}

class RustEnrolmentService(private val store: ChevetStore, private val io: CoroutineDispatcher) : EnrolmentService {
    override suspend fun enrolled(): Result<Boolean> = onIo(io) { store.hub().syncStatus().health != SyncHealth.NOT_ENROLLED }

    override fun readLink(text: String): Result<EnrolmentLinkInfo> = try {
        Result.success(parseEnrolmentLink(text))
    } catch (e: ChevetException) {
        Result.failure(e)
    }

    override suspend fun enrol(hubUrl: String, code: String, label: String, establishmentCaPem: String?): Result<Unit> =
        withContext(io) {
            try {
                store.hub().enrol(hubUrl, code, label, establishmentCaPem)
                Result.success(Unit)
            } catch (e: ChevetException) {
                Result.failure(e)
            }
        }
}
