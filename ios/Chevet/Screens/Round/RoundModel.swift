import Foundation
import Observation

/// One occurrence of a planned act, as the round names it.
struct ActRef: Equatable, Sendable {
    let residentId: String
    let residentName: String
    let plannedActId: String
    let dueAt: Date
    let label: String
    /// A medication: closed as « donné hors tablette », not « fait ».
    var medication = false
}

/// What went wrong, for the screen to say in French.
enum RoundError: Equatable, Sendable {
    case loadFailed(ServiceError)
    case recordFailed(ActRef, ServiceError)
}

enum RoundEvent: Sendable {
    case refresh
    case setFilter(RoundFilter)
    case validate(ActRef)
    case askWhyNotDone(ActRef)
    case notDone(ActRef, ActOutcome)
    case dismissWhyNotDone
    /// A nurse closes a « non tracé »: asks how (done elsewhere, cancelled).
    case askHowToClose(ActRef)
    case close(ActRef, Closing)
    case dismissClose
    case dismissError
    /// A resident's file (identity, alerts, charts, timeline).
    case openFile(residentId: String)
    /// A resident's vitals entry.
    case openVitals(residentId: String)
    /// A targeted transmission about a resident.
    case openTransmission(residentId: String)
    /// A medication on the round: given from the resident's medication screen, its box scanned.
    case openMedication(residentId: String)
}

/// The round of a unit: who needs what now, and one tap to say it is done.
/// The core holds the round and computes everything on it (statuses,
/// alerts, what the role may record, the filter, the counts, the window
/// and their words); this turns events into calls and keeps what it
/// answered. (The Android app's `RoundPresenter`, state for state.)
@Observable
final class RoundModel {
    private(set) var loading = true
    /// The residents after the filter, in room order, with only the acts it keeps.
    private(set) var residents: [RoundResident] = []
    /// What nobody recorded (« non tracés »), oldest first: its own section, until answered or closed.
    private(set) var unrecorded: [RoundResident] = []
    /// The section's title, as the core says it, when it has something.
    private(set) var unrecordedTitle: String?
    private(set) var filter: RoundFilter = .all
    /// Counts over the whole round, whatever the filter.
    private(set) var toDo = 0
    private(set) var late = 0
    private(set) var unrecordedCount = 0
    private(set) var recorded = 0
    /// The counts in words, as the core says them.
    private(set) var countsLine = ""
    /// What to say when the filter keeps nothing, as the core says it.
    private(set) var nothingShown = ""
    /// The act whose reason for not being done is being asked.
    private(set) var askingWhyNotDone: ActRef?
    /// The « non tracé » a nurse is closing (how is being asked).
    private(set) var askingHowToClose: ActRef?
    /// The act being recorded (its buttons wait).
    private(set) var saving: ActRef?
    private(set) var error: RoundError?
    /// Records the store could not read (shown as a count, never hidden).
    private(set) var unreadable = 0
    /// What to say about them, when there are some.
    private(set) var unreadableLine: String?
    /// The filters and the reasons for an act not done, worded by the core.
    let filters: [RoundFilterChoice]
    let notDoneReasons: [ActOutcomeChoice]

    @ObservationIgnored private let rounds: any RoundService
    @ObservationIgnored private let unitId: String
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let onRecorded: () -> Void
    @ObservationIgnored private let onOpenFile: (String) -> Void
    @ObservationIgnored private let onOpenVitals: (RoundResident) -> Void
    @ObservationIgnored private let onOpenTransmission: (RoundResident) -> Void
    @ObservationIgnored private let onOpenMedication: (RoundResident) -> Void
    @ObservationIgnored private let round: any RoundFeed

    init(
        rounds: any RoundService, unitId: String, clock: any Clock, window: RoundWindow? = nil,
        onRecorded: @escaping () -> Void = {},
        onOpenFile: @escaping (String) -> Void = { _ in }, onOpenVitals: @escaping (RoundResident) -> Void = { _ in },
        onOpenTransmission: @escaping (RoundResident) -> Void = { _ in },
        onOpenMedication: @escaping (RoundResident) -> Void = { _ in }
    ) {
        self.rounds = rounds
        self.unitId = unitId
        self.clock = clock
        round = rounds.round(unitId: unitId, window: window)
        filters = rounds.filters()
        notDoneReasons = rounds.notDoneReasons()
        self.onRecorded = onRecorded
        self.onOpenFile = onOpenFile
        self.onOpenVitals = onOpenVitals
        self.onOpenTransmission = onOpenTransmission
        self.onOpenMedication = onOpenMedication
    }

    func send(_ event: RoundEvent) async {
        switch event {
        case .refresh:
            answer(await round.load(now: clock.now()))
        case .setFilter(let f):
            answer(await round.setFilter(f))
        case .validate(let act):
            await record(act, .done)
        case .askWhyNotDone(let act):
            askingWhyNotDone = act
        case .notDone(let act, let reason):
            askingWhyNotDone = nil
            await record(act, reason)
        case .dismissWhyNotDone:
            askingWhyNotDone = nil
        case .askHowToClose(let act):
            askingHowToClose = act
        case .close(let act, let closing):
            askingHowToClose = nil
            await write(act) {
                await self.rounds.closeUnrecorded(
                    residentId: act.residentId, plannedActId: act.plannedActId, occurrence: act.dueAt,
                    closing: closing, at: self.clock.now()
                )
            }
        case .dismissClose:
            askingHowToClose = nil
        case .dismissError:
            error = nil
        case .openFile(let residentId):
            onOpenFile(residentId)
        // A card is tapped only where it is shown.
        case .openVitals(let residentId):
            if let resident = residents.first(where: { $0.id == residentId }) { onOpenVitals(resident) }
        case .openTransmission(let residentId):
            if let resident = residents.first(where: { $0.id == residentId }) { onOpenTransmission(resident) }
        case .openMedication(let residentId):
            if let resident = (residents + unrecorded).first(where: { $0.id == residentId }) {
                onOpenMedication(resident)
            }
        }
    }

    /// How a nurse may close a « non tracé », worded by the core.
    func closingChoices(medication: Bool) -> [ClosingChoice] {
        rounds.closingChoices(medication: medication)
    }

    private func record(_ act: ActRef, _ outcome: ActOutcome) async {
        await write(act) {
            await self.rounds.recordAct(
                residentId: act.residentId, plannedActId: act.plannedActId, occurrence: act.dueAt, outcome: outcome,
                at: self.clock.now()
            )
        }
    }

    private func write(_ act: ActRef, _ call: () async -> Result<String, ServiceError>) async {
        guard saving == nil else { return }  // one at a time: a double tap records once
        saving = act
        let result = await call()
        switch result {
        case .success:
            // Only the card the record changed is read again, and redrawn at once.
            answer(await round.refreshResident(act.residentId, now: clock.now()))
            onRecorded()
        case .failure(let e):
            error = .recordFailed(act, e)
        }
        saving = nil
    }

    /// Shows what the core answered, or why it could not.
    private func answer(_ shown: Result<RoundShown, ServiceError>) {
        switch shown {
        case .success(let r):
            residents = r.residents
            unrecorded = r.unrecorded
            unrecordedTitle = r.unrecordedTitle
            filter = r.filter
            toDo = r.toDo
            late = r.late
            unrecordedCount = r.unrecordedCount
            recorded = r.recorded
            countsLine = r.countsLine
            nothingShown = r.nothingShown
            unreadable = r.unreadable
            unreadableLine = r.unreadableLine
        case .failure(let e):
            error = .loadFailed(e)
        }
        loading = false
    }
}
