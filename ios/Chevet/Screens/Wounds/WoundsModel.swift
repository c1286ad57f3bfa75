import Foundation
import Observation

/// An assessment as it is typed (sizes as text, French decimals).
struct AssessmentForm: Equatable, Sendable {
    var length = ""
    var width = ""
    var depth = ""
    var exudate: WoundExudate?
    var tissue: WoundTissue?
    var stage: WoundStage?
    var comment = ""
    var preview: WoundPreview?
}

/// A new wound: its kind and where it is.
struct NewWoundForm: Equatable, Sendable {
    var kind: WoundKind?
    var site = ""
}

/// Taking a photo: the previous one as a ghost to repeat the framing.
struct CaptureForm: Equatable, Sendable {
    /// The previous photo's display image, decrypted in memory, when there is one.
    var ghost: Data?
    var ghostOpacity = 0.4
    var scaleMarker = true
    /// Consent given by the resident (false: by their representative); nil until stated.
    var consentByResident: Bool?
    var taking = false
}

enum WoundsEvent: Sendable {
    case open(woundId: String)
    case startNewWound
    case newWoundKind(WoundKind)
    case newWoundSite(String)
    case saveNewWound
    case startAssessment
    case length(String)
    case width(String)
    case depth(String)
    case exudate(WoundExudate)
    case tissue(WoundTissue)
    case stage(WoundStage)
    case comment(String)
    case saveAssessment
    case startCapture
    case ghostOpacity(Double)
    case scaleMarker(Bool)
    case consent(byResident: Bool)
    /// The camera's still (JPEG bytes in memory), or nil when it gave none.
    case photoTaken(Data?)
    /// Back from a form to the follow-up (nothing kept).
    case cancel
    case dismissError
}

/// A resident's wounds: the list, one wound's follow-up (PUSH chart,
/// assessments, photo strip), a new wound, an assessment scored as it is
/// typed, and a photo framed over the previous one. Photos travel as bytes
/// between the camera, the core and the screen, never as files. (The
/// Android app's `WoundsPresenter`.)
@Observable
final class WoundsModel {
    let residentId: String
    let residentName: String
    let room: String
    private(set) var wounds: [Wound]
    let kinds: [WoundKindChoice]
    private(set) var followUp: WoundFollowUp?
    /// Thumbnails by photo id, decrypted in memory.
    private(set) var thumbnails: [String: Data] = [:]
    private(set) var assessment: AssessmentForm?
    private(set) var newWound: NewWoundForm?
    private(set) var capture: CaptureForm?
    private(set) var saving = false
    /// What was just kept, in French.
    private(set) var notice: String?
    /// The camera gave no picture (busy, refused).
    private(set) var cameraFailed = false
    private(set) var error: ServiceError?

    @ObservationIgnored private let service: any WoundService
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let onRecorded: () -> Void

    init(
        wounds: any WoundService, residentId: String, residentName: String, room: String, initial: [Wound],
        clock: any Clock, onRecorded: @escaping () -> Void = {}
    ) {
        service = wounds
        self.residentId = residentId
        self.residentName = residentName
        self.room = room
        self.wounds = initial
        kinds = wounds.kinds()
        self.clock = clock
        self.onRecorded = onRecorded
    }

    func send(_ event: WoundsEvent) async {
        switch event {
        case .open(let id): await open(id)
        case .startNewWound:
            newWound = NewWoundForm()
            assessment = nil
            capture = nil
            notice = nil
        case .newWoundKind(let kind): newWound?.kind = kind
        case .newWoundSite(let site): newWound?.site = site
        case .saveNewWound: await saveNewWound()
        case .startAssessment:
            assessment = AssessmentForm()
            capture = nil
            newWound = nil
            notice = nil
        case .length(let t): typed { $0.length = t }
        case .width(let t): typed { $0.width = t }
        case .depth(let t): typed { $0.depth = t }
        case .exudate(let v): typed { $0.exudate = v }
        case .tissue(let v): typed { $0.tissue = v }
        case .stage(let v): typed { $0.stage = $0.stage == v ? nil : v }
        case .comment(let t): typed { $0.comment = t }
        case .saveAssessment: await saveAssessment()
        case .startCapture: await startCapture()
        case .ghostOpacity(let v): capture?.ghostOpacity = min(max(v, 0), 1)
        case .scaleMarker(let present): capture?.scaleMarker = present
        case .consent(let byResident): capture?.consentByResident = byResident
        case .photoTaken(let bytes): await photoTaken(bytes)
        case .cancel:
            assessment = nil
            newWound = nil
            capture = nil
            error = nil
        case .dismissError: error = nil
        }
    }

