import Foundation
import Testing

@testable import Chevet

/// A box's GS1 element string: product, expiry, lot, serial (GS ends the variable ones).
func boxCode(gtin: String, expiry: Date, lot: String = "AB12C", serial: String = "SN000123") -> String {
    let day = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "Europe/Paris")!, from: expiry)
    let yymmdd = String(format: "%02d%02d%02d", day.year! % 100, day.month!, day.day!)
    return "01\(gtin)17\(yymmdd)10\(lot)\u{1d}21\(serial)"
}

/// The demo's paracetamol (Doliprane 1000 mg) and another product.
let prescribed = "03400935955838"
let another = "03400930000007"

/// The medication screen's model over the real core. (The Android app's `MedicationPresenterTest`.)
@MainActor
@Suite struct MedicationModelTests {
    @Test func theRightBoxIsAcceptedAndGivenAWrongOrExpiredOneIsRefusedAndNotGiven() async throws {
        let demo = try DemoStore()
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let resident = try #require(demo.demo.residentIds.first)
        let unit = try #require(demo.demo.unitIds.first)
        // A dose due in ten minutes, Paris time (the demo's own sit at fixed hours).
        var paris = Calendar(identifier: .gregorian)
        paris.timeZone = TimeZone(identifier: "Europe/Paris")!
        let due = Date().addingTimeInterval(600)
        let parts = paris.dateComponents([.year, .month, .day, .hour, .minute], from: due)
        _ = try demo.store.planDemoMedication(
            residentId: resident,
            time: String(format: "%02d:%02d", parts.hour!, parts.minute!),
            day: String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!),
            intakeAssistanceAllowed: false
        )
        let model = MedicationModel(
            medication: demo.environment.medication, unitId: unit, residentId: resident, residentName: "R", room: "101",
            clock: SystemClock()
        )
        await model.send(.load)
        let line = try #require(model.lines.first { $0.isOpen && $0.expectedProduct != nil })

        await model.send(.boxScanned(line, boxCode(gtin: another, expiry: Date().addingTimeInterval(86400 * 365))))
        #expect(model.error == .boxRefused(line, .wrongProduct))
        await model.send(.give(line))
        #expect(model.lines.contains { $0.id == line.id && $0.isOpen }, "a refused box is not given")

        await model.send(.boxScanned(line, boxCode(gtin: prescribed, expiry: Date().addingTimeInterval(-86400 * 30))))
        #expect(model.error == .boxRefused(line, .expired))

        await model.send(.boxScanned(line, boxCode(gtin: prescribed, expiry: Date().addingTimeInterval(86400 * 365))))
        #expect(model.error == nil)
        #expect(model.scanned[line.id]?.box.lot == "AB12C")
        await model.send(.give(line))
        #expect(!model.lines.contains { $0.id == line.id && $0.isOpen }, "given")
    }
}
