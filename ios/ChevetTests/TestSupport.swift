import ChevetCore
import CryptoKit
import Foundation

@testable import Chevet

/// A vault for tests: the device key sealed under a key held in memory
/// (the app's vault needs the device's Keychain and Secure Enclave).
nonisolated final class InMemoryKeyVault: KeyVault {
    private let key = SymmetricKey(size: .bits256)

    func wrap(key data: Data) throws -> Data {
        try AES.GCM.seal(data, using: key).combined ?? Data()
    }

    func unwrap(wrapped: Data, into: UnwrappedKey) throws {
        into.put(key: try AES.GCM.open(AES.GCM.SealedBox(combined: wrapped), using: key))
    }
}

/// Now, fixed for a whole test: a round's window must not move between two
/// reads it compares (an act crossing now + 2 h changes the counts).
struct FixedClock: Clock {
    let date: Date
    init(_ date: Date = Date()) { self.date = date }
    func now() -> Date { date }
}

/// A real store in a fresh folder, with the demo EHPAD: the XCFramework's
/// core, as the app runs it. The demo leaves the nurse signed in; the
/// tablet starts locked.
struct DemoStore {
    let store: ChevetStore
    let demo: DemoInfo
    let environment: CoreEnvironment

    init(units: UInt32 = 1, residentsPerUnit: UInt32 = 4, historyDays: UInt32 = 0, clock: any Clock = SystemClock())
        throws
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        store = try ChevetStore.open(path: folder.appendingPathComponent("chevet.db").path, vault: InMemoryKeyVault())
        demo = try store.seedDemo(units: units, residentsPerUnit: residentsPerUnit, historyDays: historyDays)
        try store.sessions().lock()
        environment = CoreEnvironment(store: store, clock: clock)
    }

    /// An empty store, never enrolled (the enrolment screen's case).
    static func empty() throws -> CoreEnvironment {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let store = try ChevetStore.open(path: folder.appendingPathComponent("chevet.db").path, vault: InMemoryKeyVault())
        return CoreEnvironment(store: store)
    }
}
