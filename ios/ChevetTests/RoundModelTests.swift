import Foundation
import Testing

@testable import Chevet

/// The round's model over the real core. (The Android app's `RoundPresenterTest`.)
@MainActor
@Suite struct RoundModelTests {
    private func signedInRound(_ demo: DemoStore) async throws -> RoundModel {
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let unit = try #require(try await demo.environment.rounds.units().get().first)
        let model = RoundModel(rounds: demo.environment.rounds, unitId: unit.id, clock: FixedClock())
        await model.send(.refresh)
        return model
    }

    @Test func oneTapValidatesAnActAndTheCountsFollow() async throws {
        let demo = try DemoStore()
        let model = try await signedInRound(demo)
        #expect(!model.loading)
        let toDo = model.toDo
        let resident = try #require(model.residents.first { $0.acts.contains { $0.isOpen && $0.mayRecord && !$0.medication } })
        let act = try #require(resident.acts.first { $0.isOpen && $0.mayRecord && !$0.medication })
        await model.send(.validate(ActRef(
            residentId: resident.id, residentName: resident.displayName, plannedActId: act.plannedActId,
            dueAt: act.dueAt, label: act.label
        )))
        #expect(model.error == nil)
        #expect(model.toDo == toDo - 1)
        let now = model.residents.first { $0.id == resident.id }?.acts.first { $0.id == act.id }
        #expect(now?.status == .done)
    }

    @Test func theFiltersKeepWhatTheySay() async throws {
        let demo = try DemoStore()
        let model = try await signedInRound(demo)
        await model.send(.setFilter(.late))
        #expect(model.residents.allSatisfy { $0.acts.allSatisfy { $0.isLate } })
        await model.send(.setFilter(.mine))
        #expect(model.residents.allSatisfy { $0.acts.allSatisfy { $0.isOpen && $0.mayRecord } })
    }

    @Test func whyNotDoneIsAskedThenRecorded() async throws {
        let demo = try DemoStore()
        let model = try await signedInRound(demo)
        let resident = try #require(model.residents.first { $0.acts.contains { $0.isOpen && $0.mayRecord && !$0.medication } })
        let act = try #require(resident.acts.first { $0.isOpen && $0.mayRecord && !$0.medication })
        let ref = ActRef(
            residentId: resident.id, residentName: resident.displayName, plannedActId: act.plannedActId,
            dueAt: act.dueAt, label: act.label
        )
        await model.send(.askWhyNotDone(ref))
        #expect(model.askingWhyNotDone == ref)
        await model.send(.notDone(ref, .refused))
        #expect(model.askingWhyNotDone == nil)
        await model.send(.setFilter(.all))
        let now = model.residents.first { $0.id == resident.id }?.acts.first { $0.id == act.id }
        #expect(now?.status == .refused)
    }

    @Test func aLockedSessionIsSaidNotHidden() async throws {
        let demo = try DemoStore()
        let model = try await signedInRound(demo)
        _ = await demo.environment.sessions.lock()
        await model.send(.refresh)
        #expect(model.error == .loadFailed(.noSession))
    }
}

/// A resident's file over the real core. (The Android app's `ResidentFilePresenterTest`.)
@MainActor
@Suite struct ResidentFileModelTests {
    @Test func theFileOpensWithItsChartsAndTheTimelinePagesOn() async throws {
        let demo = try DemoStore(historyDays: 10)
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let resident = try #require(demo.demo.residentIds.first)
        let model = ResidentFileModel(care: demo.environment.care, residentId: resident, pageSize: 5)
        await model.send(.load)
        let file = try #require(model.file)
        #expect(file.residentId == resident)
        #expect(!file.charts.isEmpty, "ten days of vitals are charted")
        #expect(file.charts.allSatisfy { $0.yMin < $0.yMax && !$0.caption.isEmpty })
        #expect(model.timeline.count == 5)
        let first = model.timeline
        await model.send(.moreTimeline)
        #expect(model.timeline.count > 5)
        #expect(Array(model.timeline.prefix(5)) == first, "older lines come after")
        #expect(model.timeline.map(\.at) == model.timeline.map(\.at).sorted(by: >), "newest first")
    }

    @Test func aLockedTabletOpensNoFile() async throws {
        let demo = try DemoStore()
        let resident = try #require(demo.demo.residentIds.first)
        let model = ResidentFileModel(care: demo.environment.care, residentId: resident)
        await model.send(.load)
        #expect(model.file == nil)
        #expect(model.error == .noSession)
    }
}
