import ChevetCore
import Foundation

nonisolated final class RustRouteService: RouteService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func myRoutes(unitId: String, day: String) async -> Result<[RouteLine], ServiceError> {
        let store = self.store
        return await onCore {
            try store.homeCare().myRoutes(unitId: unitId, day: day).map { RouteLine(id: $0.routeId, label: $0.label, stops: Int($0.stops)) }
        }
    }

    func route(routeId: String) async -> Result<Route, ServiceError> {
        let store = self.store
        return await onCore {
            let info = try store.homeCare().route(routeId: routeId)
            return Route(
                routeId: info.routeId,
                label: info.label,
                stops: info.stops.map { stop in
                    RouteStop(
                        residentId: stop.resident.residentId,
                        displayName: stop.resident.displayName,
                        plannedAt: stop.plannedAt,
                        started: stop.startedAtMs.map { date(millis: $0) },
                        ended: stop.endedAtMs.map { date(millis: $0) },
                        tags: stop.tags.map(StampMethod.init)
                    )
                },
                unreadable: Int(info.unreadable)
            )
        }
    }

    func stamp(residentId: String, routeId: String, moment: VisitMoment, by: StampMethod, tag: String?, at: Date) async
        -> Result<String, ServiceError>
    {
        let store = self.store
        return await onCore {
            try store.homeCare().stampVisit(
                residentId: residentId,
                routeId: routeId,
                moment: ChevetCore.VisitMoment(moment),
                by: StampBy(by),
                tag: tag,
                atMs: millis(at)
            )
        }
    }

    func registerTag(residentId: String, by: StampMethod, payload: String) async -> Result<Void, ServiceError> {
        let store = self.store
        return await onCore { try store.homeCare().registerHomeTag(residentId: residentId, by: StampBy(by), payload: payload) }
    }
}

extension StampMethod {
    nonisolated init(_ by: StampBy) {
        switch by {
        case .manual: self = .manual
        case .qrCode: self = .qrCode
        case .nfc: self = .nfc
        }
    }
}

extension StampBy {
    nonisolated init(_ method: StampMethod) {
        switch method {
        case .manual: self = .manual
        case .qrCode: self = .qrCode
        case .nfc: self = .nfc
        }
    }
}

extension ChevetCore.VisitMoment {
    nonisolated init(_ moment: Chevet.VisitMoment) {
        switch moment {
        case .start: self = .start
        case .stop: self = .stop
        }
    }
}
