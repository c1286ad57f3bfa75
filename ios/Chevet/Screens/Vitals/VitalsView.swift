import SwiftUI

/// Vitals at the bedside: one field per measure, the core's reading under
/// them as they are typed (an impossible value named with its likely
/// reading, NEWS2 once complete), saved whole or not at all.
struct VitalsView: View {
    let model: VitalsModel

    var body: some View {
        Form {
            Section {
                ForEach(VitalField.allCases, id: \.self) { field in
                    LabeledContent {
                        TextField(field == .glucose ? LocalizedStringKey(model.glucoseUnit ?? "") : unit(field), text: Binding(
                            get: { model.typed[field] ?? "" },
                            set: { text in Task { await model.send(.typed(field, text)) } }
                        ))
                        .keyboardType(.decimalPad)
                        .multilineTextAlignment(.trailing)
                        .frame(maxWidth: 160)
                    } label: {
                        Text(label(field))
                    }
                }
                Picker("Conscience", selection: Binding(
                    get: { model.consciousness },
                    set: { level in if let level { Task { await model.send(.consciousness(level)) } } }
                )) {
                    Text("—").tag(Consciousness?.none)
                    Text("Alerte").tag(Consciousness?.some(.alert))
                    Text("Confusion nouvelle").tag(Consciousness?.some(.newConfusion))
                    Text("Réagit à la voix").tag(Consciousness?.some(.voice))
                    Text("Réagit à la douleur").tag(Consciousness?.some(.pain))
                    Text("Ne réagit pas").tag(Consciousness?.some(.unresponsive))
                }
            }
            if let preview = model.preview {
                Section {
                    ForEach(preview.problems, id: \.message) { problem in
                        HStack {
                            Text(problem.message).foregroundStyle(.red)
                            if let likely = problem.likely, let label = problem.likelyLabel {
                                Button(label) {
                                    Task { await model.send(.useLikely(loinc: problem.loinc, value: likely)) }
                                }
                            }
                        }
                    }
                    if let news2 = preview.news2 {
                        Text("NEWS2 : \(news2.total) (\(news2.parts.joined(separator: ", ")))")
                            .font(.headline)
                            .foregroundStyle(news2.risk == .high || news2.risk == .medium ? .red : .primary)
                    }
                }
            }
            Section {
                Button("Enregistrer les constantes") { Task { await model.send(.save) } }
                    .disabled(model.saving)
                if let saved = model.saved {
                    Text("\(saved) mesure(s) enregistrée(s).").foregroundStyle(.green)
                }
                if let error = model.error {
                    switch error {
                    case .notANumber(let field): Text("\(label(field)) : ce n'est pas un nombre.").foregroundStyle(.red)
                    case .saveFailed(let e): Text(ServiceErrorWords.words(e)).foregroundStyle(.red)
                    }
                }
            }
        }
        .navigationTitle("Constantes — \(model.residentName)")
        .task { await model.load() }
    }

    private func label(_ field: VitalField) -> LocalizedStringKey {
        switch field {
        case .temperature: "Température"
        case .pulse: "Pouls"
        case .respiratoryRate: "Fréquence respiratoire"
        case .oxygenSaturation: "SpO2"
        case .systolic: "TA systolique"
        case .diastolic: "TA diastolique"
        case .oxygenFlow: "Oxygène"
        case .pain: "Douleur (EN 0 à 10)"
        case .weight: "Poids"
        case .glucose: "Glycémie"
        }
    }

    private func unit(_ field: VitalField) -> LocalizedStringKey {
        switch field {
        case .temperature: "°C"
        case .pulse, .respiratoryRate: "/min"
        case .oxygenSaturation: "%"
        case .systolic, .diastolic: "mmHg"
        case .oxygenFlow: "L/min (0 = air)"
        case .pain: "0 à 10"
        case .weight: "kg"
        case .glucose: ""  // the establishment's, from the core (model.glucoseUnit)
        }
    }
}
