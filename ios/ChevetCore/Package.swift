// swift-tools-version:5.9
// The core for the iOS app. scripts/build-ios-xcframework fills
// ChevetCoreFFI.xcframework and Sources/ChevetCore/ChevetCore.swift (both
// generated, not committed).
import PackageDescription

let package = Package(
    name: "ChevetCore",
    platforms: [.iOS(.v15)],
    products: [.library(name: "ChevetCore", targets: ["ChevetCore"])],
    targets: [
        .binaryTarget(name: "ChevetCoreFFI", path: "ChevetCoreFFI.xcframework"),
        .target(name: "ChevetCore", dependencies: ["ChevetCoreFFI"], path: "Sources/ChevetCore"),
    ]
)
