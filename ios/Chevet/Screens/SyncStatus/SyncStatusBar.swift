import SwiftUI

/// The bar at the foot of every screen: where the tablet stands with its
/// hub, in words a care worker can act on, and « Synchroniser maintenant ».
struct SyncStatusBar: View {
    let model: SyncStatusModel

    var body: some View {
        HStack(spacing: 16) {
            Image(systemName: symbol).foregroundStyle(colour)
            VStack(alignment: .leading) {
                Text(headline).font(.headline)
                if let detail { Text(detail).foregroundStyle(.secondary) }
            }
            Spacer()
            if let running = model.running {
                ProgressView()
                Text("Envoi \(running.pushed)/\(running.toPush) · reçu \(running.pulled)")
                Button("Arrêter") { Task { await model.send(.cancel) } }
            } else if model.status?.health != .demo {
                Button("Synchroniser maintenant") { Task { await model.send(.syncNow) } }
                    .buttonStyle(.bordered)
            }
        }
        .padding(.horizontal)
        .frame(minHeight: 56)
        .background(.bar)
        .accessibilityElement(children: .contain)
        .task { await model.send(.refresh) }
    }

    private var headline: LocalizedStringKey {
        switch model.status?.health {
        case nil: "État de la synchronisation…"
        case .demo?: "Tablette de démonstration : rien n'est envoyé."
        case .notEnrolled?: "Tablette non enrôlée."
        case .offline?: "Hors ligne : les saisies restent sur la tablette."
        case .failing?: "La synchronisation échoue."
        case .neverSynced?: "Jamais synchronisée."
        case .pending?: "\(model.status?.pending ?? 0) saisie(s) à envoyer."
        case .upToDate?: "Tout est envoyé."
        }
    }

    private var detail: LocalizedStringKey? {
        if let error = model.error { return "Dernier essai : \(ServiceErrorWords.words(error))" }
        guard let status = model.status else { return nil }
        if status.conflicts > 0 { return "\(status.conflicts) conflit(s) attendent la coordination." }
        if let last = status.lastSuccess {
            return "Dernière synchronisation : \(last.formatted(date: .abbreviated, time: .shortened))"
        }
        return nil
    }

    private var symbol: String {
        switch model.status?.health {
        case .upToDate?: "checkmark.icloud"
        case .pending?, .neverSynced?: "icloud.and.arrow.up"
        case .offline?: "icloud.slash"
        case .failing?, .notEnrolled?: "exclamationmark.icloud"
        default: "icloud"
        }
    }

    private var colour: Color {
        switch model.status?.health {
        case .upToDate?: .green
        case .failing?, .notEnrolled?: .red
        case .offline?: .orange
        default: .secondary
        }
    }
}
