import ChevetCore
import Foundation

nonisolated final class RustSessionService: SessionService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func staffAccounts() async -> Result<[StaffAccount], ServiceError> {
        let store = self.store
        return await onCore { try store.sessions().staffAccounts().map(StaffAccount.init) }
    }

    func signIn(staffId: String, pin: String) async -> Result<SignedIn, ServiceError> {
        let store = self.store
        return await onCore { SignedIn(try store.sessions().signIn(staffId: staffId, pin: pin)) }
    }

    func setFirstPin(staffId: String, code: String, newPin: String) async -> Result<SignedIn, ServiceError> {
        let store = self.store
        return await onCore { SignedIn(try store.sessions().setFirstPin(staffId: staffId, code: code, newPin: newPin)) }
    }

    func currentSession() async -> Result<SignedIn?, ServiceError> {
        let store = self.store
        return await onCore { try store.sessions().currentSession().map(SignedIn.init) }
    }

    func lock() async -> Result<Void, ServiceError> {
        let store = self.store
        return await onCore { try store.sessions().lock() }
    }
}

extension StaffAccount {
    nonisolated init(_ info: StaffAccountInfo) {
        self.init(
            id: info.staffId,
            displayName: info.displayName,
            role: info.role,
            pinSet: info.pinSet,
            firstPinPossible: info.firstPinPossible
        )
    }
}

extension SignedIn {
    nonisolated init(_ session: Session) {
        self.init(staffId: session.staffId, displayName: session.displayName, role: session.role)
    }
}
