import BackgroundTasks
import Foundation

/// Sync in the background: a refresh task every 15 minutes at best (the
/// system decides), and a processing task that waits for the network to
/// send what a shift recorded, photos included. The core does the transfer;
/// no background URLSession is needed. The device key is readable after the
/// first unlock, so this works while the iPad is locked.
enum BackgroundSync {
    static let refresh = "fr.chevet.sync.refresh"
    static let processing = "fr.chevet.sync.processing"

    /// At launch, before the app finishes launching.
    static func register(sync: any SyncService) {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: refresh, using: nil) { task in
            run(task, sync: sync)
        }
        BGTaskScheduler.shared.register(forTaskWithIdentifier: processing, using: nil) { task in
            run(task, sync: sync)
        }
    }

    /// When the app goes to the background.
    static func schedule() {
        let refreshRequest = BGAppRefreshTaskRequest(identifier: refresh)
        refreshRequest.earliestBeginDate = Date(timeIntervalSinceNow: 15 * 60)
        let processingRequest = BGProcessingTaskRequest(identifier: processing)
        processingRequest.requiresNetworkConnectivity = true
        processingRequest.requiresExternalPower = false
        for request in [refreshRequest as BGTaskRequest, processingRequest] {
            do {
                try BGTaskScheduler.shared.submit(request)
            } catch {
                // Not permitted (simulator, Low Power Mode): the foreground sync still runs.
            }
        }
    }

    private static func run(_ task: BGTask, sync: any SyncService) {
        schedule()
        let work = Task.detached {
            let result = await sync.sync { _ in }
            if case .success = result {
                task.setTaskCompleted(success: true)
            } else {
                task.setTaskCompleted(success: false)
            }
        }
        // Out of time: the core stops between two requests, nothing is lost.
        task.expirationHandler = { work.cancel() }
    }
}
