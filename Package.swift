// swift-tools-version: 6.1
// TalkingFace: speech → talking-face video after DAE-Talker (see ../shared/DESIGN.md).
// Layering, bottom to top (a module never imports one above it):
//   C libraries → Autodiff → MediaIO → NeuralNetworks → DiffusionAutoencoder, SpeechToLatent
// (MediaIO sits below NeuralNetworks because checkpoints are HDF5 files.)
//   → TalkingFace (pipeline) → talkingface (CLI)
import PackageDescription

let fast: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"], .when(configuration: .release)),
    .unsafeFlags(["-Xcc", "-march=native", "-target-cpu", "native"]),
]

func systemLibrary(_ name: String, pkgConfig: String?, apt: [String]) -> Target {
    .systemLibrary(name: name, path: "Sources/\(name)", pkgConfig: pkgConfig, providers: [.apt(apt)])
}

let package = Package(
    name: "TalkingFace",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "TalkingFace", targets: ["TalkingFace"]),
        .executable(name: "talkingface", targets: ["TalkingFaceCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        systemLibrary("COpenBLAS", pkgConfig: "openblas", apt: ["libopenblas-dev"]),
        systemLibrary("CSndFile", pkgConfig: "sndfile", apt: ["libsndfile1-dev"]),
        systemLibrary("CSoxr", pkgConfig: "soxr", apt: ["libsoxr-dev"]),
        systemLibrary("CHDF5", pkgConfig: "hdf5", apt: ["libhdf5-dev"]),
        systemLibrary("CPNG", pkgConfig: "libpng", apt: ["libpng-dev"]),
        systemLibrary("CEspeak", pkgConfig: "espeak-ng", apt: ["libespeak-ng-dev"]),

        .target(name: "Autodiff", dependencies: ["COpenBLAS"], swiftSettings: fast),
        .target(name: "MediaIO", dependencies: ["Autodiff", "CSndFile", "CSoxr", "CHDF5", "CPNG"], swiftSettings: fast),
        .target(name: "NeuralNetworks", dependencies: ["Autodiff", "MediaIO"], swiftSettings: fast),
        .target(name: "DiffusionAutoencoder", dependencies: ["NeuralNetworks", "MediaIO"], swiftSettings: fast),
        .target(name: "SpeechToLatent", dependencies: ["NeuralNetworks", "MediaIO"], swiftSettings: fast),
        .target(
            name: "TalkingFace",
            dependencies: ["DiffusionAutoencoder", "SpeechToLatent", "MediaIO", "CEspeak"],
            swiftSettings: fast),
        .executableTarget(
            name: "TalkingFaceCLI",
            dependencies: [
                "TalkingFace", "Autodiff",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: fast),

        // Functional twins of Tests/Fixtures/reference_blocks.py, for goldens and benchmarks.
        .target(name: "ReferenceBlocks", dependencies: ["Autodiff"], swiftSettings: fast),
        .executableTarget(
            name: "Bench", dependencies: ["Autodiff", "ReferenceBlocks", "DiffusionAutoencoder", "SpeechToLatent"],
            path: "Benchmarks/Swift", swiftSettings: fast),

        .testTarget(name: "AutodiffTests", dependencies: ["Autodiff"], swiftSettings: fast),
        .testTarget(name: "NeuralNetworksTests", dependencies: ["NeuralNetworks"], swiftSettings: fast),
        .testTarget(name: "GoldenTests", dependencies: ["Autodiff", "MediaIO", "ReferenceBlocks"], swiftSettings: fast),
        .testTarget(name: "MediaIOTests", dependencies: ["MediaIO"], swiftSettings: fast),
        .testTarget(name: "DiffusionAutoencoderTests", dependencies: ["DiffusionAutoencoder"], swiftSettings: fast),
        .testTarget(name: "TalkingFaceTests", dependencies: ["TalkingFace"], swiftSettings: fast),
        .testTarget(
            name: "SpeechToLatentTests", dependencies: ["SpeechToLatent", "MediaIO", "ReferenceBlocks"], swiftSettings: fast),
    ],
    swiftLanguageModes: [.v5]
)
