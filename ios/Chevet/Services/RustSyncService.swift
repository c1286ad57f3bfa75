import ChevetCore
import Foundation

nonisolated final class RustSyncService: SyncService {
    private let store: ChevetStore

    init(store: ChevetStore) {
        self.store = store
    }

    func sync(progress: @escaping @Sendable (SyncProgress) -> Void) async -> Result<SyncOutcome, ServiceError> {
        let cancel = SyncCancel()
        let observer = ProgressRelay(progress)
        // Cancelling the Swift task cancels the core's sync: what was sent stays sent.
        return await withTaskCancellationHandler {
            do {
                let result = try await store.hub().sync(observer: observer, cancel: cancel)
                return .success(
                    SyncOutcome(
                        pushed: Int(result.pushed),
                        pulled: Int(result.pulled),
                        conflicts: Int(result.conflicts),
                        rejected: Int(result.rejected)
                    )
                )
            } catch let error as ChevetError {
                return .failure(ServiceError(error))
            } catch {
                return .failure(.other(kind: String(describing: type(of: error))))
            }
        } onCancel: {
            cancel.cancel()
        }
    }

    func status() async -> Result<SyncStatus, ServiceError> {
        let store = self.store
        return await onCore { SyncStatus(try store.hub().syncStatus()) }
    }
}

/// The core's progress callbacks, handed on as the app's type.
nonisolated private final class ProgressRelay: SyncObserver {
    private let forward: @Sendable (SyncProgress) -> Void

    init(_ forward: @escaping @Sendable (SyncProgress) -> Void) {
        self.forward = forward
    }

    func onProgress(phase: SyncPhase, pushed: UInt32, toPush: UInt32, pulled: UInt32) {
        let stage: SyncStage = switch phase {
        case .pushing: .pushing
        case .pulling: .pulling
        case .done: .done
        }
        forward(SyncProgress(stage: stage, pushed: Int(pushed), toPush: Int(toPush), pulled: Int(pulled)))
    }
}

extension SyncStatus {
    nonisolated init(_ info: SyncStatusInfo) {
        let health: SyncHealth = switch info.health {
        case .demo: .demo
        case .notEnrolled: .notEnrolled
        case .offline: .offline
        case .failing: .failing
        case .neverSynced: .neverSynced
        case .pending: .pending
        case .upToDate: .upToDate
        }
        let kind: SyncFailureKind? = switch info.lastFailure {
        case .unreachable: .unreachable
        case .certificateRefused: .certificateRefused
        case .credentialRefused: .credentialRefused
        case .failed: .failed
        case nil: nil
        }
        self.init(
            health: health,
            pending: info.pending,
            conflicts: info.conflicts,
            rejected: info.rejected,
            lastSuccess: info.lastSuccessMs.map { date(millis: $0) },
            lastFailure: info.lastFailureMs.map { date(millis: $0) },
            lastFailureKind: kind,
            clockSkewMs: info.clockSkewMs
        )
    }
}
