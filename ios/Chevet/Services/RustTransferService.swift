import ChevetCore
import Foundation

nonisolated final class RustTransferService: TransferService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func record(_ form: TransferForm, at: Date) async -> Result<String, ServiceError> {
        let store = self.store
        return await onCore {
            try store.transfers().recordEmergencyTransfer(
                entry: TransferEntry(
                    residentId: form.residentId,
                    reason: form.reason,
                    destination: form.destination,
                    consciousness: ConsciousnessAtDeparture(form.consciousness),
                    recentPain: form.recentPain,
                    painScore: form.painScore.map { UInt8(clamping: $0) },
                    lastMealAtMs: millis(form.lastMeal),
                    items: form.items.map(PersonalItemInfo.init),
                    comment: form.comment
                ),
                atMs: millis(at)
            )
        }
    }

    func documents(transferId: String) async -> Result<TransferDocuments, ServiceError> {
        let store = self.store
        return await onCore {
            let d = try store.transfers().emergencyTransferDocuments(transferId: transferId)
            return TransferDocuments(
                title: d.title,
                sections: d.sections.map { (title: $0.title, lines: $0.lines) },
                missing: d.missing,
                html: d.html,
                fludt: d.fludt
            )
        }
    }
}

extension ConsciousnessAtDeparture {
    nonisolated init(_ c: DepartureConsciousness) {
        switch c {
        case .awakeAndAlert: self = .awakeAndAlert
        case .arousable: self = .arousable
        case .notArousable: self = .notArousable
        }
    }
}

extension PersonalItemInfo {
    nonisolated init(_ item: PersonalItem) {
        switch item {
        case .glasses: self = .glasses
        case .dentalProsthesis: self = .dentalProsthesis
        case .hearingAid: self = .hearingAid
        case .other(let name): self = .other(name: name)
        }
    }
}
