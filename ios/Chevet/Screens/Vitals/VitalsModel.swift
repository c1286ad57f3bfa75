import Foundation
import Observation

/// The measures typed on the screen, with their unit and catalogue code (LOINC).
enum VitalField: CaseIterable, Equatable, Hashable, Sendable {
    case temperature, pulse, respiratoryRate, oxygenSaturation, systolic, diastolic, oxygenFlow, pain, weight, glucose

    var loinc: String {
        switch self {
        case .temperature: "8310-5"
        case .pulse: "8867-4"
        case .respiratoryRate: "9279-1"
        case .oxygenSaturation: "2708-6"
        case .systolic, .diastolic: "85354-9"
        case .oxygenFlow: "3151-8"
        case .pain: "72514-3"
        case .weight: "29463-7"
        case .glucose: "2345-7"
        }
    }
}

/// What went wrong, for the screen to say in French.
enum VitalsError: Equatable, Sendable {
    /// A field holds something that is not a number.
    case notANumber(VitalField)
    case saveFailed(ServiceError)
}

enum VitalsEvent: Sendable {
    case typed(VitalField, String)
    case consciousness(Consciousness)
    /// « Corriger en 37,5 »: the likely reading the core offered.
    case useLikely(loinc: String, value: Double)
    case save
    case dismissError
}

/// "37,5" or "37.5" as a number; nil for empty; NaN for anything else.
func parseFrench(_ text: String) -> Double? {
    let t = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
    if t.isEmpty { return nil }
    return Double(t) ?? .nan
}

/// A number as French writes it: "37,5", "92".
func frenchNumber(_ v: Double) -> String {
    let s = v.rounded() == v ? String(Int(v)) : String(format: "%.2f", v)
        .replacingOccurrences(of: #"0+$"#, with: "", options: .regularExpression)
        .replacingOccurrences(of: #"\.$"#, with: "", options: .regularExpression)
    return s.replacingOccurrences(of: ".", with: ",")
}

/// A resident's vitals as they are typed: after each change the core reads
/// the set (an impossible value named, with its likely reading; NEWS2 once
/// complete); saving keeps the set whole or not at all. (The Android app's
/// `VitalsPresenter`.)
@Observable
final class VitalsModel {
    let residentName: String
    let room: String
    /// The text of each field as typed ("37,5").
    private(set) var typed: [VitalField: String] = [:]
    /// The unit glycaemia is typed in here, as the core says it (« g/L »); nil until read.
    private(set) var glucoseUnit: String?
    private(set) var consciousness: Consciousness?
    /// The core's reading of the set.
    private(set) var preview: VitalSetPreview?
    private(set) var saving = false
    /// How many measures the last save kept.
    private(set) var saved: Int?
    private(set) var error: VitalsError?

    @ObservationIgnored private let vitals: any VitalsService
    @ObservationIgnored private let residentId: String
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let onRecorded: () -> Void

    init(
        vitals: any VitalsService, residentId: String, residentName: String, room: String, clock: any Clock,
        onRecorded: @escaping () -> Void = {}
    ) {
        self.vitals = vitals
        self.residentId = residentId
        self.residentName = residentName
        self.room = room
        self.clock = clock
        self.onRecorded = onRecorded
    }

    /// Reads what the form needs from the core before the first value: glycaemia's unit.
    func load() async {
        if case .success(let unit) = await vitals.glucoseUnit(residentId: residentId) { glucoseUnit = unit }
    }

    func send(_ event: VitalsEvent) async {
        switch event {
        case .typed(let field, let text):
            typed[field] = text
            await changed()
        case .consciousness(let level):
            consciousness = level
            await changed()
        case .useLikely(let loinc, let value):
            guard let field = VitalField.allCases.first(where: { $0.loinc == loinc }) else { return }
            typed[field] = frenchNumber(value)
            await changed()
        case .save:
            await save()
        case .dismissError:
            error = nil
        }
    }

    private func changed() async {
        saved = nil
        error = nil
        guard let entry = entry() else { return }
        switch await vitals.preview(entry) {
        case .success(let p): preview = p
        // A half-typed blood pressure: nothing to say until both figures are in.
        case .failure: preview = nil
        }
    }

    /// The set as the core takes it; nil (and the field named) when one is not a number.
    private func entry() -> VitalSet? {
        var values: [VitalField: Double] = [:]
        for field in VitalField.allCases {
            guard let text = typed[field], let v = parseFrench(text) else { continue }
            if v.isNaN {
                error = .notANumber(field)
                preview = nil
                return nil
            }
            values[field] = v
        }
        return VitalSet(
            residentId: residentId, temperature: values[.temperature], pulse: values[.pulse],
            respiratoryRate: values[.respiratoryRate], oxygenSaturation: values[.oxygenSaturation],
            systolic: values[.systolic], diastolic: values[.diastolic], consciousness: consciousness,
            oxygenFlow: values[.oxygenFlow], pain: values[.pain], weight: values[.weight], glucose: values[.glucose]
        )
    }

    private func save() async {
        guard !saving, let entry = entry() else { return }
        saving = true
        switch await vitals.record(entry, at: clock.now()) {
        case .success(let ids):
            onRecorded()
            typed = [:]
            consciousness = nil
            preview = nil
            saved = ids.count
        case .failure(let e):
            error = .saveFailed(e)
        }
        saving = false
    }
}
