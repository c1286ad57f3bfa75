import SwiftUI

@main
struct ChevetApp: App {
    @State private var app: AppModel
    @State private var sync: SyncStatusModel?

    init() {
        let environment = try? CoreEnvironment.open()
        if let environment {
            BackgroundSync.register(sync: environment.sync)
        }
        _app = State(initialValue: AppModel(environment: environment))
        _sync = State(initialValue: environment.map { SyncStatusModel(sync: $0.sync, clock: $0.clock) })
    }

    var body: some Scene {
        WindowGroup {
            RootView(app: app, sync: sync)
        }
    }
}
