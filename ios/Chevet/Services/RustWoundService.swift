import ChevetCore
import Foundation

nonisolated final class RustWoundService: WoundService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func kinds() -> [WoundKindChoice] {
        woundKinds().map { WoundKindChoice(kind: Chevet.WoundKind($0.kind), label: $0.label, staged: $0.staged) }
    }

    func open(residentId: String, kind: Chevet.WoundKind, site: String, at: Date) async -> Result<String, ServiceError> {
        let store = self.store
        return await onCore {
            try store.openWound(residentId: residentId, kind: ChevetCore.WoundKind(kind), site: site, openedOnMs: millis(at))
        }
    }

    func followUp(woundId: String) async -> Result<WoundFollowUp, ServiceError> {
        let store = self.store
        return await onCore {
            let f = try store.residents().woundFollowUp(woundId: woundId)
            return WoundFollowUp(
                wound: Wound(f.wound),
                trendLabel: f.trendLabel,
                pushChart: VitalChart(f.pushChart),
                assessments: f.assessments.map {
                    WoundAssessmentPoint(
                        id: $0.recordId, at: date(millis: $0.atMs), areaCm2: $0.areaCm2, pushTotal: Int($0.pushTotal),
                        summary: $0.summary
                    )
                },
                photos: f.photos.map { WoundPhoto(id: $0.photoId, takenAt: date(millis: $0.takenAtMs), onDevice: $0.onDevice) },
                previousPhotoId: f.previousPhotoId
            )
        }
    }

    func preview(_ entry: WoundAssessment) -> Result<WoundPreview, ServiceError> {
        do {
            let p = try previewWoundAssessment(entry: WoundAssessmentEntry(entry))
            return .success(WoundPreview(areaCm2: p.areaCm2, pushTotal: Int(p.pushTotal), summary: p.summary))
        } catch let error as ChevetError {
            return .failure(ServiceError(error))
        } catch {
            return .failure(.other(kind: "wound preview"))
        }
    }

    func record(_ entry: WoundAssessment, at: Date) async -> Result<String, ServiceError> {
        let store = self.store
        return await onCore { try store.records().recordWoundAssessment(entry: WoundAssessmentEntry(entry), atMs: millis(at)) }
    }

    func image(photoId: String, thumbnail: Bool) async -> Result<Data, ServiceError> {
        let store = self.store
        return await onCore {
            try store.photoImage(photoId: photoId, rendition: thumbnail ? Rendition.thumbnail : Rendition.display)
        }
    }

    func ingest(_ capture: PhotoCapture, cameraBytes: Data) async -> Result<String, ServiceError> {
        let store = self.store
        return await onCore {
            try store.ingestPhoto(
                capture: PhotoCaptureInfo(
                    residentId: capture.residentId,
                    woundId: capture.woundId,
                    assessmentId: nil,
                    bodySite: capture.bodySite,
                    scaleMarker: capture.scaleMarker,
                    consentByRepresentative: capture.consentByRepresentative,
                    takenAtMs: millis(capture.takenAt)
                ),
                cameraBytes: cameraBytes
            ).photoId
        }
    }
}

extension Wound {
    nonisolated init(_ info: WoundInfo) {
        self.init(
            id: info.woundId, kind: Chevet.WoundKind(info.kind), kindLabel: info.kindLabel, site: info.site,
            openedOn: info.openedOn, healed: info.healed
        )
    }
}

extension Chevet.WoundKind {
    nonisolated init(_ kind: ChevetCore.WoundKind) {
        switch kind {
        case .pressureInjury: self = .pressureInjury
        case .legUlcer: self = .legUlcer
        case .diabeticFoot: self = .diabeticFoot
        case .surgical: self = .surgical
        case .skinTear: self = .skinTear
        case .other: self = .other
        }
    }
}

extension ChevetCore.WoundKind {
    nonisolated init(_ kind: Chevet.WoundKind) {
        switch kind {
        case .pressureInjury: self = .pressureInjury
        case .legUlcer: self = .legUlcer
        case .diabeticFoot: self = .diabeticFoot
        case .surgical: self = .surgical
        case .skinTear: self = .skinTear
        case .other: self = .other
        }
    }
}

extension WoundAssessmentEntry {
    nonisolated init(_ e: WoundAssessment) {
        let exudate: ChevetCore.WoundExudate = switch e.exudate {
        case .none: .none
        case .light: .light
        case .moderate: .moderate
        case .heavy: .heavy
        }
        let tissue: ChevetCore.WoundTissue = switch e.tissue {
        case .closed: .closed
        case .epithelial: .epithelial
        case .granulation: .granulation
        case .slough: .slough
        case .necrotic: .necrotic
        }
        let stage: ChevetCore.WoundStage? = switch e.stage {
        case .stage1?: .stage1
        case .stage2?: .stage2
        case .stage3?: .stage3
        case .stage4?: .stage4
        case .unstageable?: .unstageable
        case .deepTissue?: .deepTissue
        case nil: nil
        }
        self.init(
            residentId: e.residentId, woundId: e.woundId, lengthCm: e.lengthCm, widthCm: e.widthCm, depthCm: e.depthCm,
            exudate: exudate, tissue: tissue, stage: stage, comment: e.comment
        )
    }
}
