import SwiftUI

/// A targeted transmission: the target in one tap (or typed), données,
/// actions, résultats, and who it is for.
struct TransmissionView: View {
    let model: TransmissionModel

    var body: some View {
        Form {
            Section("Cible") {
                ScrollView(.horizontal) {
                    HStack {
                        ForEach(usualTargets, id: \.self) { target in
                            Button(target) { Task { await model.send(.target(target)) } }
                                .buttonStyle(.bordered)
                                .tint(model.target == target ? .accentColor : .secondary)
                        }
                    }
                }
                TextField("Autre cible", text: binding(\.target, TransmissionEvent.target))
            }
            Section("Données") { TextEditor(text: binding(\.data, TransmissionEvent.data)).frame(minHeight: 80) }
            Section("Actions") { TextEditor(text: binding(\.actions, TransmissionEvent.actions)).frame(minHeight: 80) }
            Section("Résultats") { TextEditor(text: binding(\.results, TransmissionEvent.results)).frame(minHeight: 80) }
            Section("Pour (personne de coché : toute l'équipe)") {
                ForEach(StaffRole.allCases, id: \.self) { role in
                    Toggle(isOn: Binding(
                        get: { model.audience.contains(role) },
                        set: { _ in Task { await model.send(.toggleAudience(role)) } }
                    )) {
                        Text(roleWords(role))
                    }
                }
            }
            Section {
                Button("Enregistrer la transmission") { Task { await model.send(.save) } }
                    .disabled(model.saving)
                if let saved = model.saved {
                    Text("Transmission « \(saved) » enregistrée.").foregroundStyle(.green)
                }
                if let error = model.error {
                    Text(ServiceErrorWords.words(error)).foregroundStyle(.red)
                }
            }
        }
        .navigationTitle("Transmission — \(model.residentName)")
    }

    private func binding(_ path: KeyPath<TransmissionModel, String>, _ event: @escaping (String) -> TransmissionEvent)
        -> Binding<String>
    {
        Binding(get: { model[keyPath: path] }, set: { text in Task { await model.send(event(text)) } })
    }

    private func roleWords(_ role: StaffRole) -> LocalizedStringKey {
        switch role {
        case .nurse: "Infirmier·e (IDE)"
        case .careAide: "Aide-soignant·e (AS)"
        case .socialCareAide: "Accompagnant·e éducatif et social (AES)"
        case .coordinatingPhysician: "Médecin coordonnateur"
        case .healthManager: "Cadre de santé / IDEC"
        }
    }
}
