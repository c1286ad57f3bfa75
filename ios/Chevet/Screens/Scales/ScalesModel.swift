import Foundation
import Observation

enum ScalesEvent: Sendable {
    case load
    case choose(ScaleKind)
    /// An option chosen for an item (again: unchosen).
    case answer(item: Int, option: Int)
    /// One of AGGIR's adverbs ticked or unticked (bit 0 S, 1 T, 2 C, 3 H).
    case toggleAdverb(item: Int, adverb: Int)
    /// AGGIR: none of the four adverbs (the variable reads C).
    case noAdverb(item: Int)
    case record
    /// Back to the list of forms.
    case chooseAnother
    case dismissError
}

/// The bedside scales as guided forms: the core says the items and options,
/// reads each answer and scores the form; this keeps the answers and
/// records. (The Android app's `ScalesPresenter`.)
@Observable
final class ScalesModel {
    let residentName: String
    let room: String
    private(set) var loading = true
    /// The forms, pain first; those outside the signed-in role are shown, not offered.
    private(set) var forms: [ScaleForm] = []
    /// The form being filled; nil while choosing.
    private(set) var form: ScaleForm?
    /// One per item: the option's index, AGGIR's adverbs mask, or nil while unanswered.
    private(set) var answers: [UInt8?] = []
    private(set) var preview: ScalePreview?
    private(set) var saving = false
    /// What was recorded during this visit, newest first.
    private(set) var recorded: [ScaleRecorded] = []
    private(set) var error: ServiceError?

    @ObservationIgnored private let scales: any ScaleService
    @ObservationIgnored private let residentId: String
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let onRecorded: () -> Void

    init(
        scales: any ScaleService, residentId: String, residentName: String, room: String, clock: any Clock,
        onRecorded: @escaping () -> Void = {}
    ) {
        self.scales = scales
        self.residentId = residentId
        self.residentName = residentName
        self.room = room
        self.clock = clock
        self.onRecorded = onRecorded
    }

    func send(_ event: ScalesEvent) async {
        switch event {
        case .load:
            switch await scales.forms() {
            case .success(let f): forms = f
            case .failure(let e): error = e
            }
            loading = false
        case .choose(let kind):
            guard let chosen = forms.first(where: { $0.kind == kind && $0.mayRecord }) else { return }
            form = chosen
            answers = Array(repeating: nil, count: chosen.items.count)
            preview = nil
            error = nil
            await refreshPreview()
        case .answer(let item, let option):
            await answered(item) { current in current.map(Int.init) == option ? nil : UInt8(option) }
        case .toggleAdverb(let item, let adverb):
            await answered(item) { current in (current ?? 0) ^ UInt8(1 << adverb) }
        case .noAdverb(let item):
            await answered(item) { _ in 0 }
        case .record:
            await record()
        case .chooseAnother:
            form = nil
            answers = []
            preview = nil
            error = nil
        case .dismissError:
            error = nil
        }
    }

    private func answered(_ item: Int, _ change: (UInt8?) -> UInt8?) async {
        guard form != nil, answers.indices.contains(item) else { return }
        answers[item] = change(answers[item])
        error = nil
        await refreshPreview()
    }

    private func refreshPreview() async {
        guard let form else { return }
        let asked = answers
        switch await scales.preview(residentId: residentId, kind: form.kind, answers: asked) {
        case .success(let p): if answers == asked { preview = p }
        case .failure(let e): error = e
        }
    }

    private func record() async {
        guard let form, !saving else { return }  // a double tap records once
        saving = true
        switch await scales.record(residentId: residentId, kind: form.kind, answers: answers, at: clock.now()) {
        case .success(let outcome):
            onRecorded()
            recorded.insert(outcome, at: 0)
            self.form = nil
            answers = []
            preview = nil
        case .failure(let e):
            error = e
        }
        saving = false
    }
}
