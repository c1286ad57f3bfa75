import Foundation
import Observation

/// What a QR sticker being read is for.
enum TagWait: Equatable, Sendable {
    /// Stamping an arrival or a departure.
    case stamp(residentId: String, moment: VisitMoment)
    /// Registering the home's sticker.
    case register(residentId: String)

    var residentId: String {
        switch self {
        case .stamp(let id, _), .register(let id): id
        }
    }
}

enum RouteEvent: Sendable {
    case load
    case choose(routeId: String)
    /// « Arrivée » / « Départ », by hand or awaiting the home's sticker.
    case stamp(residentId: String, moment: VisitMoment, by: StampMethod)
    /// « Enregistrer le code du domicile ».
    case register(residentId: String)
    /// What the QR scanner read.
    case tagRead(String)
    case cancelWait
    case dismissError
}

/// A home-care nurse's day on an iPad: their route, read from the tablet
/// (no network needed), each visit's arrival and departure stamped by hand
/// or with the home's QR sticker (iPads have no NFC), which the core checks
/// against the one registered for that home. (The Android app's `RoutePresenter`.)
@Observable
final class RouteModel {
    private(set) var loading = true
    /// "2026-12-05", in the service's time zone.
    private(set) var day = ""
    private(set) var routes: [RouteLine] = []
    private(set) var route: Route?
    /// A sticker awaited (the QR scanner open).
    private(set) var waiting: TagWait?
    private(set) var saving = false
    /// What was just kept, in French.
    private(set) var notice: String?
    private(set) var error: ServiceError?

    @ObservationIgnored private let service: any RouteService
    @ObservationIgnored private let unitId: String
    @ObservationIgnored private let timeZone: TimeZone
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private let onRecorded: () -> Void

    init(
        routes: any RouteService, unitId: String, timeZone: TimeZone, clock: any Clock, onRecorded: @escaping () -> Void = {}
    ) {
        self.service = routes
        self.unitId = unitId
        self.timeZone = timeZone
        self.clock = clock
        self.onRecorded = onRecorded
    }

    func send(_ event: RouteEvent) async {
        switch event {
        case .load:
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let d = calendar.dateComponents([.year, .month, .day], from: clock.now())
            day = String(format: "%04d-%02d-%02d", d.year ?? 0, d.month ?? 0, d.day ?? 0)
            switch await service.myRoutes(unitId: unitId, day: day) {
            case .success(let list):
                routes = list
                if let first = list.first { await open(first.id) }
            case .failure(let e):
                error = e
            }
            loading = false
        case .choose(let routeId):
            await open(routeId)
        case .stamp(let residentId, let moment, let by):
            if by == .manual {
                await stamp(residentId: residentId, moment: moment, by: .manual, tag: nil)
            } else {
                waiting = .stamp(residentId: residentId, moment: moment)
                error = nil
                notice = nil
            }
        case .register(let residentId):
            waiting = .register(residentId: residentId)
            error = nil
            notice = nil
        case .tagRead(let payload):
            guard let wait = waiting else { return }
            waiting = nil
            switch wait {
            case .stamp(let residentId, let moment):
                await stamp(residentId: residentId, moment: moment, by: .qrCode, tag: payload)
            case .register(let residentId):
                await register(residentId: residentId, payload: payload)
            }
        case .cancelWait:
            waiting = nil
        case .dismissError:
            error = nil
        }
    }

    private func open(_ routeId: String) async {
        switch await service.route(routeId: routeId) {
        case .success(let r): route = r
        case .failure(let e): error = e
        }
    }

    private func name(_ residentId: String) -> String {
        route?.stops.first { $0.residentId == residentId }?.displayName ?? ""
    }

    private func stamp(residentId: String, moment: VisitMoment, by: StampMethod, tag: String?) async {
        guard let route, !saving else { return }
        saving = true
        error = nil
        let result = await service.stamp(
            residentId: residentId, routeId: route.routeId, moment: moment, by: by, tag: tag, at: clock.now()
        )
        saving = false
        switch result {
        case .success:
            let what = moment == .start ? "Arrivée" : "Départ"
            notice = "\(what) chez \(name(residentId)) enregistré(e) \(by == .manual ? "à la main" : "(code QR)")"
            onRecorded()
            await open(route.routeId)
        case .failure(let e):
            error = e
        }
    }

    private func register(residentId: String, payload: String) async {
        guard let route else { return }
        saving = true
        error = nil
        let result = await service.registerTag(residentId: residentId, by: .qrCode, payload: payload)
        saving = false
        switch result {
        case .success:
            notice = "Code du domicile de \(name(residentId)) enregistré"
            onRecorded()
            await open(route.routeId)
        case .failure(let e):
            error = e
        }
    }
}
