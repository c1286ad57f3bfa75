import Foundation
import Testing

@testable import Chevet

/// A transmission written at the bedside reaches the handover, marked new
/// until read. (The Android app's `TransmissionPresenterTest` and `HandoverPresenterTest`.)
@MainActor
@Suite struct TransmissionAndHandoverTests {
    @Test func aTransmissionIsKeptThenHandedOverAndReadOnce() async throws {
        let demo = try DemoStore()
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let resident = try #require(demo.demo.residentIds.first)
        let unit = try #require(demo.demo.unitIds.first)
        let writing = TransmissionModel(
            care: demo.environment.care, residentId: resident, residentName: "R", room: "101", clock: SystemClock()
        )
        await writing.send(.target("Chute"))
        await writing.send(.data("Retrouvée au sol à 3 h, sans plaie."))
        await writing.send(.actions("Relevée à deux, surveillance."))
        await writing.send(.results("Pas de douleur au réveil."))
        await writing.send(.toggleAudience(.nurse))
        await writing.send(.save)
        #expect(writing.saved == "Chute")
        #expect(writing.error == nil)
        #expect(writing.target.isEmpty && writing.audience.isEmpty, "the form starts over")

        let handover = HandoverModel(handovers: demo.environment.handovers, unitId: unit, clock: SystemClock())
        await handover.send(.load)
        let lines = try #require(handover.handover?.residents.first { $0.id == resident }?.lines)
        let line = try #require(lines.first { $0.kind == .transmission })
        #expect(handover.isNew(line))
        await handover.send(.markRead)
        #expect(!handover.isNew(line))
        let again = HandoverModel(handovers: demo.environment.handovers, unitId: unit, clock: SystemClock())
        await again.send(.load)
        #expect(again.readUntil != nil, "the reading is recorded for the professional")
    }

    @Test func aTransmissionWithoutItsTargetIsRefusedInWords() async throws {
        let demo = try DemoStore()
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let resident = try #require(demo.demo.residentIds.first)
        let writing = TransmissionModel(
            care: demo.environment.care, residentId: resident, residentName: "R", room: "101", clock: SystemClock()
        )
        await writing.send(.data("Sans cible"))
        await writing.send(.save)
        #expect(writing.saved == nil)
        #expect(writing.error != nil)
    }
}
