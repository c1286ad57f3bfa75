import Foundation
import Testing

@testable import Chevet

/// The wounds screen's model over the real core. (The Android app's `WoundsTests`.)
@MainActor
@Suite struct WoundsModelTests {
    @Test func aWoundIsOpenedAssessedAsTypedAndFollowed() async throws {
        let demo = try DemoStore()
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let resident = try #require(demo.demo.residentIds.first)
        let model = WoundsModel(
            wounds: demo.environment.wounds, residentId: resident, residentName: "R", room: "101", initial: [],
            clock: SystemClock()
        )
        #expect(Set(model.kinds.map(\.kind)) == Set(WoundKind.allCases), "every kind the core knows")
        await model.send(.startNewWound)
        await model.send(.newWoundKind(.pressureInjury))
        await model.send(.newWoundSite("talon droit"))
        await model.send(.saveNewWound)
        let followUp = try #require(model.followUp)
        #expect(model.wounds.first?.id == followUp.wound.id)
        await model.send(.startAssessment)
        await model.send(.length("4,5"))
        await model.send(.width("3"))
        await model.send(.exudate(.moderate))
        #expect(model.assessment?.preview == nil, "not scored before the tissue is said")
        await model.send(.tissue(.granulation))
        let preview = try #require(model.assessment?.preview, "scored as it is typed")
        #expect(abs(preview.areaCm2 - 13.5) < 0.01)
        await model.send(.saveAssessment)
        #expect(model.assessment == nil)
        #expect(model.followUp?.assessments.count == 1)
    }

    @Test func aPhotoNeedsTheConsentAndTheCoreRefusesWhatIsNotAPhoto() async throws {
        let demo = try DemoStore()
        _ = await demo.environment.sessions.signIn(staffId: demo.demo.nurseId, pin: demo.demo.pin)
        let resident = try #require(demo.demo.residentIds.first)
        let model = WoundsModel(
            wounds: demo.environment.wounds, residentId: resident, residentName: "R", room: "101", initial: [],
            clock: SystemClock()
        )
        await model.send(.startNewWound)
        await model.send(.newWoundKind(.legUlcer))
        await model.send(.newWoundSite("jambe gauche"))
        await model.send(.saveNewWound)
        await model.send(.startCapture)
        await model.send(.photoTaken(Data([0xFF, 0xD8, 0xFF])))
        #expect(model.capture?.taking == false && model.error == nil, "nothing taken before the consent is stated")
        await model.send(.consent(byResident: true))
        await model.send(.photoTaken(Data([0xFF, 0xD8, 0xFF])))
        #expect(model.error != nil, "a truncated JPEG is refused by the core")
        #expect(model.followUp?.photos.isEmpty == true)
        await model.send(.photoTaken(nil))
        #expect(model.cameraFailed)
    }
}
