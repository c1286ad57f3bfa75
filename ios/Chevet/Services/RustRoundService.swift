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

    func round(unitId: String, window: RoundWindow?) -> any RoundFeed {
        let window = window.map { ChevetCore.RoundWindow(hoursBefore: $0.hoursBefore, hoursAfter: $0.hoursAfter) }
            ?? standardRoundWindow()
        return RustRoundFeed(store: store, unitId: unitId, window: window)
    }

    func filters() -> [RoundFilterChoice] {
        roundFilters().map { RoundFilterChoice(filter: RoundFilter($0.filter), label: $0.label) }
    }

    func notDoneReasons() -> [ActOutcomeChoice] {
        ChevetCore.notDoneReasons().map { ActOutcomeChoice(outcome: ActOutcome($0.result), label: $0.label) }
    }

    func recordAct(residentId: String, plannedActId: String, occurrence: Date, outcome: ActOutcome, at: Date) async
        -> Result<String, ServiceError>
    {
        let store = self.store
        return await onCore {
            try store.records().recordAct(
                residentId: residentId,
                plannedActId: plannedActId,
                occurrenceMs: millis(occurrence),
                result: ActResult(outcome),
                comment: nil,
                atMs: millis(at)
            )
        }
    }

    func closingChoices(medication: Bool) -> [ClosingChoice] {
        ChevetCore.closingChoices(medication: medication).map {
            ClosingChoice(closing: $0.closing == .cancelled ? .cancelled : .recordedElsewhere, label: $0.label)
        }
    }

    func closeUnrecorded(residentId: String, plannedActId: String, occurrence: Date, closing: Closing, at: Date) async
        -> Result<String, ServiceError>
    {
        let store = self.store
        return await onCore {
            try store.rounds().closeUnrecorded(
                residentId: residentId,
                plannedActId: plannedActId,
                occurrenceMs: millis(occurrence),
                closing: closing == .cancelled ? .cancelled : .recordedElsewhere,
                atMs: millis(at)
            )
        }
    }
}

/// The round's screen in the core, made at the first call (an id it refuses is that call's error).
nonisolated final class RustRoundFeed: RoundFeed, @unchecked Sendable {
    private let store: ChevetStore
    private let unitId: String
    private let window: ChevetCore.RoundWindow
    private let lock = NSLock()
    private var screen: RoundScreen?

    init(store: ChevetStore, unitId: String, window: ChevetCore.RoundWindow) {
        self.store = store
        self.unitId = unitId
        self.window = window
    }

    private func held() throws -> RoundScreen {
        lock.lock()
        defer { lock.unlock() }
        if let screen { return screen }
        let made = try store.rounds().roundScreen(unitId: unitId, window: window)
        screen = made
        return made
    }

    func load(now: Date) async -> Result<RoundShown, ServiceError> {
        await onCore { RoundShown(try self.held().load(nowMs: millis(now))) }
    }

    func refreshResident(_ residentId: String, now: Date) async -> Result<RoundShown, ServiceError> {
        await onCore { RoundShown(try self.held().refreshResident(residentId: residentId, nowMs: millis(now))) }
    }

    func setFilter(_ filter: RoundFilter) async -> Result<RoundShown, ServiceError> {
        await onCore { RoundShown(try self.held().setFilter(filter: ChevetCore.RoundFilter(filter))) }
    }
}

extension RoundShown {
    nonisolated init(_ info: ChevetCore.RoundShown) {
        self.init(
            residents: info.residents.map(RoundResident.init),
            unrecorded: info.unrecorded.map(RoundResident.init),
            unrecordedTitle: info.unrecordedTitle,
            filter: RoundFilter(info.filter),
            toDo: Int(info.counts.toDo),
            late: Int(info.counts.late),
            unrecordedCount: Int(info.counts.unrecorded),
            recorded: Int(info.counts.recorded),
            countsLine: info.countsLine,
            nothingShown: info.nothingShown,
            unreadable: Int(info.unreadable),
            unreadableLine: info.unreadableLine
        )
    }
}

extension RoundFilter {
    nonisolated init(_ filter: ChevetCore.RoundFilter) {
        switch filter {
        case .all: self = .all
        case .mine: self = .mine
        case .toDo: self = .toDo
        case .late: self = .late
        }
    }
}

extension ChevetCore.RoundFilter {
    nonisolated init(_ filter: RoundFilter) {
        switch filter {
        case .all: self = .all
        case .mine: self = .mine
        case .toDo: self = .toDo
        case .late: self = .late
        }
    }
}

extension ActOutcome {
    nonisolated init(_ result: ActResult) {
        switch result {
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

extension RoundResident {
    nonisolated init(_ info: RoundResidentInfo) {
        self.init(
            id: info.residentId,
            displayName: info.displayName,
            room: info.room,
            acts: info.items.map(RoundAct.init),
            alerts: info.alerts.map { ResidentAlert(
                level: $0.level == .act ? .act : .watch, word: $0.word, why: $0.why, action: $0.action
            ) }
        )
    }
}

extension RoundAct {
    nonisolated init(_ item: RoundItemInfo) {
        self.init(
            plannedActId: item.plannedActId,
            label: item.label,
            dueAt: date(millis: item.dueAtMs),
            dueLabel: item.dueLabel,
            status: ActStatus(item.status),
            statusLabel: item.statusLabel,
            isOpen: item.open,
            isLate: item.late,
            mayRecord: item.mayRecord,
            mayClose: item.mayClose,
            medication: item.medication
        )
    }
}

extension ActStatus {
    nonisolated init(_ status: RoundStatus) {
        switch status {
        case .due: self = .due
        case .late: self = .late
        case .unrecorded: self = .unrecorded
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
