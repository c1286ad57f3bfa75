import SwiftUI

/// The scales: the list of forms (pain first), then the chosen form item by
/// item with the core's reading of each answer and its score so far.
struct ScalesView: View {
    let model: ScalesModel
    private let adverbs: [LocalizedStringKey] = ["Spontanément", "Totalement", "Correctement", "Habituellement"]

    var body: some View {
        List {
            if let form = model.form {
                Section {
                    Text(form.guidance).foregroundStyle(.secondary)
                }
                ForEach(Array(form.items.enumerated()), id: \.offset) { index, item in
                    Section {
                        if item.adverbs {
                            ForEach(Array(adverbs.enumerated()), id: \.offset) { bit, adverb in
                                Toggle(isOn: Binding(
                                    get: { ((model.answers[index] ?? 0) >> UInt8(bit)) & 1 == 1 },
                                    set: { _ in Task { await model.send(.toggleAdverb(item: index, adverb: bit)) } }
                                )) { Text(adverb) }
                            }
                            Button("Aucun des quatre") { Task { await model.send(.noAdverb(item: index)) } }
                        } else {
                            ForEach(Array(item.options.enumerated()), id: \.offset) { option, choice in
                                Button {
                                    Task { await model.send(.answer(item: index, option: option)) }
                                } label: {
                                    HStack {
                                        Text(choice.label)
                                        Spacer()
                                        if model.answers[index].map(Int.init) == option {
                                            Image(systemName: "checkmark.circle.fill")
                                        }
                                    }
                                }
                            }
                        }
                        if let reading = model.preview?.readings[safe: index] ?? nil {
                            Text(reading).foregroundStyle(.secondary)
                        }
                    } header: {
                        Text(item.label)
                    } footer: {
                        if let help = item.help { Text(help) }
                    }
                }
                Section {
                    if let preview = model.preview {
                        Text(preview.summary).font(.headline).foregroundStyle(preview.positive ? .red : .primary)
                    }
                    Button("Enregistrer") { Task { await model.send(.record) } }
                        .disabled(model.saving || model.preview?.complete != true)
                    Button("Choisir une autre échelle") { Task { await model.send(.chooseAnother) } }
                }
            } else {
                Section("Échelles") {
                    ForEach(model.forms) { form in
                        Button {
                            Task { await model.send(.choose(form.kind)) }
                        } label: {
                            VStack(alignment: .leading) {
                                Text(form.name).font(.headline)
                                Text(form.purpose).foregroundStyle(.secondary)
                            }
                        }
                        .disabled(!form.mayRecord)
                    }
                }
                if !model.recorded.isEmpty {
                    Section("Enregistré pendant cette visite") {
                        ForEach(model.recorded, id: \.recordId) { Text($0.summary) }
                    }
                }
            }
            if let error = model.error {
                Text(ServiceErrorWords.words(error)).foregroundStyle(.red)
            }
        }
        .navigationTitle("Échelles — \(model.residentName)")
        .task { await model.send(.load) }
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
