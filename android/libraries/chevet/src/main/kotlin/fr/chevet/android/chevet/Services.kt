package fr.chevet.android.chevet

import fr.chevet.core.ActResult
import fr.chevet.core.Closing
import fr.chevet.core.AdministrationResult
import fr.chevet.core.MedicationDueInfo
import fr.chevet.core.MedicineBoxInfo
import fr.chevet.core.ChevetException
import fr.chevet.core.EnrolmentLinkInfo
import fr.chevet.core.FormKind
import fr.chevet.core.HandoverInfo
import fr.chevet.core.RouteLineInfo
import fr.chevet.core.RouteInfo
import fr.chevet.core.StampBy
import fr.chevet.core.VisitMoment
import fr.chevet.core.ResidentFileInfo
import fr.chevet.core.ResidentSummaryInfo
import fr.chevet.core.RoundFilter
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
import fr.chevet.core.SyncPhase
import fr.chevet.core.SyncResult
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
import fr.chevet.core.Rendition
import kotlinx.coroutines.flow.Flow

// The app's own interfaces to the core. Presenters depend on these, never on
// ChevetStore: tests give them the Rust* implementations over a real store,
// or a fake where a state cannot be reached otherwise. Every failure is a
// ChevetException inside the Result.

/** Who may use this tablet, and who is using it. */
interface SessionService {
    /** Everyone who may sign in here, and how (PIN, or a first PIN with the establishment's code). */
    suspend fun staffAccounts(): Result<List<StaffAccountInfo>>
    suspend fun signIn(staffId: String, pin: String): Result<Session>
    suspend fun setFirstPin(staffId: String, code: String, newPin: String): Result<Session>
    suspend fun currentSession(): Result<Session?>
    suspend fun lock(): Result<Unit>
}

/**
 * A unit's round held in the core: each call answers what the screen shows
 * (residents under the filter, the header's counts).
 */
interface RoundFeed {
    /** Reads the whole round around [nowMs], keeping the filter. */
    suspend fun load(nowMs: Long): Result<RoundShown>

    /** Reads again the one card a record changed (what is redrawn after it). */
    suspend fun refreshResident(residentId: String, nowMs: Long): Result<RoundShown>

    /** The round under [filter], without reading it again. */
    suspend fun setFilter(filter: RoundFilter): Result<RoundShown>
}

/** The round of a unit, and what is recorded from it. */
interface RoundService {
    /** The units this tablet serves, by name. */
    suspend fun units(): Result<List<UnitInfo>>

    /**
     * The round of [unitId] in [window] around the times it is loaded at, as
     * its screen shows it: the core keeps it, filters it and counts it.
     */
    fun round(unitId: String, window: RoundWindow): RoundFeed

    /** Records what happened to one occurrence of a planned act; returns the record's id. */
    suspend fun recordAct(
        residentId: String,
        plannedActId: String,
        occurrenceMs: Long,
        result: ActResult,
        atMs: Long,
    ): Result<String>

    /** A nurse closes an occurrence nobody recorded (« non tracé »); returns the record's id. */
    suspend fun closeUnrecorded(
        residentId: String,
        plannedActId: String,
        occurrenceMs: Long,
        closing: Closing,
        atMs: Long,
    ): Result<String>
}

/** The bedside record beyond the round (part 2 of the app builds its screens on it). */
interface CareRecordService {
    suspend fun alerts(unitId: String): Result<List<RoundResidentInfo>>
    suspend fun recordVital(residentId: String, kind: VitalKind, value: Double, atMs: Long): Result<String>
    suspend fun recordTransmission(entry: TransmissionEntry, atMs: Long): Result<String>
    suspend fun recordScale(residentId: String, entry: ScaleEntry, atMs: Long): Result<ScaleOutcome>
    suspend fun correct(recordId: String, reason: String): Result<String>
    suspend fun search(query: String): Result<List<ResidentSummaryInfo>>
    /** Opens a resident's file (the opening is audited): identity, alerts, charts, the latest of the timeline. */
    suspend fun residentFile(residentId: String): Result<ResidentFileInfo>

    /** More of the timeline, newest first, before [beforeMs]. */
    suspend fun timeline(residentId: String, beforeMs: Long?, limit: Int): Result<List<TimelineItemInfo>>
    suspend fun woundFollowUp(woundId: String): Result<WoundFollowUpInfo>
    suspend fun thumbnail(photoId: String): Result<ByteArray>
}

/** A resident's medication at the bedside: the due lines, the box scanned, the dose recorded. */
interface MedicationService {
    suspend fun due(unitId: String, residentId: String, fromMs: Long, toMs: Long): Result<List<MedicationDueInfo>>

    /** Checks a scanned box as recording will (the prescribed product, in date); what it says. */
    suspend fun checkBox(residentId: String, plannedActId: String, scan: String, atMs: Long): Result<MedicineBoxInfo>

    suspend fun record(
        residentId: String,
        plannedActId: String,
        occurrenceMs: Long,
        result: AdministrationResult,
        scan: String?,
        atMs: Long,
    ): Result<String>
}

