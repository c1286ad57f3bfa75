import ChevetCore
import Foundation

nonisolated final class RustMedicationService: MedicationService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func due(unitId: String, residentId: String, from: Date, to: Date) async -> Result<[MedicationDue], ServiceError> {
        let store = self.store
        return await onCore {
            try store.medication().medicationDue(unitId: unitId, residentId: residentId, fromMs: millis(from), toMs: millis(to))
                .map(MedicationDue.init)
        }
    }

    func checkBox(residentId: String, plannedActId: String, scan: String, at: Date) async
        -> Result<MedicineBox, ServiceError>
    {
        let store = self.store
        return await onCore {
            let box = try store.medication().checkMedicineBox(
                residentId: residentId, plannedActId: plannedActId, scan: scan, atMs: millis(at)
            )
            return MedicineBox(gtin: box.gtin, cip13: box.cip13, lot: box.lot, expiryDay: box.expiryDay)
        }
    }

    func record(
        residentId: String, plannedActId: String, occurrence: Date, outcome: AdministrationOutcome, scan: String?,
        at: Date
    ) async -> Result<String, ServiceError> {
        let store = self.store
        return await onCore {
            try store.records().recordAdministration(
                residentId: residentId,
                plannedActId: plannedActId,
                occurrenceMs: millis(occurrence),
                result: AdministrationResult(outcome),
                scannedBarcode: scan,
                atMs: millis(at)
            )
        }
    }
}

extension MedicationDue {
    nonisolated init(_ info: MedicationDueInfo) {
        self.init(
            plannedActId: info.plannedActId,
            label: info.label,
            drug: info.drug,
            dose: info.dose,
            route: info.route,
            dueAt: date(millis: info.dueAtMs),
            status: ActStatus(info.status),
            statusLabel: info.statusLabel,
            isOpen: info.open,
            isLate: info.late,
            mayRecord: info.mayRecord,
            intakeAssistanceAllowed: info.intakeAssistanceAllowed,
            expectedProduct: info.expectedProduct
        )
    }
}

extension AdministrationResult {
    nonisolated init(_ outcome: AdministrationOutcome) {
        switch outcome {
        case .given: self = .given
        case .refused: self = .refused
        case .spatOut: self = .spatOut
        case .notGivenAbsent: self = .notGivenAbsent
        case .notGivenAsleep: self = .notGivenAsleep
        case .notGivenClinicalDecision: self = .notGivenClinicalDecision
        }
    }
}
