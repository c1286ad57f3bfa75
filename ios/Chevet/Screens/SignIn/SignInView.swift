import SwiftUI

/// Who am I, then my PIN: the professionals of this tablet on the left, the
/// PIN pad (or the first-PIN steps) on the right. Large targets for gloved
/// hands on a trolley; the digits are never shown.
struct SignInView: View {
    let model: SignInModel
    let onSignedIn: (SignedIn) -> Void

    var body: some View {
        HStack(spacing: 0) {
            accountList
                .frame(maxWidth: .infinity)
            Divider()
            panel
                .frame(maxWidth: .infinity)
                .padding(32)
        }
        .task { await model.send(.load) }
        .onChange(of: model.signedIn) { _, session in
            if let session { onSignedIn(session) }
        }
    }

    private var accountList: some View {
        List(model.accounts) { account in
            Button {
                Task { await model.send(.choose(staffId: account.id)) }
            } label: {
                VStack(alignment: .leading, spacing: 4) {
                    Text(account.displayName).font(.title3.weight(.semibold))
                    Text(account.role).foregroundStyle(.secondary)
                }
                .frame(minHeight: 56)
            }
            .accessibilityAddTraits(model.chosen?.id == account.id ? .isSelected : [])
        }
        .overlay {
            if model.loading {
                ProgressView()
            } else if model.accounts.isEmpty {
                ContentUnavailableView("Personne ne peut se connecter sur cette tablette.", systemImage: "person.slash")
            }
        }
        .navigationTitle("Qui êtes-vous ?")
    }

    @ViewBuilder
    private var panel: some View {
        VStack(spacing: 24) {
            if let who = model.chosen {
                Text(who.displayName).font(.largeTitle.weight(.bold))
                Text(prompt).font(.title2)
                if model.step == .firstPinCode {
                    TextField("Code de l'établissement", text: Binding(
                        get: { model.code },
                        set: { value in Task { await model.send(.code(value)) } }
                    ))
                    .textInputAutocapitalization(.characters)
                    .autocorrectionDisabled()
                    .font(.title.monospaced())
                    .textFieldStyle(.roundedBorder)
                    .frame(maxWidth: 320)
                    Button("Continuer") { Task { await model.send(.submit) } }
                        .buttonStyle(.borderedProminent)
                        .controlSize(.large)
                } else if model.step != .chooseWho {
                    PinDots(count: model.digits)
                    PinPad(disabled: model.checking || model.lockedOutSeconds != nil) { event in
                        Task { await model.send(event) }
                    }
                }
                message
                Button("Quelqu'un d'autre") { Task { await model.send(.chooseSomeoneElse) } }
            } else {
                Text("Choisissez votre nom.").font(.title2).foregroundStyle(.secondary)
            }
        }
    }

    private var prompt: LocalizedStringKey {
        switch model.step {
        case .chooseWho: "Choisissez votre nom."
        case .pin: "Votre code PIN"
        case .firstPinCode: "Premier PIN : le code remis par l'établissement"
        case .newPin: "Choisissez votre code PIN"
        case .confirmPin: "Saisissez-le à nouveau"
        }
    }

    @ViewBuilder
    private var message: some View {
        Group {
            if let seconds = model.lockedOutSeconds {
                Text("Trop d'essais : réessayez dans \(seconds / 60) min \(seconds % 60) s.")
            } else if model.checking {
                Text("Vérification…").foregroundStyle(.secondary)
            } else if let error = model.error {
                Text(words(error))
            }
        }
        .font(.headline)
        .foregroundStyle(.red)
        .accessibilityAddTraits(.updatesFrequently)
    }

    private func words(_ error: SignInError) -> LocalizedStringKey {
        switch error {
        case .wrongPin(let left): "Code PIN incorrect. Encore \(left) essai(s)."
        case .wrongCode(let left): "Code de l'établissement incorrect. Encore \(left) essai(s)."
        case .weakPin: "Ce code PIN est trop simple : évitez les chiffres qui se suivent ou se répètent."
        case .pinsDiffer: "Les deux codes PIN diffèrent : recommencez."
        case .noWayIn: "Pas de code PIN sur cette tablette : demandez un code à l'encadrement."
        case .deactivated: "Ce compte a été désactivé par l'établissement."
        case .failed: "La tablette n'a pas pu vérifier. Réessayez."
        }
    }
}

/// The digits typed, as dots.
struct PinDots: View {
    let count: Int

    var body: some View {
        HStack(spacing: 16) {
            ForEach(0..<max(count, minPinDigits), id: \.self) { i in
                Circle()
                    .fill(i < count ? Color.primary : Color.secondary.opacity(0.3))
                    .frame(width: 20, height: 20)
            }
        }
        .accessibilityElement()
        .accessibilityLabel(Text("\(count) chiffre(s) saisi(s)"))
    }
}

/// A 3×4 pad: digits, erase and confirm; 80-point keys.
struct PinPad: View {
    let disabled: Bool
    let send: (SignInEvent) -> Void

    var body: some View {
        Grid(horizontalSpacing: 16, verticalSpacing: 16) {
            ForEach([[1, 2, 3], [4, 5, 6], [7, 8, 9]], id: \.self) { row in
                GridRow {
                    ForEach(row, id: \.self) { digit in key("\(digit)") { send(.digit(digit)) } }
                }
            }
            GridRow {
                key("Effacer", systemImage: "delete.left") { send(.erase) }
                key("0") { send(.digit(0)) }
                key("Valider", systemImage: "checkmark") { send(.submit) }
            }
        }
        .disabled(disabled)
    }

    private func key(_ title: LocalizedStringKey, systemImage: String? = nil, action: @escaping () -> Void) -> some View {
        Button(action: action) {
            Group {
                if let systemImage {
                    Label(title, systemImage: systemImage).labelStyle(.iconOnly)
                } else {
                    Text(title)
                }
            }
            .font(.largeTitle.weight(.medium))
            .frame(width: 80, height: 80)
        }
        .buttonStyle(.bordered)
    }
}