    private func open(_ woundId: String) async {
        switch await service.followUp(woundId: woundId) {
        case .success(let f):
            followUp = f
            assessment = nil
            newWound = nil
            capture = nil
            error = nil
            // Thumbnails one by one: the strip fills as they come.
            for photo in f.photos where photo.onDevice {
                if case .success(let bytes) = await service.image(photoId: photo.id, thumbnail: true) {
                    thumbnails[photo.id] = bytes
                }
            }
        case .failure(let e):
            error = e
        }
    }

    private func saveNewWound() async {
        guard let form = newWound, let kind = form.kind, !saving else { return }
        let site = form.site.trimmingCharacters(in: .whitespaces)
        guard !site.isEmpty else { return }
        saving = true
        let result = await service.open(residentId: residentId, kind: kind, site: site, at: clock.now())
        saving = false
        switch result {
        case .success(let id):
            newWound = nil
            let label = kinds.first { $0.kind == kind }?.label ?? ""
            notice = "Plaie ouverte : \(label), \(site)"
            onRecorded()
            await open(id)
            if let wound = followUp?.wound { wounds = [wound] + wounds.filter { $0.id != id } }
        case .failure(let e):
            error = e
        }
    }

    /// The entry as the core takes it; nil while a size is not a number.
    private func entry() -> WoundAssessment? {
        guard let f = assessment, let wound = followUp?.wound else { return nil }
        func cm(_ text: String) -> Double? { Double(text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")) }
        guard let length = cm(f.length), let width = cm(f.width), let exudate = f.exudate, let tissue = f.tissue else {
            return nil
        }
        var depth: Double?
        if !f.depth.trimmingCharacters(in: .whitespaces).isEmpty {
            guard let d = cm(f.depth) else { return nil }
            depth = d
        }
        let comment = f.comment.trimmingCharacters(in: .whitespaces)
        return WoundAssessment(
            residentId: residentId, woundId: wound.id, lengthCm: length, widthCm: width, depthCm: depth,
            exudate: exudate, tissue: tissue, stage: f.stage, comment: comment.isEmpty ? nil : comment
        )
    }

    private func typed(_ change: (inout AssessmentForm) -> Void) {
        guard var form = assessment else { return }
        change(&form)
        form.preview = nil
        assessment = form
        error = nil
        guard let entry = entry() else { return }
        switch service.preview(entry) {
        case .success(let p): assessment?.preview = p
        case .failure(let e): error = e
        }
    }

    private func saveAssessment() async {
        guard let entry = entry(), !saving else { return }
        saving = true
        let result = await service.record(entry, at: clock.now())
        saving = false
        switch result {
        case .success:
            notice = assessment?.preview.map { "Évaluation enregistrée : \($0.summary)" }
            assessment = nil
            onRecorded()
            await open(entry.woundId)
        case .failure(let e):
            error = e
        }
    }

    private func startCapture() async {
        guard let f = followUp else { return }
        capture = CaptureForm()
        assessment = nil
        newWound = nil
        notice = nil
        guard let previous = f.previousPhotoId else { return }
        if case .success(let bytes) = await service.image(photoId: previous, thumbnail: false) {
            capture?.ghost = bytes
        }
    }

    private func photoTaken(_ bytes: Data?) async {
        guard let f = followUp, let c = capture, let byResident = c.consentByResident, !c.taking else { return }
        guard let bytes else {
            cameraFailed = true
            return
        }
        capture?.taking = true
        cameraFailed = false
        error = nil
        let result = await service.ingest(
            PhotoCapture(
                residentId: residentId, woundId: f.wound.id, bodySite: f.wound.site, scaleMarker: c.scaleMarker,
                consentByRepresentative: !byResident, takenAt: clock.now()
            ),
            cameraBytes: bytes
        )
        switch result {
        case .success:
            capture = nil
            notice = "Photo enregistrée et chiffrée sur la tablette"
            onRecorded()
            await open(f.wound.id)
        case .failure(let e):
            // The core's refusal is said; the form stays for another try.
            capture?.taking = false
            error = e
        }
    }
}
