import Charts
import SwiftUI

/// A resident's file: identity and what to watch first, then the vitals
/// charted with Swift Charts as the core lays them out (its scale, its
/// threshold lines, its flagged points), then the timeline.
struct ResidentFileView: View {
    let model: ResidentFileModel
    /// Opens the resident's scales (the shell navigates).
    var onOpenScales: (ResidentFile) -> Void = { _ in }
    /// « Urgences »: the emergency transfer sheet (the shell navigates).
    var onOpenTransfer: (ResidentFile) -> Void = { _ in }
    /// The resident's wounds (the shell navigates).
    var onOpenWounds: (ResidentFile) -> Void = { _ in }

    var body: some View {
        List {
            if let file = model.file {
                Section {
                    Text("Chambre \(file.room) · né(e) le \(file.birthDate) · identité \(file.identityStatus)")
                    ForEach(file.alerts, id: \.why) { alert in
                        VStack(alignment: .leading) {
                            Label {
                                Text(verbatim: "\(alert.word) : \(alert.why)")
                            } icon: {
                                Image(systemName: "exclamationmark.triangle.fill")
                            }
                            Text(verbatim: "→ \(alert.action)").font(.headline)
                        }
                        .foregroundStyle(alert.level == .act ? .red : .orange)
                    }
                    if !file.allergies.isEmpty {
                        Text("Allergies : \(file.allergies.joined(separator: ", "))").foregroundStyle(.red)
                    }
                    if let directives = file.advanceDirectives {
                        Text("Directives anticipées : \(directives)")
                    }
                    if let trusted = file.trustedPerson {
                        Text("Personne de confiance : \(trusted)")
                    }
                }
                if !file.latestVitals.isEmpty {
                    Section("Dernières constantes") {
                        ForEach(file.latestVitals, id: \.self) { Text($0) }
                    }
                }
                ForEach(file.charts) { chart in
                    Section(chart.title) { VitalChartView(chart: chart) }
                }
                if !file.carePlan.isEmpty || !file.wounds.isEmpty {
                    Section("Plan de soins") {
                        ForEach(file.carePlan, id: \.self) { Text($0) }
                        ForEach(file.wounds) { Label("\($0.kindLabel) — \($0.site)", systemImage: "bandage") }
                    }
                }
                Section("Fil du dossier") {
                    ForEach(model.timeline) { entry in
                        HStack(alignment: .firstTextBaseline) {
                            Text(entry.at, format: .dateTime.day().month().hour().minute())
                                .foregroundStyle(.secondary)
                            Text(entry.summary)
                                .strikethrough(entry.enteredInError)
                        }
                    }
                    if !model.timelineEnd {
                        Button("Voir plus") { Task { await model.send(.moreTimeline) } }
                            .disabled(model.loadingMore)
                    }
                }
            }
        }
        .navigationTitle(model.file?.displayName ?? "")
        .toolbar {
            if let file = model.file {
                Button("Échelles", systemImage: "list.number") { onOpenScales(file) }
                Button("Plaies", systemImage: "bandage") { onOpenWounds(file) }
                Button("Urgences", systemImage: "cross.case") { onOpenTransfer(file) }
            }
        }
        .overlay {
            if model.loading {
                ProgressView()
            } else if let error = model.error, model.file == nil {
                ContentUnavailableView(
                    "Le dossier ne s'ouvre pas.", systemImage: "doc.questionmark",
                    description: Text(ServiceErrorWords.words(error))
                )
            }
        }
        .task { await model.send(.load) }
    }
}

/// One vital over time, on the core's scale, with its lines.
struct VitalChartView: View {
    let chart: VitalChart

    var body: some View {
        VStack(alignment: .leading) {
            Chart {
                ForEach(chart.lines, id: \.label) { line in
                    RuleMark(y: .value(chart.unit, line.value))
                        .foregroundStyle(line.alert ? .red : .orange)
                        .lineStyle(StrokeStyle(lineWidth: 1, dash: [4, 4]))
                        .annotation(position: .top, alignment: .leading) { Text(line.label).font(.caption) }
                }
                ForEach(chart.points, id: \.at) { point in
                    if let low = point.low {
                        BarMark(
                            x: .value("Date", point.at), yStart: .value(chart.unit, low), yEnd: .value(chart.unit, point.value),
                            width: 6
                        )
                        .foregroundStyle(point.alert ? .red : .blue)
                    } else {
                        LineMark(x: .value("Date", point.at), y: .value(chart.unit, point.value))
                        PointMark(x: .value("Date", point.at), y: .value(chart.unit, point.value))
                            .foregroundStyle(point.alert ? .red : .blue)
                    }
                }
            }
            .chartYScale(domain: chart.yMin...chart.yMax)
            .chartXScale(domain: chart.from...chart.to)
            .frame(height: 180)
            .accessibilityLabel(Text(chart.caption))
            Text(chart.caption).font(.caption).foregroundStyle(.secondary)
        }
    }
}
