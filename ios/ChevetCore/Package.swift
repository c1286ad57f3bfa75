// swift-tools-version:6.0
// The Rust core for the iPad app: the XCFramework and the Swift uniffi
// generates for it, both made by scripts/build-ios-xcframework on a Mac and
// never committed (CI generates the Swift and checks the app against it:
// scripts/check-swift). A module of its own: the app's MainActor default
// isolation does not reach the generated code, which runs wherever the
// app's services call it.
import PackageDescription

let package = Package(
    name: "ChevetCore",
    platforms: [.iOS(.v17)],
    products: [.library(name: "ChevetCore", targets: ["ChevetCore"])],
    targets: [
        .binaryTarget(name: "ChevetCoreFFI", path: "ChevetCoreFFI.xcframework"),
        .target(
            name: "ChevetCore",
            dependencies: ["ChevetCoreFFI"],
            path: "Sources/ChevetCore",
            // The generated code predates Swift 6's strict checking; its
            // types declare their own Sendable conformances.
            swiftSettings: [.swiftLanguageMode(.v5)]
        ),
    ]
)
