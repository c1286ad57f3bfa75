import Foundation
import Testing

@testable import Chevet

/// The Rust* services over the real core: what they return is the core's
/// answer in the app's types, and every refusal a typed `ServiceError`.
@Suite struct ServicesTests {
    @Test func signingInGoesThroughTheCoreAndItsRefusalsAreTyped() async throws {
        let demo = try DemoStore()
        let sessions = demo.environment.sessions
        let accounts = try await sessions.staffAccounts().get()
        #expect(accounts.contains { $0.id == demo.demo.nurseId && $0.pinSet })
        let wrong = await sessions.signIn(staffId: demo.demo.nurseId, pin: "000000")
        #expect(wrong == .failure(.wrongPin(attemptsLeft: 4)))
        let session = try await sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin).get()
        #expect(session.staffId == demo.demo.nurseId)
        #expect(try await sessions.currentSession().get() == session)
        _ = await sessions.lock()
        #expect(try await sessions.currentSession().get() == nil)
    }

    @Test func theRoundIsTheCoresAndAnActRecordedLeavesIt() async throws {
        let demo = try DemoStore()
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let rounds = demo.environment.rounds
        let unit = try #require(try await rounds.units().get().first)
        let now = Date()
        let feed = rounds.round(unitId: unit.id, window: nil)
        let round = try await feed.load(now: now).get()
        let resident = try #require(round.residents.first { $0.acts.contains { $0.isOpen && $0.mayRecord && !$0.medication } })
        let act = try #require(resident.acts.first { $0.isOpen && $0.mayRecord && !$0.medication })
        _ = try await rounds.recordAct(
            residentId: resident.id, plannedActId: act.plannedActId, occurrence: act.dueAt, outcome: .done, at: now
        ).get()
        let again = try await feed.refreshResident(resident.id, now: now).get()
        #expect(again.done == round.done + 1, "the core counts the whole round again")
        let card = try #require(again.residents.first { $0.id == resident.id })
        let after = try #require(card.acts.first { $0.plannedActId == act.plannedActId && $0.dueAt == act.dueAt })
        #expect(after.status == .done)
    }

    @Test func aDemoTabletSaysSoAndNeverEnrols() async throws {
        let demo = try DemoStore()
        #expect(try await demo.environment.sync.status().get().health == .demo)
        #expect(try await demo.environment.enrolment.enrolled().get(), "a demo store goes straight to who-am-I")
        let refused = await demo.environment.enrolment.enrol(
            hubUrl: "https://hub.example.fr", code: "0123456789abcdef0123", label: "Chariot", establishmentCaPem: nil
        )
        guard case .failure = refused else {
            Issue.record("a demo store enrolled")
            return
        }
    }

    @Test func aScannedLinkIsReadByTheCoreAndGarbageIsNot() throws {
        let env = try DemoStore.empty()
        #expect(throws: ServiceError.self) { try env.enrolment.readLink("https://example.org/not-chevet").get() }
    }
}
