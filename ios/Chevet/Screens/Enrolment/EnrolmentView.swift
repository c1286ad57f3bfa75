import SwiftUI

/// Enrolling a new tablet: scan the console's QR code (or type the address
/// and the code), name the tablet, and the first sync brings the rest.
struct EnrolmentView: View {
    let model: EnrolmentModel
    @State private var scanning = false

    var body: some View {
        Form {
            Section {
                Text("Cette tablette n'est pas encore reliée au serveur de l'établissement.")
                if CodeScanner.available {
                    Button("Scanner le code QR de la console", systemImage: "qrcode.viewfinder") { scanning = true }
                        .controlSize(.large)
                }
            }
            Section("Tablette") {
                TextField("Nom de la tablette (ex. Chariot 1er étage)", text: binding(\.label, EnrolmentEvent.labelChanged))
            }
            Section("Serveur") {
                TextField("Adresse du serveur", text: binding(\.hubUrl, EnrolmentEvent.hubUrlChanged))
                    .keyboardType(.URL)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                TextField("Code d'enrôlement", text: binding(\.code, EnrolmentEvent.codeChanged))
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                if model.establishmentCaPem != nil {
                    Label("Certificat de l'établissement lu sur le code QR", systemImage: "checkmark.shield")
                }
            }
            Section {
                Button(action: { Task { await model.send(.submit) } }) {
                    switch model.step {
                    case .form: Text("Enrôler la tablette")
                    case .enrolling: Text("Enrôlement…")
                    case .firstSync(let pulled): Text("Première synchronisation… \(pulled) élément(s) reçu(s)")
                    case .done: Text("Tablette prête")
                    }
                }
                .disabled(model.step != .form)
                if let error = model.error {
                    Text(words(error)).foregroundStyle(.red)
                }
            }
        }
        .navigationTitle("Enrôlement")
        .sheet(isPresented: $scanning) {
            CodeScanner(symbology: .qr) { text in
                scanning = false
                Task { await model.send(.qrScanned(text)) }
            }
        }
    }

    private func binding(_ path: KeyPath<EnrolmentModel, String>, _ event: @escaping (String) -> EnrolmentEvent)
        -> Binding<String>
    {
        Binding(get: { model[keyPath: path] }, set: { value in Task { await model.send(event(value)) } })
    }

    private func words(_ error: EnrolmentError) -> LocalizedStringKey {
        switch error {
        case .incomplete(.hubUrl): "Saisissez l'adresse du serveur."
        case .incomplete(.code): "Saisissez le code d'enrôlement."
        case .incomplete(.label): "Donnez un nom à la tablette."
        case .notAnEnrolmentQr: "Ce code QR n'est pas un code d'enrôlement Chevet."
        case .refused(let e): "Enrôlement refusé : \(ServiceErrorWords.words(e))"
        case .firstSyncFailed: "Tablette enrôlée ; la première synchronisation sera reprise."
        }
    }
}
