import ChevetCore
import Foundation

nonisolated final class RustVitalsService: VitalsService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func glucoseUnit(residentId: String) async -> Result<String, ServiceError> {
        let store = self.store
        return await onCore { try store.vitals().glucoseUnit(residentId: residentId) }
    }

    func preview(_ entry: VitalSet) async -> Result<VitalSetPreview, ServiceError> {
        let store = self.store
        return await onCore { VitalSetPreview(try store.vitals().previewVitalSet(entry: VitalSetEntry(entry))) }
    }

    func record(_ entry: VitalSet, at: Date) async -> Result<[String], ServiceError> {
        let store = self.store
        return await onCore { try store.vitals().recordVitalSet(entry: VitalSetEntry(entry), atMs: millis(at)) }
    }
}

extension VitalSetEntry {
    nonisolated init(_ set: VitalSet) {
        self.init(
            residentId: set.residentId,
            temperature: set.temperature,
            pulse: set.pulse,
            respiratoryRate: set.respiratoryRate,
            oxygenSaturation: set.oxygenSaturation,
            systolic: set.systolic,
            diastolic: set.diastolic,
            consciousness: set.consciousness.map(ConsciousnessLevel.init),
            oxygenFlow: set.oxygenFlow,
            pain: set.pain,
            weight: set.weight,
            glucose: set.glucose
        )
    }
}

extension ConsciousnessLevel {
    nonisolated init(_ level: Consciousness) {
        switch level {
        case .alert: self = .alert
        case .newConfusion: self = .newConfusion
        case .voice: self = .voice
        case .pain: self = .pain
        case .unresponsive: self = .unresponsive
        }
    }
}

extension VitalSetPreview {
    nonisolated init(_ info: VitalSetPreviewInfo) {
        self.init(
            problems: info.problems.map { VitalProblem(loinc: $0.loinc, message: $0.message, likely: $0.likely, likelyLabel: $0.likelyLabel) },
            news2: info.news2.map { n in
                let risk: News2Risk = switch n.risk {
                case .low: .low
                case .lowMedium: .lowMedium
                case .medium: .medium
                case .high: .high
                }
                return News2(total: Int(n.total), risk: risk, parts: n.parts.map { "\($0.parameter) \($0.points)" })
            }
        )
    }
}