/** Vitals entered together: checked and scored before saving, kept whole or not at all. */
interface VitalsService {
    /** The unit glycaemia is typed in for this resident (« g/L » unless the establishment says « mg/dL »). */
    suspend fun glucoseUnit(residentId: String): Result<String>
    suspend fun preview(entry: VitalSetEntry): Result<VitalSetPreviewInfo>
    suspend fun record(entry: VitalSetEntry, atMs: Long): Result<List<String>>
}

/** The bedside scales as guided forms: the core words them, scores them, records them. */
interface ScaleService {
    /** The forms, pain first, with whether the signed-in professional may record each. */
    suspend fun forms(): Result<List<ScaleFormInfo>>

    suspend fun preview(residentId: String, kind: FormKind, answers: List<UByte?>): Result<ScaleFormPreviewInfo>
    suspend fun record(residentId: String, kind: FormKind, answers: List<UByte?>, atMs: Long): Result<ScaleFormOutcome>
}

/** A resident's wounds: opened, assessed, photographed, followed. */
interface WoundService {
    fun kinds(): List<WoundKindInfo>
    suspend fun open(residentId: String, kind: WoundKind, site: String, atMs: Long): Result<String>
    suspend fun followUp(woundId: String): Result<WoundFollowUpInfo>
    suspend fun preview(entry: WoundAssessmentEntry): Result<WoundPreviewInfo>
    suspend fun record(entry: WoundAssessmentEntry, atMs: Long): Result<String>

    /** A photo's JPEG, decrypted in memory (display or thumbnail). */
    suspend fun image(photoId: String, rendition: Rendition): Result<ByteArray>

    /** The camera's bytes handed to the core, which checks, strips, seals and stores them. */
    suspend fun ingest(capture: PhotoCaptureInfo, cameraBytes: ByteArray): Result<PhotoInfo>
}

/** Home care (SSIAD): the day's route, visits stamped at the door, the home's tag registered. */
interface RouteService {
    /** The signed-in professional's routes on [day] ("YYYY-MM-DD"). */
    suspend fun myRoutes(unitId: String, day: String): Result<List<RouteLineInfo>>
    suspend fun route(routeId: String): Result<RouteInfo>
    suspend fun stamp(residentId: String, routeId: String, moment: VisitMoment, by: StampBy, tag: String?, atMs: Long): Result<String>
    suspend fun registerTag(residentId: String, by: StampBy, payload: String): Result<Unit>
}

/** The tablet's NFC reader, where it has one: reader mode while a tag is awaited. */
fun interface TagReader {
    /** Starts reading; [onUid] gets the first tag's UID in hex. Closing stops reading. */
    fun read(onUid: (String) -> Unit): AutoCloseable
}

/** An emergency transfer: the sheet recorded, then shown, printed and sent. */
interface TransferService {
    suspend fun record(entry: TransferEntry, atMs: Long): Result<String>
    suspend fun documents(transferId: String): Result<TransferDocumentsInfo>
}

/**
 * Hands a document to the platform: the share sheet (mail via MSSanté, a
 * messaging app) or the print dialog (PDF or paper). The bytes stay in
 * memory: nothing personal is written in clear to the tablet's disk.
 */
interface DocumentSharing {
    fun share(title: String, fileName: String, mimeType: String, bytes: ByteArray)
    fun print(title: String, html: String)
}

/** The shift handover, computed by the core from the tablet's record. */
interface HandoverService {
    suspend fun handover(unitId: String, sinceMs: Long, untilMs: Long): Result<HandoverInfo>
    suspend fun markRead(unitId: String, untilMs: Long): Result<Unit>
}

/** Where a sync stands, as the UI observes it. */
sealed interface SyncState {
    data class Progress(val phase: SyncPhase, val pushed: Int, val toPush: Int, val pulled: Int) : SyncState
    data class Done(val result: SyncResult) : SyncState
    data class Failed(val error: ChevetException) : SyncState
}

interface SyncService {
    /** Runs one sync; collecting starts it, cancelling the collection cancels it. */
    fun sync(): Flow<SyncState>

    /** Where the tablet stands with its hub (local, no network). */
    suspend fun status(): Result<SyncStatusInfo>
}

/** A new tablet joins its establishment's hub. */
interface EnrolmentService {
    /** Whether this tablet is enrolled already (or a demo store, which never is). */
    suspend fun enrolled(): Result<Boolean>

    /** Reads the text of a scanned enrolment QR code. */
    fun readLink(text: String): Result<EnrolmentLinkInfo>

    /** Enrols with the hub (its units, staff and residents come with the first sync). */
    suspend fun enrol(hubUrl: String, code: String, label: String, establishmentCaPem: String?): Result<Unit>
}

/** Now, in milliseconds since the epoch: injected so tests fix the time. */
fun interface Clock {
    fun nowMs(): Long

    companion object {
        val System = Clock { java.lang.System.currentTimeMillis() }
    }
}
