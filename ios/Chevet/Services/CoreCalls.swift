import ChevetCore
import Foundation

/// Runs a blocking core call off the main actor (a detached task on the
/// cooperative pool: the core's calls are short and the store serialises
/// its writes), its error mapped to a `ServiceError`.
nonisolated func onCore<T: Sendable>(_ call: @escaping @Sendable () throws -> T) async -> Result<T, ServiceError> {
    await Task.detached(priority: .userInitiated) {
        do {
            return .success(try call())
        } catch let error as ChevetError {
            return .failure(ServiceError(error))
        } catch {
            return .failure(.other(kind: String(describing: type(of: error))))
        }
    }.value
}

nonisolated func millis(_ date: Date) -> Int64 {
    Int64((date.timeIntervalSince1970 * 1000).rounded())
}

nonisolated func date(millis: Int64) -> Date {
    Date(timeIntervalSince1970: TimeInterval(millis) / 1000)
}

extension ServiceError {
    /// The one mapping from the core's error (its messages carry kinds and
    /// ids only, so nothing personal reaches a screen or a log).
    nonisolated init(_ error: ChevetError) {
        switch error {
        case .WrongKey: self = .wrongKey
        case .StoreDamaged: self = .storeDamaged
        case .NoSession: self = .noSession
        case .WrongPin(let attemptsLeft): self = .wrongPin(attemptsLeft: Int(attemptsLeft))
        case .LockedOut(let untilMs): self = .lockedOut(until: date(millis: untilMs))
        case .WeakPin(let reason): self = .weakPin(reason: reason)
        case .WrongFirstPinCode(let attemptsLeft): self = .wrongFirstPinCode(attemptsLeft: Int(attemptsLeft))
        case .FirstPinUnavailable(let reason): self = .firstPinUnavailable(reason: reason)
        case .PermissionDenied(let permission): self = .permissionDenied(permission: permission)
        case .StaffDeactivated: self = .staffDeactivated
        case .InvalidInput(let field, let reason): self = .invalidInput(field: field, reason: reason)
        case .WrongHomeTag(let registered): self = .wrongHomeTag(registered: registered)
        case .NotFound: self = .notFound
        case .VersionConflict: self = .versionConflict
        case .NotEnrolled: self = .notEnrolled
        case .SyncInProgress: self = .syncInProgress
        case .SyncCancelled: self = .syncCancelled
        case .HubUnreachable: self = .hubUnreachable
        case .HubCertificateRefused(let problem):
            switch problem {
            case .expired: self = .hubCertificateRefused(.expired)
            case .wrongName: self = .hubCertificateRefused(.wrongName)
            case .unknownIssuer: self = .hubCertificateRefused(.unknownIssuer)
            case .invalid: self = .hubCertificateRefused(.invalid)
            }
        case .HubRefused(let status, _): self = .hubRefused(status: Int(status))
        case .DeviceRevoked: self = .deviceRevoked
        case .Storage: self = .storage
        default: self = .other(kind: String(describing: error).prefix(while: { $0 != "(" }).description)
        }
    }
}
