import ChevetCore
import Foundation

nonisolated final class RustScaleService: ScaleService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func forms() async -> Result<[ScaleForm], ServiceError> {
        let store = self.store
        return await onCore { try store.scales().scaleFormsOffered().map(ScaleForm.init) }
    }

    func preview(residentId: String, kind: ScaleKind, answers: [UInt8?]) async -> Result<ScalePreview, ServiceError> {
        let store = self.store
        return await onCore {
            let p = try store.scales().previewScaleForm(residentId: residentId, kind: FormKind(kind), answers: answers)
            return ScalePreview(
                answered: Int(p.answered), items: Int(p.items), pointsSoFar: Int(p.pointsSoFar), readings: p.readings,
                summary: p.summary, complete: p.complete, positive: p.positive
            )
        }
    }

    func record(residentId: String, kind: ScaleKind, answers: [UInt8?], at: Date) async
        -> Result<ScaleRecorded, ServiceError>
    {
        let store = self.store
        return await onCore {
            let o = try store.scales().recordScaleForm(
                residentId: residentId, kind: FormKind(kind), answers: answers, atMs: millis(at)
            )
            return ScaleRecorded(recordId: o.recordId, summary: o.summary, positive: o.positive)
        }
    }
}

extension ScaleForm {
    nonisolated init(_ info: ScaleFormInfo) {
        self.init(
            kind: ScaleKind(info.kind),
            name: info.name,
            purpose: info.purpose,
            guidance: info.guidance,
            items: info.items.map { item in
                ScaleItem(
                    label: item.label,
                    help: item.help,
                    adverbs: item.style == .adverbs,
                    options: item.options.map { ScaleOption(label: $0.label, points: Int($0.points)) }
                )
            },
            mayRecord: info.mayRecord
        )
    }
}

extension ScaleKind {
    nonisolated init(_ kind: FormKind) {
        switch kind {
        case .braden: self = .braden
        case .norton: self = .norton
        case .algoplus: self = .algoplus
        case .doloplus: self = .doloplus
        case .selfReportedPain: self = .selfReportedPain
        case .mnaSf: self = .mnaSf
        case .aggir: self = .aggir
        }
    }
}

extension FormKind {
    nonisolated init(_ kind: ScaleKind) {
        switch kind {
        case .braden: self = .braden
        case .norton: self = .norton
        case .algoplus: self = .algoplus
        case .doloplus: self = .doloplus
        case .selfReportedPain: self = .selfReportedPain
        case .mnaSf: self = .mnaSf
        case .aggir: self = .aggir
        }
    }
}
