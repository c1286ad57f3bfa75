import Foundation
import Testing

@testable import Chevet

/// The sign-in screen's model over the real core: its PIN rules and
/// lock-out are the core's. (The Android app's `SignInPresenterTest`.)
@MainActor
@Suite struct SignInModelTests {
    private func type(_ pin: String, into model: SignInModel) async {
        for c in pin { await model.send(.digit(Int(String(c))!)) }
        await model.send(.submit)
    }

    @Test func theRightPinSignsInAWrongOneSaysHowManyTriesAreLeft() async throws {
        let demo = try DemoStore()
        let model = SignInModel(sessions: demo.environment.sessions, clock: SystemClock())
        await model.send(.load)
        #expect(model.accounts.contains { $0.id == demo.demo.nurseId })
        await model.send(.choose(staffId: demo.demo.nurseId))
        #expect(model.step == .pin)
        await type("000000", into: model)
        #expect(model.error == .wrongPin(attemptsLeft: 4))
        #expect(model.digits == 0, "nothing typed is kept")
        await type(demo.demo.pin, into: model)
        #expect(model.signedIn?.staffId == demo.demo.nurseId)
        #expect(model.error == nil)
    }

    @Test func fiveWrongPinsLockTheProfessionalOutAndThePadWaits() async throws {
        let demo = try DemoStore()
        let model = SignInModel(sessions: demo.environment.sessions, clock: SystemClock())
        await model.send(.load)
        await model.send(.choose(staffId: demo.demo.nurseId))
        for left in stride(from: 4, through: 1, by: -1) {
            await type("000000", into: model)
            #expect(model.error == .wrongPin(attemptsLeft: left))
        }
        await type("000000", into: model)
        #expect(model.lockedOutSeconds != nil, "the core locked the professional out")
        await model.send(.digit(1))
        #expect(model.digits == 0, "the pad waits during the lock-out")
        // Even the right PIN is refused until the lock-out ends.
        await model.send(.chooseSomeoneElse)
        await model.send(.choose(staffId: demo.demo.nurseId))
        await type(demo.demo.pin, into: model)
        #expect(model.signedIn == nil)
    }

    @Test func someoneElseTakesTheTabletAndNothingTypedRemains() async throws {
        let demo = try DemoStore()
        let model = SignInModel(sessions: demo.environment.sessions, clock: SystemClock())
        await model.send(.load)
        await model.send(.choose(staffId: demo.demo.nurseId))
        await model.send(.digit(4))
        await model.send(.digit(2))
        #expect(model.digits == 2)
        await model.send(.chooseSomeoneElse)
        #expect(model.chosen == nil && model.step == .chooseWho && model.digits == 0)
        #expect(!model.accounts.isEmpty, "the list comes back")
    }
}
