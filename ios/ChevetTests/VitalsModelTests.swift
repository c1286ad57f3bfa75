import Foundation
import Testing

@testable import Chevet

/// The vitals screen's model over the real core. (The Android app's `VitalsPresenterTest`.)
@MainActor
@Suite struct VitalsModelTests {
    private func model(_ demo: DemoStore) async throws -> VitalsModel {
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let resident = try #require(demo.demo.residentIds.first)
        return VitalsModel(
            vitals: demo.environment.vitals, residentId: resident, residentName: "R", room: "101", clock: SystemClock()
        )
    }

    @Test func aMisplacedCommaIsNamedWithItsLikelyReadingAndCorrectedInOneTap() async throws {
        let demo = try DemoStore()
        let model = try await model(demo)
        await model.send(.typed(.temperature, "375"))
        let problem = try #require(model.preview?.problems.first)
        #expect(problem.likely == 37.5)
        await model.send(.useLikely(loinc: problem.loinc, value: 37.5))
        #expect(model.typed[.temperature] == "37,5")
        #expect(model.preview?.problems.isEmpty == true)
    }

    @Test func aCompleteSetIsScoredAndKeptWhole() async throws {
        let demo = try DemoStore()
        let model = try await model(demo)
        for (field, text) in [
            (VitalField.temperature, "37,5"), (.pulse, "112"), (.respiratoryRate, "22"), (.oxygenSaturation, "94"),
            (.systolic, "105"), (.diastolic, "60"), (.oxygenFlow, "0"),
        ] {
            await model.send(.typed(field, text))
        }
        await model.send(.consciousness(.alert))
        let news2 = try #require(model.preview?.news2, "NEWS2 once the set is complete")
        #expect(news2.total == 6 && news2.risk == .medium)
        await model.send(.save)
        #expect(model.saved == 7)
        #expect(model.typed.isEmpty)
    }

    @Test func somethingThatIsNotANumberIsNamedAndNothingIsSaved() async throws {
        let demo = try DemoStore()
        let model = try await model(demo)
        await model.send(.typed(.pulse, "quatre-vingts"))
        #expect(model.error == .notANumber(.pulse))
        await model.send(.save)
        #expect(model.saved == nil)
    }
}
