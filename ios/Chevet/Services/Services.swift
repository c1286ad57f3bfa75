import Foundation

// The app's own interfaces to the core (the same as the Android app's
// `Services.kt`). View models depend on these, never on ChevetStore: the
// tests give them the Rust* services over a real store (the XCFramework),
// or a fake where a state cannot be reached otherwise. Every failure is a
// `ServiceError` inside the `Result`.

/// Who may use this tablet, and who is using it.
protocol SessionService: Sendable {
    func staffAccounts() async -> Result<[StaffAccount], ServiceError>
    func signIn(staffId: String, pin: String) async -> Result<SignedIn, ServiceError>
    func setFirstPin(staffId: String, code: String, newPin: String) async -> Result<SignedIn, ServiceError>
    /// The session, if one is open and has not idled out (the core decides).
    func currentSession() async -> Result<SignedIn?, ServiceError>
    func lock() async -> Result<Void, ServiceError>
}

/// A unit's round held in the core: each call answers what the screen
/// shows (residents under the filter, the header's counts).
protocol RoundFeed: Sendable {
    /// Reads the whole round around `now`, keeping the filter.
    func load(now: Date) async -> Result<RoundShown, ServiceError>
    /// Reads again the one card a record changed (what is redrawn after it).
    func refreshResident(_ residentId: String, now: Date) async -> Result<RoundShown, ServiceError>
    /// The round under `filter`, without reading it again.
    func setFilter(_ filter: RoundFilter) async -> Result<RoundShown, ServiceError>
}

/// The round of a unit, and what is recorded from it.
protocol RoundService: Sendable {
    func units() async -> Result<[CareUnit], ServiceError>
    /// The round of `unitId` in `window` (the core's standard when nil) around the times it is loaded at.
    func round(unitId: String, window: RoundWindow?) -> any RoundFeed
    /// The filters, in the order the screen offers them, worded by the core.
    func filters() -> [RoundFilterChoice]
    /// The answers offered when an act was not done, in the dialog's order, worded by the core.
    func notDoneReasons() -> [ActOutcomeChoice]
    /// Records what happened to one occurrence of a planned act; returns the record's id.
    func recordAct(residentId: String, plannedActId: String, occurrence: Date, outcome: ActOutcome, at: Date) async
        -> Result<String, ServiceError>
    /// How a nurse may close a « non tracé » (a medication or another act), worded by the core.
    func closingChoices(medication: Bool) -> [ClosingChoice]
    /// A nurse closes an occurrence nobody recorded; returns the record's id.
    func closeUnrecorded(residentId: String, plannedActId: String, occurrence: Date, closing: Closing, at: Date) async
        -> Result<String, ServiceError>
}

/// The bedside record beyond the round (the Android app's `CareRecordService`, as far as
/// the iPad's screens use it).
protocol CareRecordService: Sendable {
    /// Opens a resident's file (the opening is audited): identity, alerts, charts, the latest of the timeline.
    func residentFile(residentId: String) async -> Result<ResidentFile, ServiceError>
    /// More of the timeline, newest first, before `before`.
    func timeline(residentId: String, before: Date?, limit: Int) async -> Result<[TimelineEntry], ServiceError>
    func recordTransmission(_ entry: Transmission, at: Date) async -> Result<String, ServiceError>
}

/// The shift handover, computed by the core from the tablet's record.
protocol HandoverService: Sendable {
    func handover(unitId: String, since: Date, until: Date) async -> Result<Handover, ServiceError>
    func markRead(unitId: String, until: Date) async -> Result<Void, ServiceError>
}

/// Vitals entered together: checked and scored before saving, kept whole or not at all.
protocol VitalsService: Sendable {
    /// The unit glycaemia is typed in for this resident (« g/L » unless the establishment says « mg/dL »).
    func glucoseUnit(residentId: String) async -> Result<String, ServiceError>
    func preview(_ entry: VitalSet) async -> Result<VitalSetPreview, ServiceError>
    /// Keeps the set whole; returns the records' ids.
    func record(_ entry: VitalSet, at: Date) async -> Result<[String], ServiceError>
}

