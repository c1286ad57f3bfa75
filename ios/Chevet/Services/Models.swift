import Foundation

// The app's own types: what the screens show, mapped one to one from the
// core's records by the Rust* services. Views and view models never see
// ChevetCore's types, so a change in the bindings stops at the services.

/// Someone who may sign in on this tablet, and how.
struct StaffAccount: Identifiable, Equatable, Sendable {
    let id: String
    let displayName: String
    /// « IDE », « AS »…, worded by the core.
    let role: String
    let pinSet: Bool
    /// No PIN here yet, but a first-PIN code from the establishment is valid.
    let firstPinPossible: Bool
}

/// The professional signed in.
struct SignedIn: Equatable, Sendable {
    let staffId: String
    let displayName: String
    let role: String
}

/// A unit this tablet serves.
struct CareUnit: Identifiable, Equatable, Sendable {
    let id: String
    let name: String
    let timeZone: String
    let homeCare: Bool
}

/// Where an occurrence of a planned act stands, as the core decides it.
enum ActStatus: Equatable, Sendable {
    case due, late, unrecorded, done, partlyDone, notDone, refused, spatOut
}

/// What happened to an act, as the care worker records it.
enum ActOutcome: CaseIterable, Equatable, Sendable {
    case done, partlyDone, notDoneAbsent, notDoneAsleep, notDoneClinicalDecision, notDoneWorkload, refused
}

/// How urgent an alert is.
enum AlertLevel: Equatable, Sendable {
    case watch, act
}

struct ResidentAlert: Equatable, Sendable {
    let level: AlertLevel
    /// The level in a word (« Urgent », « À surveiller »), worded by the core.
    let word: String
    /// The reason, worded by the core (« SpO₂ 88 % < 92 % »).
    let why: String
    /// What to do, by the rule that raised it (« Prévenir l'IDE »), worded by the core.
    let action: String
}

/// One occurrence of a planned act on the round.
struct RoundAct: Identifiable, Equatable, Sendable {
    var id: String { "\(plannedActId)@\(dueAt.timeIntervalSince1970)" }
    let plannedActId: String
    let label: String
    let dueAt: Date
    /// When it was due, worded by the core (« 08 h 00 », « hier 08 h 00 »).
    let dueLabel: String
    let status: ActStatus
    /// « À faire », « En retard »…, worded by the core.
    let statusLabel: String
    /// Still asks for something (due, late or not recorded), as the core decides.
    let isOpen: Bool
    /// Late or not recorded, as the core decides.
    let isLate: Bool
    /// The signed-in professional's role may record it.
    let mayRecord: Bool
    /// A nurse may close it (« fait hors tablette », « annulé »), as the core decides.
    let mayClose: Bool
    /// A medication: given from the medication screen, its box scanned.
    let medication: Bool
}

/// How a nurse closes what nobody recorded.
enum Closing: Equatable, Sendable {
    case recordedElsewhere, cancelled
}

/// A way to close a « non tracé », worded by the core.
struct ClosingChoice: Equatable, Sendable {
    let closing: Closing
    let label: String
}

/// A resident on the round: their acts and their alerts.
struct RoundResident: Identifiable, Equatable, Sendable {
    let id: String
    let displayName: String
    let room: String
    var acts: [RoundAct]
    let alerts: [ResidentAlert]
}

/// Which acts the round shows.
enum RoundFilter: CaseIterable, Equatable, Sendable {
    /// Everything on the round.
    case all
    /// What is still to do and the signed-in professional's role may record.
    case mine
    /// What is still to do (due, late or not recorded).
    case toDo
    /// Only what is late or not recorded.
    case late
}

/// A filter as the screen offers it, worded by the core.
struct RoundFilterChoice: Equatable, Sendable {
    let filter: RoundFilter
    let label: String
}

/// An answer to « why was it not done? », worded by the core.
struct ActOutcomeChoice: Equatable, Sendable {
    let outcome: ActOutcome
    let label: String
}

/// How far the round looks back and ahead of now (the core's standard when not given).
struct RoundWindow: Equatable, Sendable {
    let hoursBefore: UInt32
    let hoursAfter: UInt32
}

/// What the round's screen shows, as the core computed it: the residents
/// under the filter and the header's counts over the whole round.
struct RoundShown: Equatable, Sendable {
    let residents: [RoundResident]
    /// What nobody recorded (« non tracés »), oldest first: its own section, until answered or closed.
    let unrecorded: [RoundResident]
    /// The section's title, worded by the core, when it has something.
    let unrecordedTitle: String?
    let filter: RoundFilter
    let toDo: Int
    let late: Int
    let unrecordedCount: Int
    let recorded: Int
    /// The counts in words (« 3 à faire · 1 en retard · 2 non tracés · 5 tracés (4 faits, 1 refusé) »).
    let countsLine: String
    /// What to say when the filter keeps nothing.
    let nothingShown: String
    /// Records the store could not read: shown as a count, never hidden.
    let unreadable: Int
    let unreadableLine: String?
}

