import Foundation
import Observation

/// The targets (cibles) written most in EHPAD, offered as one-tap choices; any other can be typed.
let usualTargets = [
    "Douleur", "Chute", "Alimentation", "Hydratation", "Élimination", "Sommeil", "Comportement", "Peau", "Respiration",
]

enum TransmissionEvent: Sendable {
    case target(String)
    case data(String)
    case actions(String)
    case results(String)
    case toggleAudience(StaffRole)
    case save
}

/// A targeted transmission (cible, DAR) about a resident: the core checks
/// it and keeps it. (The Android app's `TransmissionPresenter`.)
@Observable
final class TransmissionModel {
    let residentName: String
    let room: String
    private(set) var target = ""
    /// Données, actions, résultats (DAR).
    private(set) var data = ""
    private(set) var actions = ""
    private(set) var results = ""
    /// Roles it is addressed to; empty means everyone.
    private(set) var audience: Set<StaffRole> = []
    private(set) var saving = false
    /// The target of the last transmission kept.
    private(set) var saved: String?
    private(set) var error: ServiceError?

    @ObservationIgnored private let care: any CareRecordService
    @ObservationIgnored private let residentId: String
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let onRecorded: () -> Void

    init(
        care: any CareRecordService, residentId: String, residentName: String, room: String, clock: any Clock,
        onRecorded: @escaping () -> Void = {}
    ) {
        self.care = care
        self.residentId = residentId
        self.residentName = residentName
        self.room = room
        self.clock = clock
        self.onRecorded = onRecorded
    }

    func send(_ event: TransmissionEvent) async {
        switch event {
        case .target(let text): edit { $0.target = text }
        case .data(let text): edit { $0.data = text }
        case .actions(let text): edit { $0.actions = text }
        case .results(let text): edit { $0.results = text }
        case .toggleAudience(let role):
            edit { model in
                if model.audience.contains(role) { model.audience.remove(role) } else { model.audience.insert(role) }
            }
        case .save:
            await save()
        }
    }

    private func edit(_ change: (TransmissionModel) -> Void) {
        change(self)
        saved = nil
        error = nil
    }

    private func save() async {
        guard !saving else { return }
        saving = true
        let entry = Transmission(
            residentId: residentId,
            target: target.trimmingCharacters(in: .whitespacesAndNewlines),
            data: data.trimmingCharacters(in: .whitespacesAndNewlines),
            actions: actions.trimmingCharacters(in: .whitespacesAndNewlines),
            results: results.trimmingCharacters(in: .whitespacesAndNewlines),
            audience: StaffRole.allCases.filter(audience.contains)
        )
        switch await care.recordTransmission(entry, at: clock.now()) {
        case .success:
            onRecorded()
            target = ""
            data = ""
            actions = ""
            results = ""
            audience = []
            saved = entry.target
        case .failure(let e):
            error = e
        }
        saving = false
    }
}
