import ChevetCore
import Foundation
import Testing

@testable import Chevet

/// A home-care route over the real core. (The Android app's `RouteTests`, with QR stickers: iPads have no NFC.)
@MainActor
@Suite struct RouteModelTests {
    @Test func aHomesStickerRegisteredAnArrivalByStickerAnotherHomesRefusedADepartureByHand() async throws {
        let demo = try DemoStore(residentsPerUnit: 3)
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let unit = try #require(demo.demo.unitIds.first)
        let a = demo.demo.residentIds[0]
        let b = demo.demo.residentIds[1]
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = paris
        let d = calendar.dateComponents([.year, .month, .day], from: Date())
        let today = String(format: "%04d-%02d-%02d", d.year!, d.month!, d.day!)
        _ = try demo.store.homeCare().planRoute(
            unitId: unit, day: today, staffId: demo.demo.nurseId, label: "Tournée du matin – secteur Nord",
            stops: [RouteStopEntry(residentId: a, plannedAt: "08:30"), RouteStopEntry(residentId: b, plannedAt: "09:15")]
        )
        let model = RouteModel(routes: demo.environment.routes, unitId: unit, timeZone: paris, clock: SystemClock())
        await model.send(.load)
        #expect(model.route?.stops.map(\.residentId) == [a, b])

        // The nurse registers both homes' stickers.
        await model.send(.register(residentId: a))
        #expect(model.waiting == .register(residentId: a))
        await model.send(.tagRead("CHEVET-DOMICILE-a1b2"))
        await model.send(.register(residentId: b))
        await model.send(.tagRead("CHEVET-DOMICILE-91c0"))
        #expect(model.route?.stops.allSatisfy { $0.tags == [.qrCode] } == true)

        // At A's door: the arrival by A's sticker.
        await model.send(.stamp(residentId: a, moment: .start, by: .qrCode))
        await model.send(.tagRead("CHEVET-DOMICILE-a1b2"))
        #expect(model.route?.stops.first { $0.residentId == a }?.started != nil)
        #expect(model.notice?.hasPrefix("Arrivée chez") == true)
        // B's sticker read for A's departure: refused, nothing kept.
        await model.send(.stamp(residentId: a, moment: .stop, by: .qrCode))
        await model.send(.tagRead("CHEVET-DOMICILE-91c0"))
        #expect(model.error == .wrongHomeTag(registered: true))
        #expect(model.route?.stops.first { $0.residentId == a }?.ended == nil)
        // The departure by hand.
        await model.send(.dismissError)
        await model.send(.stamp(residentId: a, moment: .stop, by: .manual))
        #expect(model.error == nil)
        #expect(model.route?.stops.first { $0.residentId == a }?.ended != nil)
        // Cancelling a wait keeps nothing.
        await model.send(.stamp(residentId: b, moment: .start, by: .qrCode))
        await model.send(.cancelWait)
        #expect(model.waiting == nil)
    }
}