/// The tablet's standing with its hub, decided by the core.
enum SyncHealth: Equatable, Sendable {
    case demo, notEnrolled, offline, failing, neverSynced, pending, upToDate
}

enum SyncFailureKind: Equatable, Sendable {
    case unreachable, certificateRefused, credentialRefused, failed
}

struct SyncStatus: Equatable, Sendable {
    let health: SyncHealth
    let pending: UInt64
    let conflicts: UInt64
    let rejected: UInt64
    let lastSuccess: Date?
    let lastFailure: Date?
    let lastFailureKind: SyncFailureKind?
    let clockSkewMs: Int64?
}

enum SyncStage: Equatable, Sendable {
    case pushing, pulling, done
}

/// Where a running sync stands.
struct SyncProgress: Equatable, Sendable {
    let stage: SyncStage
    let pushed: Int
    let toPush: Int
    let pulled: Int
}

struct SyncOutcome: Equatable, Sendable {
    let pushed: Int
    let pulled: Int
    let conflicts: Int
    let rejected: Int
}

/// What a scanned enrolment QR code says.
struct EnrolmentLink: Equatable, Sendable {
    let hubUrl: String
    let code: String
    /// The establishment's CA, when its hub's certificate is not from a public authority.
    let establishmentCaPem: String?
}

/// A line across a chart: an alert threshold, an undernutrition mark.
struct ChartLine: Equatable, Sendable {
    let value: Double
    let label: String
    let alert: Bool
}

struct ChartPoint: Equatable, Sendable {
    let at: Date
    let value: Double
    /// The low value of a range (diastolic under systolic), when there is one.
    let low: Double?
    /// The core flagged this value.
    let alert: Bool
}

/// A vital's chart as the core lays it out: its points, lines, scale and caption.
struct VitalChart: Identifiable, Equatable, Sendable {
    var id: String { title }
    let title: String
    let unit: String
    let from: Date
    let to: Date
    let points: [ChartPoint]
    let lines: [ChartLine]
    let yMin: Double
    let yMax: Double
    /// What the chart says, for VoiceOver and under it (« 7 valeurs, dernière 37,2 °C »).
    let caption: String
}

/// One line of a resident's timeline, worded by the core.
struct TimelineEntry: Identifiable, Equatable, Sendable {
    let id: String
    let at: Date
    let summary: String
    let enteredInError: Bool
    let unreadable: Bool
}

/// A resident's file, as the core opens it (the opening is audited).
struct ResidentFile: Equatable, Sendable {
    let residentId: String
    let displayName: String
    let room: String
    let identityStatus: String
    let birthDate: String
    let allergies: [String]
    let advanceDirectives: String?
    let trustedPerson: String?
    let carePlan: [String]
    /// The wounds still open.
    let wounds: [Wound]
    let latestVitals: [String]
    let alerts: [ResidentAlert]
    let charts: [VitalChart]
    let timeline: [TimelineEntry]
}

/// Consciousness on the ACVPU scale.
enum Consciousness: CaseIterable, Equatable, Sendable {
    case alert, newConfusion, voice, pain, unresponsive
}

/// A set of vitals as typed at the bedside, each optional.
struct VitalSet: Equatable, Sendable {
    var residentId: String
    var temperature: Double?
    var pulse: Double?
    var respiratoryRate: Double?
    var oxygenSaturation: Double?
    var systolic: Double?
    var diastolic: Double?
    var consciousness: Consciousness?
    var oxygenFlow: Double?
    var pain: Double?
    var weight: Double?
    var glucose: Double?
}

/// A value the core will not take as typed, and its likely reading (« 375 ? 37,5 »;
/// a glycaemia typed in g/L: « 1,2 g/L = 120 mg/dL »).
struct VitalProblem: Equatable, Sendable {
    let loinc: String
    let message: String
    let likely: Double?
    /// The button that takes it, worded by the core (« Corriger en 37,5 »).
    let likelyLabel: String?
}

enum News2Risk: Equatable, Sendable {
    case low, lowMedium, medium, high
}

struct News2: Equatable, Sendable {
    let total: Int
    let risk: News2Risk
    /// Each parameter's points (« FR 2 »).
    let parts: [String]
}

