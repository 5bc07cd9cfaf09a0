// swift-tools-version: 6.1
// TalkingFace: speech → talking-face video after DAE-Talker (docs/architecture.md).
// Layering, bottom to top (a module never imports one above it):
//   C libraries → Autodiff → MediaIO → NeuralNetworks → DiffusionAutoencoder, SpeechToLatent
//   NeuralNetworks → DataParallel (MPI; only the command line links it)
//   (MediaIO sits below NeuralNetworks because checkpoints are HDF5 files)
//   Datasets (data sets on disk) → DrawnFace (the synthetic face: factors, renderer, measurement)
//   → Disentanglement (research: latent split, erasure, probes)
//   → TalkingFace (the pipeline) → SyntheticSpeaker (drawn and photo speakers + espeak-ng speech;
//   a photo's landmarks come from FaceTracking)
//   → TalkingFaceCLI (the `talkingface` tool)
// An app that imports TalkingFace links neither espeak-ng nor the command line.
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
        systemLibrary("CMPI", pkgConfig: "ompi-c", apt: ["libopenmpi-dev"]),

        .target(name: "Autodiff", dependencies: ["COpenBLAS"], swiftSettings: fast),
        .target(name: "MediaIO", dependencies: ["Autodiff", "CSndFile", "CSoxr", "CHDF5", "CPNG"], swiftSettings: fast),
        .target(name: "NeuralNetworks", dependencies: ["Autodiff", "MediaIO"], swiftSettings: fast),
        .target(name: "DiffusionAutoencoder", dependencies: ["Autodiff", "NeuralNetworks", "MediaIO"], swiftSettings: fast),
        .target(name: "SpeechToLatent", dependencies: ["COpenBLAS", "Autodiff", "NeuralNetworks", "MediaIO"], swiftSettings: fast),
        // Data-parallel training over MPI (`mpirun`): the `Communicator` the training loop uses.
        .target(name: "DataParallel", dependencies: ["CMPI", "NeuralNetworks"], swiftSettings: fast),
        .target(name: "Datasets", dependencies: ["Autodiff", "MediaIO"], swiftSettings: fast),
        .target(name: "DrawnFace", dependencies: ["Datasets"], swiftSettings: fast),
        // dlib's face detector and 68-point landmarks behind a C interface (libdlib-dev; its
        // BLAS calls resolve to OpenBLAS, which the engine links anyway).
        .target(
            name: "CFaceTracker", cxxSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("dlib"), .linkedLibrary("openblas")]),
        .target(name: "FaceTracking", dependencies: ["CFaceTracker", "MediaIO", "Datasets"], swiftSettings: fast),
        .target(
            name: "Disentanglement",
            dependencies: [
                "COpenBLAS", "Autodiff", "NeuralNetworks", "MediaIO", "DiffusionAutoencoder", "Datasets", "DrawnFace",
            ],
            swiftSettings: fast),
        .target(
            name: "TalkingFace",
            dependencies: [
                "Autodiff", "NeuralNetworks", "MediaIO", "DiffusionAutoencoder", "SpeechToLatent", "Datasets", "DrawnFace",
                "Disentanglement",
            ],
            swiftSettings: fast),
        .target(
            name: "SyntheticSpeaker",
            dependencies: ["Autodiff", "MediaIO", "Datasets", "DrawnFace", "FaceTracking", "CEspeak"],
            swiftSettings: fast),
        .executableTarget(
            name: "TalkingFaceCLI",
            dependencies: [
                "TalkingFace", "FaceTracking", "SyntheticSpeaker", "Disentanglement", "DiffusionAutoencoder", "SpeechToLatent", "Datasets",
                "DrawnFace", "MediaIO", "NeuralNetworks", "Autodiff", "DataParallel",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: fast),

        // Functional twins of Tests/Fixtures/reference_blocks.py, for goldens and benchmarks only.
        .target(name: "ReferenceBlocks", dependencies: ["Autodiff"], path: "Tests/ReferenceBlocks", swiftSettings: fast),
        // What several test targets share: tolerance assertions, seeded test data, scratch folders.
        .target(name: "TestSupport", dependencies: ["Autodiff"], path: "Tests/TestSupport", swiftSettings: fast),
        .executableTarget(
            name: "Bench",
            dependencies: [
                "COpenBLAS", "Autodiff", "NeuralNetworks", "MediaIO", "ReferenceBlocks", "DiffusionAutoencoder", "SpeechToLatent",
            ],
            path: "Benchmarks/Swift", swiftSettings: fast),

        .testTarget(name: "AutodiffTests", dependencies: ["COpenBLAS", "Autodiff", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "NeuralNetworksTests", dependencies: ["Autodiff", "MediaIO", "NeuralNetworks", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "GoldenTests", dependencies: ["Autodiff", "MediaIO", "ReferenceBlocks", "TestSupport"], swiftSettings: fast),
        .testTarget(name: "MediaIOTests", dependencies: ["Autodiff", "MediaIO", "TestSupport"], swiftSettings: fast),
        .testTarget(
            name: "DiffusionAutoencoderTests",
            dependencies: ["Autodiff", "NeuralNetworks", "MediaIO", "DiffusionAutoencoder", "TestSupport"], swiftSettings: fast),
        .testTarget(
            name: "DisentanglementTests",
            dependencies: ["Autodiff", "NeuralNetworks", "MediaIO", "DiffusionAutoencoder", "Datasets", "Disentanglement", "TestSupport"],
            swiftSettings: fast),
        .testTarget(name: "FaceTrackingTests", dependencies: ["Datasets", "MediaIO", "FaceTracking", "TestSupport"], swiftSettings: fast),
        .testTarget(
            name: "TalkingFaceTests",
            dependencies: [
                "Autodiff", "NeuralNetworks", "MediaIO", "DiffusionAutoencoder", "SpeechToLatent", "Datasets", "DrawnFace",
                "Disentanglement", "TalkingFace", "SyntheticSpeaker", "FaceTracking", "TestSupport",
            ],
            swiftSettings: fast),
        .testTarget(
            name: "SpeechToLatentTests",
            dependencies: ["Autodiff", "NeuralNetworks", "MediaIO", "SpeechToLatent", "ReferenceBlocks", "TestSupport"],
            swiftSettings: fast),
    ],
    swiftLanguageModes: [.v5],
    cxxLanguageStandard: .cxx17
)
