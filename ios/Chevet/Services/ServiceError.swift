import Foundation

/// Why a call to the core failed: the core's error mapped once, typed, so
/// the screens say it in French and decide what to offer next.
enum ServiceError: Error, Equatable, Sendable {
    case wrongKey
    case storeDamaged
    case noSession
    case wrongPin(attemptsLeft: Int)
    case lockedOut(until: Date)
    case weakPin(reason: String)
    case wrongFirstPinCode(attemptsLeft: Int)
    case firstPinUnavailable(reason: String)
    case permissionDenied(permission: String)
    case staffDeactivated
    case invalidInput(field: String, reason: String)
    /// A visit stamped with a tag that is not this home's (`registered`: the home has one).
    case wrongHomeTag(registered: Bool)
    case notFound
    case versionConflict
    case notEnrolled
    case syncInProgress
    case syncCancelled
    case hubUnreachable
    case hubCertificateRefused(HubCertificateIssue)
    case hubRefused(status: Int)
    /// The establishment revoked this tablet: its store was erased.
    case deviceRevoked
    case storage
    /// Anything else the core said, by kind (never personal data).
    case other(kind: String)
}

enum HubCertificateIssue: Equatable, Sendable {
    case expired, wrongName, unknownIssuer, invalid
}
