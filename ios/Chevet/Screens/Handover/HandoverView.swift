import SwiftUI

/// The shift handover, resident by resident; new lines marked; « J'ai pris
/// connaissance de la relève » records the reading.
struct HandoverView: View {
    let model: HandoverModel

    var body: some View {
        List {
            if let handover = model.handover {
                ForEach(handover.residents) { resident in
                    Section {
                        ForEach(Array(resident.lines.enumerated()), id: \.offset) { _, line in
                            HStack(alignment: .firstTextBaseline) {
                                if model.isNew(line) {
                                    Text("Nouveau").font(.caption.weight(.bold)).foregroundStyle(.blue)
                                }
                                Text(verbatim: line.word).font(.caption.weight(.semibold))
                                    .foregroundStyle(
                                        line.level == .watch ? .orange
                                            : line.kind == .unrecorded || line.kind == .alert || line.kind == .fall ? .red : .secondary
                                    )
                                if let mark = line.mark {
                                    Text(verbatim: mark).font(.caption.weight(.bold))
                                }
                                if let at = line.at {
                                    Text(at, format: .dateTime.hour().minute()).foregroundStyle(.secondary)
                                }
                                VStack(alignment: .leading) {
                                    Text(line.text)
                                    if let action = line.action {
                                        Text(verbatim: "→ \(action)").font(.headline)
                                    }
                                }
                            }
                        }
                    } header: {
                        Text("\(resident.room) · \(resident.displayName)")
                    }
                }
                if handover.unreadable > 0 {
                    Text("\(handover.unreadable) enregistrement(s) illisible(s) sur cette tablette.").foregroundStyle(.red)
                }
                Button("J'ai pris connaissance de la relève") { Task { await model.send(.markRead) } }
                    .buttonStyle(.borderedProminent)
            }
        }
        .overlay {
            if model.loading {
                ProgressView()
            } else if model.handover?.residents.isEmpty == true {
                ContentUnavailableView("Rien à transmettre sur ce poste.", systemImage: "checkmark.circle")
            }
        }
        .navigationTitle("Relève")
        .task { await model.send(.load) }
    }
}
