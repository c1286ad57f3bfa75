import ChevetCore
import Foundation

nonisolated final class RustHandoverService: HandoverService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func handover(unitId: String, since: Date, until: Date) async -> Result<Handover, ServiceError> {
        let store = self.store
        return await onCore {
            Handover(try store.handovers().handover(unitId: unitId, sinceMs: millis(since), untilMs: millis(until)))
        }
    }

    func markRead(unitId: String, until: Date) async -> Result<Void, ServiceError> {
        let store = self.store
        return await onCore { try store.handovers().markHandoverRead(unitId: unitId, untilMs: millis(until)) }
    }
}

extension Handover {
    nonisolated init(_ info: HandoverInfo) {
        self.init(
            residents: info.residents.map { r in
                ResidentHandover(
                    id: r.residentId,
                    displayName: r.displayName,
                    room: r.room,
                    lines: r.lines.map { HandoverLine(
                            kind: Chevet.HandoverKind($0.kind), word: $0.word,
                            level: $0.level.map { $0 == .act ? Chevet.AlertLevel.act : .watch }, action: $0.action, at: $0.atMs.map { date(millis: $0) }, text: $0.text,
                            mark: $0.mark
                        ) }
                )
            },
            readUntil: info.readUntilMs.map { date(millis: $0) },
            unreadable: Int(info.unreadable)
        )
    }
}

extension Chevet.HandoverKind {
    nonisolated init(_ kind: ChevetCore.HandoverKind) {
        switch kind {
        case .alert: self = .alert
        case .fall: self = .fall
        case .unrecorded: self = .unrecorded
        case .medicationNotGiven: self = .medicationNotGiven
        case .actNotDone: self = .actNotDone
        case .woundNew: self = .woundNew
        case .woundWorse: self = .woundWorse
        case .transmission: self = .transmission
        }
    }
}