/// The core's reading of a set being typed: what to look at, NEWS2 once complete.
struct VitalSetPreview: Equatable, Sendable {
    let problems: [VitalProblem]
    let news2: News2?
}

/// Who a transmission is addressed to.
enum StaffRole: CaseIterable, Equatable, Hashable, Sendable {
    case nurse, careAide, socialCareAide, coordinatingPhysician, healthManager
}

/// A targeted transmission (cible, données, actions, résultats).
struct Transmission: Equatable, Sendable {
    let residentId: String
    let target: String
    let data: String
    let actions: String
    let results: String
    /// Roles it is addressed to; empty means everyone.
    let audience: [StaffRole]
}

enum HandoverKind: Equatable, Sendable {
    case alert, fall, unrecorded, medicationNotGiven, actNotDone, woundNew, woundWorse, transmission
}

struct HandoverLine: Equatable, Sendable {
    let kind: HandoverKind
    /// The kind in a word (« Non tracé », « Chute »; an alert's level), worded by the core.
    let word: String
    /// An alert's level (its colour); nil for the other lines.
    let level: AlertLevel?
    /// What to do about an alert, worded by the core.
    let action: String?
    let at: Date?
    /// Worded by the core.
    let text: String
    /// « Pour vous » on what is addressed to the reader's role, worded by the core.
    let mark: String?
}

struct ResidentHandover: Identifiable, Equatable, Sendable {
    let id: String
    let displayName: String
    let room: String
    let lines: [HandoverLine]
}

/// The shift handover of a unit, computed by the core from the tablet's record.
struct Handover: Equatable, Sendable {
    let residents: [ResidentHandover]
    /// What the signed-in professional has read up to.
    let readUntil: Date?
    let unreadable: Int
}

/// The bedside scales the core knows.
enum ScaleKind: Equatable, Hashable, Sendable {
    case braden, norton, algoplus, doloplus, selfReportedPain, mnaSf, aggir
}

struct ScaleOption: Equatable, Sendable {
    let label: String
    let points: Int
}

struct ScaleItem: Equatable, Sendable {
    let label: String
    let help: String?
    /// AGGIR's items are answered with adverbs (S, T, C, H), the others by one option.
    let adverbs: Bool
    let options: [ScaleOption]
}

/// A scale as a guided form, worded by the core.
struct ScaleForm: Identifiable, Equatable, Sendable {
    var id: ScaleKind { kind }
    let kind: ScaleKind
    let name: String
    let purpose: String
    let guidance: String
    let items: [ScaleItem]
    /// The signed-in professional's role may record it (otherwise shown, not offered).
    let mayRecord: Bool
}

/// The core's reading of a form being filled.
struct ScalePreview: Equatable, Sendable {
    let answered: Int
    let items: Int
    let pointsSoFar: Int
    /// What each answer reads as, when it says something.
    let readings: [String?]
    let summary: String
    let complete: Bool
    let positive: Bool
}

struct ScaleRecorded: Equatable, Sendable {
    let recordId: String
    let summary: String
    let positive: Bool
}

/// What happened to a dose.
enum AdministrationOutcome: CaseIterable, Equatable, Sendable {
    case given, refused, spatOut, notGivenAbsent, notGivenAsleep, notGivenClinicalDecision
}

/// One occurrence of a prescription line due on the round's span.
struct MedicationDue: Identifiable, Equatable, Sendable {
    /// A line given three times a day is three occurrences.
    var id: String { "\(plannedActId)@\(dueAt.timeIntervalSince1970)" }
    let plannedActId: String
    let label: String
    let drug: String
    let dose: String
    let route: String
    let dueAt: Date
    let status: ActStatus
    let statusLabel: String
    /// Still to give (due, late or missed), as the core decides.
    let isOpen: Bool
    /// Late or missed, as the core decides.
    let isLate: Bool
    /// The signed-in professional's role may record it (a care aide: aide à la prise only).
    let mayRecord: Bool
    let intakeAssistanceAllowed: Bool
    /// The product the box must be, as the prescription says.
    let expectedProduct: String?
}

/// A scanned box, as the core read its GS1 code.
struct MedicineBox: Equatable, Sendable {
    let gtin: String
    let cip13: String?
    let lot: String?
    /// « 2027-03-31 ».
    let expiryDay: String?
}

/// How a visit is stamped at the door. iPads have no NFC reader: QR stickers and by hand.
enum StampMethod: Equatable, Hashable, Sendable {
    case manual, qrCode, nfc
}

enum VisitMoment: Equatable, Hashable, Sendable {
    case start, stop
}

