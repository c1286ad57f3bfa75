import SwiftUI

/// The resident's medication due: for each line, « Scanner la boîte » (its
/// product, lot and expiry read by the core), « Donné » or why not.
struct MedicationView: View {
    let model: MedicationModel
    @State private var scanning: MedicationDue?

    var body: some View {
        List {
            ForEach(model.lines) { line in
                Section {
                    VStack(alignment: .leading, spacing: 4) {
                        Text(line.drug).font(.title3.weight(.semibold))
                        Text("\(line.dose) · \(line.route) · \(line.dueAt.formatted(date: .omitted, time: .shortened))")
                        Text(line.statusLabel).foregroundStyle(line.isLate ? .red : .secondary)
                    }
                    if let box = model.scanned[line.id] {
                        Label("Boîte vérifiée : lot \(box.box.lot ?? "—"), péremption \(box.box.expiryDay ?? "—")",
                              systemImage: "checkmark.seal")
                            .foregroundStyle(.green)
                    } else if model.boxRefused.contains(line.id) {
                        Label("Boîte refusée : ne pas donner.", systemImage: "xmark.octagon").foregroundStyle(.red)
                    }
                    if line.isOpen && line.mayRecord {
                        HStack {
                            Button("Scanner la boîte", systemImage: "barcode.viewfinder") { scanning = line }
                                .disabled(!BoxScanner.available)
                            Spacer()
                            Button("Pas donné") { Task { await model.send(.askWhyNotGiven(line)) } }
                                .buttonStyle(.bordered)
                            Button("Donné") { Task { await model.send(.give(line)) } }
                                .buttonStyle(.borderedProminent)
                                .disabled(model.boxRefused.contains(line.id))
                        }
                        .controlSize(.large)
                        .disabled(model.saving != nil)
                    }
                }
            }
        }
        .overlay {
            if model.loading {
                ProgressView()
            } else if model.lines.isEmpty {
                ContentUnavailableView("Aucun médicament à donner maintenant.", systemImage: "pills")
            }
        }
        .navigationTitle("Médicaments — \(model.residentName)")
        .task { await model.send(.load) }
        .sheet(item: $scanning) { line in
            BoxScanner { text in
                scanning = nil
                Task { await model.send(.boxScanned(line, text)) }
            }
        }
        .confirmationDialog(
            "Pourquoi n'est-ce pas donné ?",
            isPresented: Binding(
                get: { model.askingWhyNotGiven != nil },
                set: { shown in if !shown { Task { await model.send(.dismissWhyNotGiven) } } }
            ),
            presenting: model.askingWhyNotGiven
        ) { line in
            ForEach(notGivenOutcomes, id: \.self) { outcome in
                Button(words(outcome)) { Task { await model.send(.notGiven(line, outcome)) } }
            }
        }
        .alert(
            "Médicament",
            isPresented: Binding(
                get: { model.error != nil },
                set: { shown in if !shown { Task { await model.send(.dismissError) } } }
            )
        ) {
            Button("OK") { Task { await model.send(.dismissError) } }
        } message: {
            switch model.error {
            case .boxRefused(_, .wrongProduct)?: Text("Ce n'est pas le produit prescrit : ne le donnez pas.")
            case .boxRefused(_, .expired)?: Text("Cette boîte est périmée : prenez-en une autre.")
            case .boxRefused(_, .unreadable)?: Text("Ce code n'est pas celui d'une boîte de médicament.")
            case .recordFailed(_, let e)?: Text(ServiceErrorWords.words(e))
            case .loadFailed(let e)?: Text(ServiceErrorWords.words(e))
            case nil: Text("")
            }
        }
    }

    private func words(_ outcome: AdministrationOutcome) -> LocalizedStringKey {
        switch outcome {
        case .given: "Donné"
        case .refused: "Refusé par le résident"
        case .spatOut: "Recraché"
        case .notGivenAbsent: "Absent"
        case .notGivenAsleep: "Endormi"
        case .notGivenClinicalDecision: "Décision clinique"
        }
    }
}
