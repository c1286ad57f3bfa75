import ChevetCore
import Foundation

nonisolated final class RustRoundService: RoundService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func units() async -> Result<[CareUnit], ServiceError> {
        let store = self.store
        return await onCore {
            try store.units().map {
                CareUnit(id: $0.unitId, name: $0.name, timeZone: $0.timeZone, homeCare: $0.homeCare)
            }
        }
    }

    func round(unitId: String, from: Date, to: Date) async -> Result<Round, ServiceError> {
        let store = self.store
        return await onCore {
            let info = try store.roundView(unitId: unitId, fromMs: millis(from), toMs: millis(to))
            return Round(residents: info.residents.map(RoundResident.init), unreadable: Int(info.unreadable))
        }
    }

    func roundResident(unitId: String, residentId: String, from: Date, to: Date) async
        -> Result<RoundResident?, ServiceError>
    {
        let store = self.store
        return await onCore {
            try store.roundViewResident(unitId: unitId, residentId: residentId, fromMs: millis(from), toMs: millis(to))
                .map(RoundResident.init)
        }
    }

    func recordAct(residentId: String, plannedActId: String, occurrence: Date, outcome: ActOutcome, at: Date) async
        -> Result<String, ServiceError>
    {
        let store = self.store
        return await onCore {
            try store.recordAct(
                residentId: residentId,
                plannedActId: plannedActId,
                occurrenceMs: millis(occurrence),
                result: ActResult(outcome),
                comment: nil,
                atMs: millis(at)
            )
        }
    }
}

extension RoundResident {
    nonisolated init(_ info: RoundResidentInfo) {
        self.init(
            id: info.residentId,
            displayName: info.displayName,
            room: info.room,
            acts: info.items.map(RoundAct.init),
            alerts: info.alerts.map { ResidentAlert(level: $0.level == .act ? .act : .watch, why: $0.why) }
        )
    }
}

extension RoundAct {
    nonisolated init(_ item: RoundItemInfo) {
        self.init(
            plannedActId: item.plannedActId,
            label: item.label,
            dueAt: date(millis: item.dueAtMs),
            status: ActStatus(item.status),
            statusLabel: item.statusLabel,
            mayRecord: item.mayRecord,
            medication: item.medication
        )
    }
}

extension ActStatus {
    nonisolated init(_ status: RoundStatus) {
        switch status {
        case .due: self = .due
        case .late: self = .late
        case .missed: self = .missed
        case .done: self = .done
        case .partlyDone: self = .partlyDone
        case .notDone: self = .notDone
        case .refused: self = .refused
        case .spatOut: self = .spatOut
        }
    }
}

extension ActResult {
    nonisolated init(_ outcome: ActOutcome) {
        switch outcome {
        case .done: self = .done
        case .partlyDone: self = .partlyDone
        case .notDoneAbsent: self = .notDoneAbsent
        case .notDoneAsleep: self = .notDoneAsleep
        case .notDoneClinicalDecision: self = .notDoneClinicalDecision
        case .notDoneWorkload: self = .notDoneWorkload
        case .refused: self = .refused
        }
    }
}
