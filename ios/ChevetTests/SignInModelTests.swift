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

    @Test func aFirstPinSetWithThePrintedCodeSignsInAndSignsInAgain() async throws {
        let demo = try DemoStore()
        let newcomer = demo.demo.newcomerId
        let model = SignInModel(sessions: demo.environment.sessions, clock: SystemClock())
        await model.send(.load)
        let account = try #require(model.accounts.first { $0.id == newcomer })
        #expect(!account.pinSet && account.firstPinPossible)
        await model.send(.choose(staffId: newcomer))
        #expect(model.step == .firstPinCode)
        await model.send(.code(demo.demo.newcomerFirstPinCode.lowercased()))
        await model.send(.submit)
        #expect(model.step == .newPin)

        // A confirmation that differs is refused, and nothing is set.
        await type("482915", into: model)
        #expect(model.step == .confirmPin)
        #expect(model.digits == 0, "the digits typed are wiped after each step")
        await type("482916", into: model)
        #expect(model.error == .pinsDiffer)
        #expect(model.step == .newPin && model.digits == 0)
        #expect(model.signedIn == nil)

        // The same PIN twice: set, and the professional is in.
        await type("482915", into: model)
        #expect(model.step == .confirmPin)
        await type("482915", into: model)
        #expect(model.error == nil)
        #expect(model.signedIn?.staffId == newcomer)

        // Signed out; the PIN just set opens the tablet again, and no other does.
        _ = await demo.environment.sessions.lock()
        let again = SignInModel(sessions: demo.environment.sessions, clock: SystemClock())
        await again.send(.load)
        #expect(again.accounts.first { $0.id == newcomer }?.pinSet == true)
        await again.send(.choose(staffId: newcomer))
        #expect(again.step == .pin)
        await type("482916", into: again)
        #expect(again.error == .wrongPin(attemptsLeft: 4))
        await type("482915", into: again)
        #expect(again.signedIn?.staffId == newcomer)
    }
}