/// A route of the day, as listed.
struct RouteLine: Identifiable, Equatable, Sendable {
    let id: String
    let label: String
    let stops: Int
}

/// A home on a route: the resident, when planned, when the visit started and ended, the home's tags.
struct RouteStop: Identifiable, Equatable, Sendable {
    var id: String { residentId }
    let residentId: String
    let displayName: String
    let plannedAt: String?
    let started: Date?
    let ended: Date?
    /// The kinds of tag registered for this home.
    let tags: [StampMethod]
}

struct Route: Equatable, Sendable {
    let routeId: String
    let label: String
    let stops: [RouteStop]
    let unreadable: Int
}

/// Consciousness as the transfer sheet asks it.
enum DepartureConsciousness: CaseIterable, Equatable, Sendable {
    case awakeAndAlert, arousable, notArousable
}

/// What goes with the resident.
enum PersonalItem: Equatable, Hashable, Sendable {
    case glasses, dentalProsthesis, hearingAid
    case other(String)
}

/// The emergency transfer's form, as recorded.
struct TransferForm: Equatable, Sendable {
    let residentId: String
    let reason: String
    let destination: String?
    let consciousness: DepartureConsciousness
    let recentPain: Bool
    let painScore: Int?
    let lastMeal: Date
    let items: [PersonalItem]
    let comment: String?
}

/// The sheet the core builds from the record: sections in words, what is
/// still missing (vitals to take), the page to print, and the DLU-FLUDT
/// document once nothing is missing.
struct TransferDocuments: Equatable, Sendable {
    let title: String
    let sections: [(title: String, lines: [String])]
    let missing: [String]
    let html: String
    let fludt: String?

    static func == (a: TransferDocuments, b: TransferDocuments) -> Bool {
        a.title == b.title && a.missing == b.missing && a.html == b.html && a.fludt == b.fludt
            && a.sections.map(\.title) == b.sections.map(\.title) && a.sections.map(\.lines) == b.sections.map(\.lines)
    }
}

/// The wound kinds the core knows.
enum WoundKind: CaseIterable, Equatable, Hashable, Sendable {
    case pressureInjury, legUlcer, diabeticFoot, surgical, skinTear, other
}

struct WoundKindChoice: Equatable, Sendable {
    let kind: WoundKind
    /// « Escarre », worded by the core.
    let label: String
    /// Takes an NPIAP stage.
    let staged: Bool
}

enum WoundExudate: CaseIterable, Equatable, Hashable, Sendable { case none, light, moderate, heavy }
enum WoundTissue: CaseIterable, Equatable, Hashable, Sendable { case closed, epithelial, granulation, slough, necrotic }
enum WoundStage: CaseIterable, Equatable, Hashable, Sendable {
    case stage1, stage2, stage3, stage4, unstageable, deepTissue
}

/// A wound as listed in the resident's file.
struct Wound: Identifiable, Hashable, Sendable {
    let id: String
    let kind: WoundKind
    let kindLabel: String
    let site: String
    let openedOn: String
    let healed: Bool
}

struct WoundPhoto: Identifiable, Equatable, Sendable {
    let id: String
    let takenAt: Date
    /// Its files are on this tablet (otherwise on the hub, fetched when opened).
    let onDevice: Bool
}

struct WoundAssessmentPoint: Identifiable, Equatable, Sendable {
    let id: String
    let at: Date
    let areaCm2: Double
    let pushTotal: Int
    let summary: String
}

/// A wound's follow-up: its PUSH chart as the core lays it out, its assessments, its photos.
struct WoundFollowUp: Equatable, Sendable {
    let wound: Wound
    /// « En amélioration », worded by the core.
    let trendLabel: String
    let pushChart: VitalChart
    let assessments: [WoundAssessmentPoint]
    let photos: [WoundPhoto]
    /// The photo a new one is framed over.
    let previousPhotoId: String?
}

/// An assessment as the core takes it.
struct WoundAssessment: Equatable, Sendable {
    let residentId: String
    let woundId: String
    let lengthCm: Double
    let widthCm: Double
    let depthCm: Double?
    let exudate: WoundExudate
    let tissue: WoundTissue
    let stage: WoundStage?
    let comment: String?
}

/// The core's scoring of an assessment being typed.
struct WoundPreview: Equatable, Sendable {
    let areaCm2: Double
    let pushTotal: Int
    let summary: String
}

/// What a photo records besides its pixels.
struct PhotoCapture: Equatable, Sendable {
    let residentId: String
    let woundId: String
    let bodySite: String
    let scaleMarker: Bool
    /// The resident's representative consented (otherwise the resident).
    let consentByRepresentative: Bool
    let takenAt: Date
}
