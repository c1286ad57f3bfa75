import SwiftUI

/// The round: residents in room order, their alerts first, each act with
/// one tap to validate and one to say why it was not done.
struct RoundView: View {
    let model: RoundModel

    var body: some View {
        List {
            Section {
                Picker("Afficher", selection: Binding(
                    get: { model.filter },
                    set: { f in Task { await model.send(.setFilter(f)) } }
                )) {
                    ForEach(model.filters, id: \.label) { choice in
                        Text(verbatim: choice.label).tag(choice.filter)
                    }
                }
                .pickerStyle(.segmented)
                Text(verbatim: model.countsLine).foregroundStyle(.secondary)
                if let line = model.unreadableLine {
                    Text(verbatim: line).foregroundStyle(.red)
                }
            }
            if let title = model.unrecordedTitle {
                // What nobody recorded comes first, until answered or closed.
                Section {
                    ForEach(model.unrecorded) { resident in
                        ForEach(resident.acts) { act in
                            ActRow(act: act, resident: resident, saving: model.saving != nil, showsWho: true) { event in
                                Task { await model.send(event) }
                            }
                        }
                    }
                } header: {
                    Text(verbatim: title).font(.headline).foregroundStyle(.red)
                }
            }
            ForEach(model.residents) { resident in
                Section {
                    ForEach(resident.alerts, id: \.why) { alert in
                        VStack(alignment: .leading) {
                            Label {
                                Text(verbatim: "\(alert.word) : \(alert.why)")
                            } icon: {
                                Image(systemName: alert.level == .act ? "exclamationmark.triangle.fill" : "eye")
                            }
                            Text(verbatim: "→ \(alert.action)").font(.headline)
                        }
                        .foregroundStyle(alert.level == .act ? .red : .orange)
                    }
                    Button("Constantes", systemImage: "heart.text.square") {
                        Task { await model.send(.openVitals(residentId: resident.id)) }
                    }
                    .accessibilityLabel(Text("Constantes de \(resident.displayName)"))
                    Button("Transmission", systemImage: "text.bubble") {
                        Task { await model.send(.openTransmission(residentId: resident.id)) }
                    }
                    .accessibilityLabel(Text("Transmission sur \(resident.displayName)"))
                    ForEach(resident.acts) { act in
                        ActRow(act: act, resident: resident, saving: model.saving != nil) { event in
                            Task { await model.send(event) }
                        }
                    }
                } header: {
                    Button {
                        Task { await model.send(.openFile(residentId: resident.id)) }
                    } label: {
                        Text("\(resident.room) · \(resident.displayName)").font(.title3.weight(.semibold))
                    }
                    .accessibilityHint(Text("Ouvre le dossier"))
                }
            }
        }
        .overlay {
            if model.loading {
                ProgressView()
            } else if model.residents.isEmpty && model.unrecorded.isEmpty {
                ContentUnavailableView(model.nothingShown, systemImage: "checkmark.circle")
            }
        }
        .refreshable { await model.send(.refresh) }
        .task { await model.send(.refresh) }
        .confirmationDialog(
            "Pourquoi n'est-ce pas fait ?",
            isPresented: Binding(
                get: { model.askingWhyNotDone != nil },
                set: { shown in if !shown { Task { await model.send(.dismissWhyNotDone) } } }
            ),
            presenting: model.askingWhyNotDone
        ) { act in
            ForEach(model.notDoneReasons, id: \.label) { reason in
                Button(reason.label) { Task { await model.send(.notDone(act, reason.outcome)) } }
            }
        }
        .confirmationDialog(
            "Personne ne l'a tracé. Comment le clore ?",
            isPresented: Binding(
                get: { model.askingHowToClose != nil },
                set: { shown in if !shown { Task { await model.send(.dismissClose) } } }
            ),
            presenting: model.askingHowToClose
        ) { act in
            ForEach(model.closingChoices(medication: act.medication), id: \.label) { choice in
                Button(choice.label) { Task { await model.send(.close(act, choice.closing)) } }
            }
        }
        .alert(
            "La tablette n'a pas pu enregistrer",
            isPresented: Binding(
                get: { model.error != nil },
                set: { shown in if !shown { Task { await model.send(.dismissError) } } }
            )
        ) {
            Button("OK") { Task { await model.send(.dismissError) } }
        } message: {
            if case .recordFailed(_, let e) = model.error {
                Text(ServiceErrorWords.words(e))
            } else if case .loadFailed(let e) = model.error {
                Text(ServiceErrorWords.words(e))
            }
        }
    }
}

/// One act: its time, label and status; « Fait » and « Pas fait » when the
/// role may record it and it is still open.
struct ActRow: View {
    let act: RoundAct
    let resident: RoundResident
    let saving: Bool
    /// In the « non tracés » section: the row names the resident.
    var showsWho = false
    let send: (RoundEvent) -> Void

    var body: some View {
        let ref = ActRef(
            residentId: resident.id, residentName: resident.displayName, plannedActId: act.plannedActId,
            dueAt: act.dueAt, label: act.label, medication: act.medication
        )
        HStack(spacing: 16) {
            Text(verbatim: act.dueLabel)
                .font(.title3.monospacedDigit())
            VStack(alignment: .leading) {
                if showsWho {
                    Text(verbatim: "\(resident.room) · \(resident.displayName)").font(.headline)
                }
                Text(act.label).font(.title3)
                Text(act.statusLabel).foregroundStyle(act.isLate ? .red : .secondary)
            }
            Spacer()
            if act.mayClose {
                Button("Clore…") { send(.askHowToClose(ref)) }
                    .buttonStyle(.bordered)
                    .accessibilityLabel(Text("Clore : \(act.label), \(resident.displayName)"))
            }
            if act.isOpen && act.medication {
                Button("Médicaments", systemImage: "pills") { send(.openMedication(residentId: resident.id)) }
                    .buttonStyle(.borderedProminent)
            } else if act.isOpen && act.mayRecord {
                Button("Pas fait") { send(.askWhyNotDone(ref)) }
                    .buttonStyle(.bordered)
                Button("Fait") { send(.validate(ref)) }
                    .buttonStyle(.borderedProminent)
                    .accessibilityLabel(Text("Fait : \(act.label), \(resident.displayName)"))
            }
        }
        .controlSize(.large)
        .disabled(saving)
        .frame(minHeight: 64)
    }
}
