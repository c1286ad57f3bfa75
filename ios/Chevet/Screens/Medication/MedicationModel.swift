import Foundation
import Observation

/// A box scanned for a line and accepted by the core: the text is what the record keeps.
struct ScannedBox: Equatable, Sendable {
    let scan: String
    let box: MedicineBox
}

/// Why a scanned box is refused, in what the care worker must do about it.
enum BoxProblem: Equatable, Sendable {
    /// Another product than prescribed: do not give it.
    case wrongProduct
    /// Past its expiry date: take another box.
    case expired
    /// Not a medicine box's code, or unreadable.
    case unreadable
}

enum MedicationError: Equatable, Sendable {
    case loadFailed(ServiceError)
    case boxRefused(MedicationDue, BoxProblem)
    case recordFailed(MedicationDue, ServiceError)
}

enum MedicationEvent: Sendable {
    case load
    /// The text of the Data Matrix the camera read for a line.
    case boxScanned(MedicationDue, String)
    case give(MedicationDue)
    case askWhyNotGiven(MedicationDue)
    case notGiven(MedicationDue, AdministrationOutcome)
    case dismissWhyNotGiven
    case dismissError
}

/// The answers offered when a dose is not given, in the order the dialog shows them.
let notGivenOutcomes: [AdministrationOutcome] = [
    .refused, .spatOut, .notGivenAsleep, .notGivenAbsent, .notGivenClinicalDecision,
]

/// What is wrong with a refused box. The core says it in its refusal's
/// reason (the same words on the hub); anything else is an unreadable code.
func boxProblem(_ error: ServiceError) -> BoxProblem {
    guard case .invalidInput(_, let reason) = error else { return .unreadable }
    if reason.contains("not the prescribed product") { return .wrongProduct }
    if reason.contains("past its expiry date") { return .expired }
    return .unreadable
}

/// A resident's medication at the bedside: the lines due, the box scanned
/// and checked by the core (product, lot, expiry), the dose recorded or why
/// not. A refused box is not given until a right one is scanned. (The
/// Android app's `MedicationPresenter`.)
@Observable
final class MedicationModel {
    let residentName: String
    let room: String
    private(set) var loading = true
    /// The lines due on the round's span, by time.
    private(set) var lines: [MedicationDue] = []
    /// Boxes scanned and accepted, by line occurrence.
    private(set) var scanned: [String: ScannedBox] = [:]
    /// Lines whose last scanned box was refused: not given until a right box is scanned.
    private(set) var boxRefused: Set<String> = []
    /// The line whose reason for not being given is being asked.
    private(set) var askingWhyNotGiven: MedicationDue?
    /// The line being recorded (its buttons wait).
    private(set) var saving: String?
    private(set) var error: MedicationError?

    @ObservationIgnored private let medication: any MedicationService
    @ObservationIgnored private let unitId: String
    @ObservationIgnored private let residentId: String
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let onRecorded: () -> Void

    init(
        medication: any MedicationService, unitId: String, residentId: String, residentName: String, room: String,
        clock: any Clock, onRecorded: @escaping () -> Void = {}
    ) {
        self.medication = medication
        self.unitId = unitId
        self.residentId = residentId
        self.residentName = residentName
        self.room = room
        self.clock = clock
        self.onRecorded = onRecorded
    }

    func send(_ event: MedicationEvent) async {
        switch event {
        case .load:
            await reload()
        case .boxScanned(let line, let scan):
            switch await medication.checkBox(
                residentId: residentId, plannedActId: line.plannedActId, scan: scan, at: clock.now()
            ) {
            case .success(let box):
                scanned[line.id] = ScannedBox(scan: scan, box: box)
                boxRefused.remove(line.id)
                error = nil
            case .failure(let e):
                scanned[line.id] = nil
                boxRefused.insert(line.id)
                error = .boxRefused(line, boxProblem(e))
            }
        case .give(let line):
            await record(line, .given)
        case .askWhyNotGiven(let line):
            askingWhyNotGiven = line
        case .notGiven(let line, let outcome):
            askingWhyNotGiven = nil
            await record(line, outcome)
        case .dismissWhyNotGiven:
            askingWhyNotGiven = nil
        case .dismissError:
            error = nil
        }
    }

    private func record(_ line: MedicationDue, _ outcome: AdministrationOutcome) async {
        guard saving == nil else { return }  // one at a time: a double tap records once
        // A refused box is not given until a right one is scanned.
        if outcome == .given && boxRefused.contains(line.id) { return }
        saving = line.id
        let scan = outcome == .given ? scanned[line.id]?.scan : nil
        switch await medication.record(
            residentId: residentId, plannedActId: line.plannedActId, occurrence: line.dueAt, outcome: outcome, scan: scan,
            at: clock.now()
        ) {
        case .success:
            onRecorded()
            await reload()
        case .failure(let e):
            error = .recordFailed(line, e)
        }
        saving = nil
    }

    private func reload() async {
        let now = clock.now()
        switch await medication.due(unitId: unitId, residentId: residentId, from: now - 6 * 3600, to: now + 2 * 3600) {
        case .success(let due): lines = due
        case .failure(let e): error = .loadFailed(e)
        }
        loading = false
    }
}
