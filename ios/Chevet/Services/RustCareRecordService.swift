import ChevetCore
import Foundation

nonisolated final class RustCareRecordService: CareRecordService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func residentFile(residentId: String) async -> Result<ResidentFile, ServiceError> {
        let store = self.store
        return await onCore { ResidentFile(try store.residents().residentFile(residentId: residentId)) }
    }

    func timeline(residentId: String, before: Date?, limit: Int) async -> Result<[TimelineEntry], ServiceError> {
        let store = self.store
        return await onCore {
            try store.residents().timeline(residentId: residentId, beforeMs: before.map(millis), limit: UInt32(max(limit, 1)))
                .map(TimelineEntry.init)
        }
    }

    func recordTransmission(_ entry: Transmission, at: Date) async -> Result<String, ServiceError> {
        let store = self.store
        return await onCore {
            try store.records().recordTransmission(
                entry: TransmissionEntry(
                    residentId: entry.residentId,
                    target: entry.target,
                    data: entry.data,
                    actions: entry.actions,
                    results: entry.results,
                    audience: entry.audience.map(ChevetCore.StaffRole.init)
                ),
                atMs: millis(at)
            )
        }
    }
}

extension ChevetCore.StaffRole {
    nonisolated init(_ role: Chevet.StaffRole) {
        switch role {
        case .nurse: self = .nurse
        case .careAide: self = .careAide
        case .socialCareAide: self = .socialCareAide
        case .coordinatingPhysician: self = .coordinatingPhysician
        case .healthManager: self = .healthManager
        }
    }
}

extension ResidentFile {
    nonisolated init(_ info: ResidentFileInfo) {
        self.init(
            residentId: info.summary.residentId,
            displayName: info.summary.displayName,
            room: info.summary.room,
            identityStatus: info.identity.statusLabel,
            birthDate: info.birthDate,
            allergies: info.allergies,
            advanceDirectives: info.advanceDirectives,
            trustedPerson: info.trustedPerson,
            carePlan: info.carePlan.filter(\.active).map(\.label),
            wounds: info.wounds.filter { !$0.healed }.map(Wound.init),
            latestVitals: info.latestVitals,
            alerts: info.alerts.map { ResidentAlert(
                level: $0.level == .act ? .act : .watch, word: $0.word, why: $0.why, action: $0.action
            ) },
            charts: info.charts.map(VitalChart.init),
            timeline: info.timeline.map(TimelineEntry.init)
        )
    }
}

extension VitalChart {
    nonisolated init(_ info: VitalChartInfo) {
        self.init(
            title: info.title,
            unit: info.unit,
            from: date(millis: info.fromMs),
            to: date(millis: info.toMs),
            points: info.points.map { ChartPoint(at: date(millis: $0.atMs), value: $0.value, low: $0.low, alert: $0.alert) },
            lines: info.lines.map { ChartLine(value: $0.value, label: $0.label, alert: $0.kind == .alert) },
            yMin: info.yMin,
            yMax: info.yMax,
            caption: info.caption
        )
    }
}

extension TimelineEntry {
    nonisolated init(_ item: TimelineItemInfo) {
        self.init(
            id: item.recordId,
            at: date(millis: item.atMs),
            summary: item.summary,
            enteredInError: item.enteredInError,
            unreadable: item.unreadable
        )
    }
}
