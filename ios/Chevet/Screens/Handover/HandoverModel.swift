import Foundation
import Observation

enum HandoverEvent: Sendable {
    case load
    /// « J'ai pris connaissance de la relève ».
    case markRead
}

/// The shift handover: what happened to whom over the last shift in the
/// unit, as the core computes it; what the signed-in professional has not
/// read yet is marked new, and reading it is recorded for them. (The
/// Android app's `HandoverPresenter`.)
@Observable
final class HandoverModel {
    private(set) var loading = true
    /// The shift handed over.
    private(set) var since: Date?
    private(set) var until: Date?
    private(set) var handover: Handover?
    /// Lines after this were not yet read by whoever is signed in.
    private(set) var readUntil: Date?
    private(set) var error: ServiceError?

    @ObservationIgnored private let handovers: any HandoverService
    @ObservationIgnored private let unitId: String
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let shiftHours: Double

    init(handovers: any HandoverService, unitId: String, clock: any Clock, shiftHours: Double = 12) {
        self.handovers = handovers
        self.unitId = unitId
        self.clock = clock
        self.shiftHours = shiftHours
    }

    func send(_ event: HandoverEvent) async {
        switch event {
        case .load:
            let until = clock.now()
            let since = until - shiftHours * 3600
            switch await handovers.handover(unitId: unitId, since: since, until: until) {
            case .success(let h):
                self.since = since
                self.until = until
                handover = h
                readUntil = h.readUntil
            case .failure(let e):
                error = e
            }
            loading = false
        case .markRead:
            guard let until else { return }
            switch await handovers.markRead(unitId: unitId, until: until) {
            case .success: readUntil = until
            case .failure(let e): error = e
            }
        }
    }

    /// Whether a line is new to whoever is signed in.
    func isNew(_ line: HandoverLine) -> Bool {
        guard let at = line.at else { return false }
        return readUntil.map { at > $0 } ?? true
    }
}
