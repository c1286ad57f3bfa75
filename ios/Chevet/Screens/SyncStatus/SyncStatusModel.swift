import Foundation
import Observation

enum SyncStatusEvent: Sendable {
    /// Read the status again (after a record, or when the screen shows).
    case refresh
    /// « Synchroniser maintenant ».
    case syncNow
    /// Stop the running sync: what was sent stays sent.
    case cancel
}

/// The sync bar every screen shows: the core's status, and a sync running
/// from here. (The Android app's `SyncStatusPresenter`, state for state.)
@Observable
final class SyncStatusModel {
    /// The core's status as last read (nil before the first read).
    private(set) var status: SyncStatus?
    /// When `status` was read: the bar says « aujourd'hui à 14 h 32 » against it.
    private(set) var readAt: Date?
    /// A sync started by « Synchroniser maintenant » is running, and how far.
    private(set) var running: SyncProgress?
    /// How the last sync started here failed; cleared by the next one.
    private(set) var error: ServiceError?

    @ObservationIgnored private let sync: any SyncService
    @ObservationIgnored private let clock: any Clock
    @ObservationIgnored private var syncTask: Task<Result<SyncOutcome, ServiceError>, Never>?

    init(sync: any SyncService, clock: any Clock) {
        self.sync = sync
        self.clock = clock
    }

    func send(_ event: SyncStatusEvent) async {
        switch event {
        case .refresh:
            await refresh()
        case .syncNow:
            guard running == nil else { return }
            running = SyncProgress(stage: .pushing, pushed: 0, toPush: 0, pulled: 0)
            error = nil
            let work = Task { [sync] in
                await sync.sync { progress in
                    Task { @MainActor [weak self] in
                        if self?.running != nil { self?.running = progress }
                    }
                }
            }
            syncTask = work
            let result = await work.value
            syncTask = nil
            running = nil
            if case .failure(let e) = result, e != .syncCancelled { error = e }
            await refresh()
        case .cancel:
            // The core stops between two requests: what was sent stays sent.
            syncTask?.cancel()
        }
    }

    private func refresh() async {
        switch await sync.status() {
        case .success(let s):
            status = s
            readAt = clock.now()
        case .failure(let e):
            error = e
        }
    }
}
