import ChevetCore
import Foundation

/// The store and the services over it, made once at launch.
struct CoreEnvironment: Sendable {
    let sessions: any SessionService
    let rounds: any RoundService
    let care: any CareRecordService
    let vitals: any VitalsService
    let handovers: any HandoverService
    let scales: any ScaleService
    let medication: any MedicationService
    let routes: any RouteService
    let transfers: any TransferService
    let wounds: any WoundService
    let sync: any SyncService
    let enrolment: any EnrolmentService
    let clock: any Clock

    /// Opens (creating on first launch) the encrypted store in Application
    /// Support, excluded from backups: a restored backup on another iPad
    /// could not open it anyway (its key stays in this device's Keychain).
    nonisolated static func open() throws -> CoreEnvironment {
        setLogSink(sink: OSLogSink(), level: .info)
        let folder = try FileManager.default.url(
            for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true
        ).appendingPathComponent("Chevet", isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        var url = folder
        try url.setResourceValues(values)
        let store = try ChevetStore.open(path: folder.appendingPathComponent("store.db").path, vault: KeychainKeyVault())
        return CoreEnvironment(store: store)
    }

    nonisolated init(store: ChevetStore, clock: any Clock = SystemClock()) {
        sessions = RustSessionService(store: store)
        rounds = RustRoundService(store: store)
        care = RustCareRecordService(store: store)
        vitals = RustVitalsService(store: store)
        handovers = RustHandoverService(store: store)
        scales = RustScaleService(store: store)
        medication = RustMedicationService(store: store)
        routes = RustRouteService(store: store)
        transfers = RustTransferService(store: store)
        wounds = RustWoundService(store: store)
        sync = RustSyncService(store: store)
        enrolment = RustEnrolmentService(store: store)
        self.clock = clock
    }
}
