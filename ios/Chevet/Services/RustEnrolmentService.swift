import ChevetCore
import Foundation

nonisolated final class RustEnrolmentService: EnrolmentService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func enrolled() async -> Result<Bool, ServiceError> {
        let store = self.store
        // A demo store counts as enrolled: it goes straight to who-am-I.
        return await onCore { try store.hub().syncStatus().health != .notEnrolled }
    }

    func readLink(_ text: String) -> Result<EnrolmentLink, ServiceError> {
        do {
            let info = try parseEnrolmentLink(text: text)
            return .success(
                EnrolmentLink(hubUrl: info.hubUrl, code: info.code, establishmentCaPem: info.establishmentCaPem)
            )
        } catch let error as ChevetError {
            return .failure(ServiceError(error))
        } catch {
            return .failure(.other(kind: "link"))
        }
    }

    func enrol(hubUrl: String, code: String, label: String, establishmentCaPem: String?) async
        -> Result<Void, ServiceError>
    {
        do {
            _ = try await store.hub().enrol(hubUrl: hubUrl, code: code, label: label, establishmentCaPem: establishmentCaPem)
            return .success(Void())
        } catch let error as ChevetError {
            return .failure(ServiceError(error))
        } catch {
            return .failure(.other(kind: String(describing: type(of: error))))
        }
    }
}
