import Foundation
import Testing

@testable import Chevet

/// The scales over the real core. (The Android app's `ScalesPresenterTest`.)
@MainActor
@Suite struct ScalesModelTests {
    @Test func aFormIsFilledScoredAsItGoesAndRecorded() async throws {
        let demo = try DemoStore()
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let resident = try #require(demo.demo.residentIds.first)
        let model = ScalesModel(
            scales: demo.environment.scales, residentId: resident, residentName: "R", room: "101", clock: SystemClock()
        )
        await model.send(.load)
        #expect(!model.forms.isEmpty)
        let braden = try #require(model.forms.first { $0.kind == .braden })
        await model.send(.choose(.braden))
        #expect(model.answers.count == braden.items.count)
        for index in braden.items.indices {
            await model.send(.answer(item: index, option: 0))
        }
        let preview = try #require(model.preview)
        #expect(preview.complete && preview.answered == braden.items.count)
        await model.send(.record)
        #expect(model.recorded.count == 1)
        #expect(model.form == nil, "back to the list of forms")
    }

    @Test func answeringTheSameOptionAgainUnanswersIt() async throws {
        let demo = try DemoStore()
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let model = ScalesModel(
            scales: demo.environment.scales, residentId: try #require(demo.demo.residentIds.first), residentName: "R",
            room: "101", clock: SystemClock()
        )
        await model.send(.load)
        await model.send(.choose(.braden))
        await model.send(.answer(item: 0, option: 1))
        #expect(model.answers[0] == 1)
        await model.send(.answer(item: 0, option: 1))
        #expect(model.answers[0] == nil)
    }
}