/// The bedside scales as guided forms: the core words them, scores them, records them.
protocol ScaleService: Sendable {
    /// The forms, pain first, with whether the signed-in professional may record each.
    func forms() async -> Result<[ScaleForm], ServiceError>
    /// `answers`: one per item, the option's index, AGGIR's adverbs mask, or nil while unanswered.
    func preview(residentId: String, kind: ScaleKind, answers: [UInt8?]) async -> Result<ScalePreview, ServiceError>
    func record(residentId: String, kind: ScaleKind, answers: [UInt8?], at: Date) async
        -> Result<ScaleRecorded, ServiceError>
}

/// A resident's medication at the bedside: the due lines, the box scanned, the dose recorded.
protocol MedicationService: Sendable {
    func due(unitId: String, residentId: String, from: Date, to: Date) async -> Result<[MedicationDue], ServiceError>
    /// Checks a scanned box as recording will (the prescribed product, in date); what it says.
    func checkBox(residentId: String, plannedActId: String, scan: String, at: Date) async
        -> Result<MedicineBox, ServiceError>
    func record(
        residentId: String, plannedActId: String, occurrence: Date, outcome: AdministrationOutcome, scan: String?,
        at: Date
    ) async -> Result<String, ServiceError>
}

/// Home care (SSIAD): the day's route, visits stamped at the door, the home's tag registered.
protocol RouteService: Sendable {
    /// The signed-in professional's routes on `day` ("YYYY-MM-DD").
    func myRoutes(unitId: String, day: String) async -> Result<[RouteLine], ServiceError>
    func route(routeId: String) async -> Result<Route, ServiceError>
    func stamp(residentId: String, routeId: String, moment: VisitMoment, by: StampMethod, tag: String?, at: Date) async
        -> Result<String, ServiceError>
    func registerTag(residentId: String, by: StampMethod, payload: String) async -> Result<Void, ServiceError>
}

/// An emergency transfer: the sheet recorded, then shown, printed and sent.
protocol TransferService: Sendable {
    func record(_ form: TransferForm, at: Date) async -> Result<String, ServiceError>
    func documents(transferId: String) async -> Result<TransferDocuments, ServiceError>
}

/// A resident's wounds: opened, assessed, photographed, followed.
protocol WoundService: Sendable {
    func kinds() -> [WoundKindChoice]
    func open(residentId: String, kind: WoundKind, site: String, at: Date) async -> Result<String, ServiceError>
    func followUp(woundId: String) async -> Result<WoundFollowUp, ServiceError>
    func preview(_ entry: WoundAssessment) -> Result<WoundPreview, ServiceError>
    func record(_ entry: WoundAssessment, at: Date) async -> Result<String, ServiceError>
    /// A photo's JPEG, decrypted in memory (display or thumbnail).
    func image(photoId: String, thumbnail: Bool) async -> Result<Data, ServiceError>
    /// The camera's bytes handed to the core, which checks, strips, seals and stores them.
    func ingest(_ capture: PhotoCapture, cameraBytes: Data) async -> Result<String, ServiceError>
}

/// Syncing with the hub, and where the tablet stands.
protocol SyncService: Sendable {
    /// Runs one sync, reporting its progress; cancelling the task cancels it.
    func sync(progress: @escaping @Sendable (SyncProgress) -> Void) async -> Result<SyncOutcome, ServiceError>
    /// Where the tablet stands with its hub (local, no network).
    func status() async -> Result<SyncStatus, ServiceError>
}

/// A new tablet joins its establishment's hub.
protocol EnrolmentService: Sendable {
    /// Whether this tablet is enrolled already (a demo store counts as enrolled: it never enrols).
    func enrolled() async -> Result<Bool, ServiceError>
    /// Reads the text of a scanned enrolment QR code.
    func readLink(_ text: String) -> Result<EnrolmentLink, ServiceError>
    /// Enrols with the hub (its units, staff and residents come with the first sync).
    func enrol(hubUrl: String, code: String, label: String, establishmentCaPem: String?) async
        -> Result<Void, ServiceError>
}

/// Now: injected so tests fix the time.
protocol Clock: Sendable {
    func now() -> Date
}

struct SystemClock: Clock {
    func now() -> Date { Date() }
}
