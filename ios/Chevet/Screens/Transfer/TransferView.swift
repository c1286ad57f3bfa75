import SwiftUI
import UIKit

/// The emergency transfer: the short form, then the sheet as the core
/// built it, what is still missing, « Imprimer » (the page from memory,
/// through the print dialog) and « Envoyer la fiche DLU » (the document
/// handed to the share sheet from memory: nothing is written in clear).
struct TransferView: View {
    let model: TransferModel
    /// « Prendre les constantes »: the vitals screen over the sheet, for the resident.
    var vitals: (() -> VitalsModel)?
    @State private var takingVitals: VitalsModel?

    var body: some View {
        Form {
            if let documents = model.documents {
                sheet(documents)
            } else {
                form
            }
            if let error = model.error {
                Text(ServiceErrorWords.words(error)).foregroundStyle(.red)
            }
        }
        .navigationTitle("Transfert — \(model.residentName)")
        .sheet(
            isPresented: Binding(get: { takingVitals != nil }, set: { if !$0 { takingVitals = nil } }),
            onDismiss: { Task { await model.send(.refresh) } }
        ) {
            if let takingVitals {
                NavigationStack { VitalsView(model: takingVitals) }
            }
        }
    }

    @ViewBuilder
    private var form: some View {
        Section("Motif") {
            TextField("Motif du transfert", text: text(\.reason, TransferEvent.reason))
            TextField("Service ou hôpital (facultatif)", text: text(\.destination, TransferEvent.destination))
        }
        Section("État au départ") {
            Picker("Conscience", selection: Binding(
                get: { model.consciousness },
                set: { c in Task { await model.send(.consciousness(c)) } }
            )) {
                Text("Éveillé·e, alerte").tag(DepartureConsciousness.awakeAndAlert)
                Text("Réveillable").tag(DepartureConsciousness.arousable)
                Text("Non réveillable").tag(DepartureConsciousness.notArousable)
            }
            Toggle("Douleur récente", isOn: Binding(
                get: { model.recentPain }, set: { p in Task { await model.send(.pain(p)) } }
            ))
            if model.recentPain {
                Picker("Douleur (EN 0 à 10)", selection: Binding(
                    get: { model.painScore ?? -1 },
                    set: { s in Task { await model.send(.painScore(s)) } }
                )) {
                    Text("—").tag(-1)
                    ForEach(0...10, id: \.self) { Text("\($0)").tag($0) }
                }
            }
            Picker("Dernier repas", selection: Binding(
                get: { model.lastMeal },
                set: { m in if let m { Task { await model.send(.lastMeal(m)) } } }
            )) {
                Text("—").tag(MealChoice?.none)
                ForEach(model.meals, id: \.self) { Text($0.label).tag(MealChoice?.some($0)) }
            }
        }
        Section("Ce qui part avec le résident") {
            ForEach(Item.allCases, id: \.self) { item in
                Toggle(isOn: Binding(
                    get: { model.items.contains(item) }, set: { _ in Task { await model.send(.toggleItem(item)) } }
                )) {
                    switch item {
                    case .glasses: Text("Lunettes")
                    case .dentalProsthesis: Text("Prothèse dentaire")
                    case .hearingAid: Text("Appareils auditifs")
                    }
                }
            }
            TextField("Autres (séparés par des virgules)", text: text(\.otherItems, TransferEvent.otherItems))
            TextField("Commentaire", text: text(\.comment, TransferEvent.comment))
        }
        Section {
            Button("Préparer la fiche") { Task { await model.send(.record) } }
                .disabled(!model.ready || model.saving)
        }
    }

    @ViewBuilder
    private func sheet(_ documents: TransferDocuments) -> some View {
        ForEach(documents.sections, id: \.title) { section in
            Section(section.title) {
                ForEach(section.lines, id: \.self) { Text($0) }
            }
        }
        if !documents.missing.isEmpty {
            Section("À compléter avant l'envoi") {
                ForEach(documents.missing, id: \.self) { Text($0).foregroundStyle(.red) }
                if let vitals {
                    Button("Prendre les constantes", systemImage: "heart.text.square") { takingVitals = vitals() }
                }
                Button("Relire la fiche") { Task { await model.send(.refresh) } }
            }
        }
        Section {
            Button("Imprimer", systemImage: "printer") { print(documents) }
            if let fludt = documents.fludt {
                ShareLink(
                    item: FludtDocument(xml: fludt),
                    preview: SharePreview("Fiche de liaison d'urgence — \(model.residentName)")
                ) {
                    Label("Envoyer la fiche DLU", systemImage: "paperplane")
                }
            }
        }
    }

    private func print(_ documents: TransferDocuments) {
        let controller = UIPrintInteractionController.shared
        let info = UIPrintInfo.printInfo()
        info.jobName = documents.title
        info.outputType = .general
        controller.printInfo = info
        // The page from memory: no file, no network (its HTML is self-contained).
        controller.printFormatter = UIMarkupTextPrintFormatter(markupText: documents.html)
        controller.present(animated: true)
    }

    private func text(_ path: KeyPath<TransferModel, String>, _ event: @escaping (String) -> TransferEvent) -> Binding<String> {
        Binding(get: { model[keyPath: path] }, set: { value in Task { await model.send(event(value)) } })
    }
}

/// The DLU-FLUDT document for the share sheet, from memory.
struct FludtDocument: Transferable {
    let xml: String

    static var transferRepresentation: some TransferRepresentation {
        DataRepresentation(exportedContentType: .xml) { document in Data(document.xml.utf8) }
            .suggestedFileName("DLU-FLUDT.xml")
    }
}
