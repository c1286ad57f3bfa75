import Foundation
import Testing

@testable import Chevet

@MainActor
@Suite struct SyncStatusModelTests {
    @Test func aDemoTabletShowsItsHealthAndASyncIsRefusedInWords() async throws {
        let demo = try DemoStore()
        let model = SyncStatusModel(sync: demo.environment.sync, clock: SystemClock())
        await model.send(.refresh)
        #expect(model.status?.health == .demo)
        await model.send(.syncNow)
        #expect(model.running == nil)
        #expect(model.error != nil, "a demo store has no hub to sync with")
    }
}

@MainActor
@Suite struct EnrolmentModelTests {
    @Test func anEmptyFormSaysWhatIsMissing() async throws {
        let env = try DemoStore.empty()
        let model = EnrolmentModel(enrolment: env.enrolment, sync: env.sync)
        await model.send(.submit)
        #expect(model.error == .incomplete(.hubUrl))
        await model.send(.hubUrlChanged("https://hub.example.fr"))
        await model.send(.submit)
        #expect(model.error == .incomplete(.code))
        await model.send(.codeChanged("0123456789abcdef0123"))
        await model.send(.submit)
        #expect(model.error == .incomplete(.label))
        #expect(model.step == .form)
    }

    @Test func aQrCodeThatIsNotChevetsIsSaidSo() async throws {
        let env = try DemoStore.empty()
        let model = EnrolmentModel(enrolment: env.enrolment, sync: env.sync)
        await model.send(.qrScanned("WIFI:S:guest;;"))
        #expect(model.error == .notAnEnrolmentQr)
    }

    @Test func anUnreachableHubIsRefusedAndTheFormStays() async throws {
        let env = try DemoStore.empty()
        let model = EnrolmentModel(enrolment: env.enrolment, sync: env.sync)
        await model.send(.hubUrlChanged("http://127.0.0.1:9"))
        await model.send(.codeChanged("0123456789abcdef0123"))
        await model.send(.labelChanged("Chariot 1er étage"))
        await model.send(.submit)
        #expect(model.step == .form)
        #expect(model.error == .refused(.hubUnreachable))
    }
}

@MainActor
@Suite struct AppModelTests {
    @Test func aNewTabletStartsAtEnrolmentAndALockedOneAtWhoAmI() async throws {
        let fresh = AppModel(environment: try DemoStore.empty())
        await fresh.start()
        #expect(fresh.screen == .enrolment)
    }

    @Test func theIdleLockGoesBackToWhoAmI() async throws {
        let demo = try DemoStore()
        let app = AppModel(environment: demo.environment, idleLockAfter: 0.2)
        let session = try await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin).get()
        await app.didSignIn(session)
        #expect(app.signedIn != nil)
        try await Task.sleep(for: .seconds(1.5))
        #expect(app.signedIn == nil)
        #expect(app.screen == .signIn)
        #expect(try await demo.environment.sessions.currentSession().get() == nil, "the core's session is locked too")
    }

    @Test func theQuickSwitchLocksTheCoresSession() async throws {
        let demo = try DemoStore()
        let app = AppModel(environment: demo.environment)
        let session = try await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin).get()
        await app.didSignIn(session)
        await app.lock()
        #expect(app.screen == .signIn)
        #expect(try await demo.environment.sessions.currentSession().get() == nil)
    }
}
