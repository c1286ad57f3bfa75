import Foundation
import Observation

/// Which acts the round shows.
enum RoundFilter: CaseIterable, Equatable, Sendable {
    /// Everything on the round.
    case all
    /// What is still to do and the signed-in professional's role may record.
    case mine
    /// What is still to do (due, late or missed).
    case toDo
    /// Only what is late or missed.
    case late
}

/// One occurrence of a planned act, as the round names it.
struct ActRef: Equatable, Sendable {
    let residentId: String
    let residentName: String
    let plannedActId: String
    let dueAt: Date
    let label: String
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

/// The reasons offered for an act not done, in the order the dialog shows them.
let notDoneReasons: [ActOutcome] = [
    .refused, .notDoneAbsent, .notDoneAsleep, .notDoneClinicalDecision, .notDoneWorkload, .partlyDone,
]

/// The round of a unit: who needs what now, and one tap to say it is done.
/// The core computes the round (statuses, alerts, what the role may
/// record); this filters it and records. (The Android app's
/// `RoundPresenter`, state for state.)
@Observable
final class RoundModel {
    private(set) var loading = true
    /// The residents after the filter, in room order, with only the acts it keeps.
    private(set) var residents: [RoundResident] = []
    private(set) var filter: RoundFilter = .all
    /// Counts over the whole round, whatever the filter.
    private(set) var toDo = 0
    private(set) var late = 0
    private(set) var done = 0
    /// The act whose reason for not being done is being asked.
    private(set) var askingWhyNotDone: ActRef?
    /// The act being recorded (its buttons wait).
    private(set) var saving: ActRef?
    private(set) var error: RoundError?
    /// Records the store could not read (shown as a count, never hidden).
    private(set) var unreadable = 0

    @ObservationIgnored private let rounds: any RoundService
    @ObservationIgnored private let unitId: String
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let onRecorded: () -> Void
    @ObservationIgnored private let onOpenFile: (String) -> Void
    @ObservationIgnored private let onOpenVitals: (RoundResident) -> Void
    @ObservationIgnored private let onOpenTransmission: (RoundResident) -> Void
    @ObservationIgnored private let onOpenMedication: (RoundResident) -> Void
    @ObservationIgnored private var round: Round?
    @ObservationIgnored private let before: TimeInterval = 6 * 3600
    @ObservationIgnored private let after: TimeInterval = 2 * 3600

    init(
        rounds: any RoundService, unitId: String, clock: any Clock, onRecorded: @escaping () -> Void = {},
        onOpenFile: @escaping (String) -> Void = { _ in }, onOpenVitals: @escaping (RoundResident) -> Void = { _ in },
        onOpenTransmission: @escaping (RoundResident) -> Void = { _ in },
        onOpenMedication: @escaping (RoundResident) -> Void = { _ in }
    ) {
        self.rounds = rounds
        self.unitId = unitId
        self.clock = clock
        self.onRecorded = onRecorded
        self.onOpenFile = onOpenFile
        self.onOpenVitals = onOpenVitals
        self.onOpenTransmission = onOpenTransmission
        self.onOpenMedication = onOpenMedication
    }

    func send(_ event: RoundEvent) async {
        switch event {
        case .refresh:
            await reload()
        case .setFilter(let f):
            filter = f
            show()
        case .validate(let act):
            await record(act, .done)
        case .askWhyNotDone(let act):
            askingWhyNotDone = act
        case .notDone(let act, let reason):
            askingWhyNotDone = nil
            await record(act, reason)
        case .dismissWhyNotDone:
            askingWhyNotDone = nil
        case .dismissError:
            error = nil
        case .openFile(let residentId):
            onOpenFile(residentId)
        case .openVitals(let residentId):
            if let resident = round?.residents.first(where: { $0.id == residentId }) { onOpenVitals(resident) }
        case .openTransmission(let residentId):
            if let resident = round?.residents.first(where: { $0.id == residentId }) { onOpenTransmission(resident) }
        case .openMedication(let residentId):
            if let resident = round?.residents.first(where: { $0.id == residentId }) { onOpenMedication(resident) }
        }
    }

    private func record(_ act: ActRef, _ outcome: ActOutcome) async {
        guard saving == nil else { return }  // one at a time: a double tap records once
        saving = act
        let result = await rounds.recordAct(
            residentId: act.residentId, plannedActId: act.plannedActId, occurrence: act.dueAt, outcome: outcome,
            at: clock.now()
        )
        switch result {
        case .success:
            await reloadResident(act.residentId)
            onRecorded()
        case .failure(let e):
            error = .recordFailed(act, e)
        }
        saving = nil
    }

    private func reload() async {
        let now = clock.now()
        switch await rounds.round(unitId: unitId, from: now - before, to: now + after) {
        case .success(let r):
            round = r
            unreadable = r.unreadable
            show()
        case .failure(let e):
            error = .loadFailed(e)
        }
        loading = false
    }

    /// Reads again the one card a record changed, not the whole round.
    private func reloadResident(_ residentId: String) async {
        guard let r = round else { return await reload() }
        let now = clock.now()
        switch await rounds.roundResident(unitId: unitId, residentId: residentId, from: now - before, to: now + after) {
        case .success(let card):
            let residents = card.map { card in r.residents.map { $0.id == residentId ? card : $0 } }
                ?? r.residents.filter { $0.id != residentId }
            round = Round(residents: residents, unreadable: r.unreadable)
            show()
        case .failure(let e):
            error = .loadFailed(e)
        }
    }

    /// The residents and counts of the last round under the filter.
    private func show() {
        guard let r = round else { return }
        let acts = r.residents.flatMap(\.acts)
        let keep: (RoundAct) -> Bool =
            switch filter {
            case .all: { _ in true }
            case .mine: { $0.status.isOpen && $0.mayRecord }
            case .toDo: { $0.status.isOpen }
            case .late: { $0.status.isLate }
            }
        residents = r.residents.compactMap { resident in
            let kept = resident.acts.filter(keep)
            // A resident with an alert stays on the full round even with nothing due.
            if kept.isEmpty && !(filter == .all && !resident.alerts.isEmpty) { return nil }
            var shown = resident
            shown.acts = kept
            return shown
        }
        toDo = acts.filter { $0.status.isOpen }.count
        late = acts.filter { $0.status.isLate }.count
        done = acts.filter { !$0.status.isOpen }.count
    }
}
