import Foundation
import Testing

@testable import Chevet

/// The emergency transfer over the real core. (The Android app's `TransferTests`.)
@MainActor
@Suite struct TransferModelTests {
    @Test func theFormIsRecordedAndTheSheetSaysWhatIsMissing() async throws {
        let demo = try DemoStore()
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let resident = try #require(demo.demo.residentIds.first)
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        let model = TransferModel(
            transfers: demo.environment.transfers, residentId: resident, residentName: "R", room: "101",
            timeZone: paris, clock: SystemClock()
        )
        #expect(!model.ready)
        await model.send(.reason("Chute avec douleur de hanche"))
        await model.send(.pain(true))
        #expect(!model.ready, "a recent pain needs its score")
        await model.send(.painScore(6))
        let meal = try #require(model.meals.first)
        await model.send(.lastMeal(meal))
        await model.send(.toggleItem(.glasses))
        await model.send(.otherItems("canne, téléphone"))
        #expect(model.ready)
        await model.send(.record)
        #expect(model.transferId != nil)
        let documents = try #require(model.documents)
        #expect(documents.html.contains("<html") || documents.html.contains("<!doctype"))
        // With no vitals taken today, the sheet names them and the DLU waits.
        #expect(!documents.missing.isEmpty && documents.fludt == nil)
        // Recorded: the form no longer changes.
        await model.send(.reason("autre"))
        #expect(model.reason == "Chute avec douleur de hanche")
    }

    @Test func theMealsOfferedAreTheLatestFourBeforeNow() throws {
        let paris = try #require(TimeZone(identifier: "Europe/Paris"))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = paris
        let now = try #require(calendar.date(from: DateComponents(year: 2026, month: 12, day: 6, hour: 13, minute: 5)))
        let meals = mealChoices(now: now, timeZone: paris)
        #expect(meals.map(\.label) == [
            "Aujourd'hui, déjeuner (12 h)", "Aujourd'hui, petit déjeuner (08 h)", "Hier, dîner (19 h)", "Hier, goûter (16 h)",
        ])
    }
}
