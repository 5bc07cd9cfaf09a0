import Foundation
import NeuralNetworks

/// Shape and training setting of the speech-to-latent model (docs/architecture.md §6). Stored as JSON in
/// every checkpoint, so a model can be rebuilt from its file.
public struct SpeechToLatentConfig: Codable, Equatable, Sendable {
    /// Per-frame feature size: 80 for log-mel, the hidden size for Wav2Vec2/HuBERT.
    public var featureDimension: Int
    /// Hidden layers of an audio encoder mixed by learned softmax weights (1: one feature stream).
    public var featureLayers: Int
    /// Feature frames per second: 100 (log-mel, 10 ms hop) or 50 (Wav2Vec2).
    public var featureRate: Int
    /// Video frames per second of the latents.
    public var frameRate: Int
    /// Conformer width D, attention heads, feed-forward width, depthwise kernel.
    public var dimension: Int
    public var heads: Int
    public var feedForward: Int
    public var kernelSize: Int
    /// Conformer blocks before and after the pose adaptor.
    public var encoderBlocks: Int
    public var decoderBlocks: Int
    public var dropout: Float
    /// z_sem size.
    public var latentDimension: Int
    /// Head pose values per frame (yaw, pitch, roll).
    public var poseDimension: Int
    /// Pose predictor: conv width and kernel.
    public var posePredictorChannels: Int
    public var posePredictorKernel: Int
    /// Training window (and inference chunk) length.
    public var windowSeconds: Double
    /// Weight of the L1 pose loss beside the z_sem MSE.
    public var poseLossWeight: Float

    public init(
        featureDimension: Int = 80, featureLayers: Int = 1, featureRate: Int = 100, frameRate: Int = 25,
        dimension: Int = 512, heads: Int = 2, feedForward: Int = 512, kernelSize: Int = 13,
        encoderBlocks: Int = 4, decoderBlocks: Int = 4, dropout: Float = 0.2, latentDimension: Int = 512,
        poseDimension: Int = 3, posePredictorChannels: Int = 256, posePredictorKernel: Int = 3,
        windowSeconds: Double = 10, poseLossWeight: Float = 1
    ) {
        self.featureDimension = featureDimension
        self.featureLayers = featureLayers
        self.featureRate = featureRate
        self.frameRate = frameRate
        self.dimension = dimension
        self.heads = heads
        self.feedForward = feedForward
        self.kernelSize = kernelSize
        self.encoderBlocks = encoderBlocks
        self.decoderBlocks = decoderBlocks
        self.dropout = dropout
        self.latentDimension = latentDimension
        self.poseDimension = poseDimension
        self.posePredictorChannels = posePredictorChannels
        self.posePredictorKernel = posePredictorKernel
        self.windowSeconds = windowSeconds
        self.poseLossWeight = poseLossWeight
    }

    /// DiffDub's setting: D 512, 2 heads, FFN 512, kernel 13, 4 + 4 blocks, dropout 0.2, 10 s windows.
    public static func diffDub(featureDimension: Int = 80, featureLayers: Int = 1, featureRate: Int = 100) -> Self {
        SpeechToLatentConfig(featureDimension: featureDimension, featureLayers: featureLayers, featureRate: featureRate)
    }

    /// Sized to train in hours on 2 CPU cores: D 192, FFN 384, 3 + 3 blocks.
    public static func cpu(featureDimension: Int = 80, featureLayers: Int = 1, featureRate: Int = 100, latentDimension: Int = 512) -> Self {
        SpeechToLatentConfig(
            featureDimension: featureDimension, featureLayers: featureLayers, featureRate: featureRate,
            dimension: 192, heads: 2, feedForward: 384, kernelSize: 13, encoderBlocks: 3, decoderBlocks: 3,
            dropout: 0.1, latentDimension: latentDimension, posePredictorChannels: 128)
    }

    /// Feature frames per latent frame (the subsampling conv's stride).
    public var stride: Int { featureRate / frameRate }
    /// Latent frames in one training window.
    public var windowFrames: Int { Int((windowSeconds * Double(frameRate)).rounded()) }

    /// Largest width (feature size, D, feed-forward, z_sem, predictor) and block count
    /// accepted: far above every preset, far below what would exhaust memory.
    public static let maxWidth = 16384, maxBlocks = 64, maxKernel = 255

    /// Throws naming the first setting (by its JSON key) that cannot build a model, before
    /// anything is allocated.
    public func validate() throws {
        func check(_ ok: Bool, _ key: String, _ reason: @autoclosure () -> String) throws {
            if !ok { throw SpeechToLatentError("invalid speech-to-latent config: '\(key)': \(reason())") }
        }
        func width(_ value: Int, _ key: String) throws {
            try check(value > 0 && value <= Self.maxWidth, key, "\(value) must be in 1…\(Self.maxWidth)")
        }
        try width(featureDimension, "featureDimension")
        try check(featureLayers > 0 && featureLayers <= Self.maxBlocks, "featureLayers", "\(featureLayers) must be in 1…\(Self.maxBlocks)")
        try check(frameRate > 0 && frameRate <= 1000, "frameRate", "\(frameRate) must be in 1…1000")
        try check(featureRate >= frameRate && featureRate <= 100_000 && featureRate % frameRate == 0,
                  "featureRate", "\(featureRate) must be a whole multiple of frameRate \(frameRate)")
        try width(dimension, "dimension")
        try check(heads > 0 && dimension % heads == 0, "heads", "dimension \(dimension) must split into \(heads) heads")
        try check(dimension % 2 == 0, "dimension", "\(dimension) must be even (sinusoid pairs)")
        try width(feedForward, "feedForward")
        try check(encoderBlocks >= 0 && encoderBlocks <= Self.maxBlocks, "encoderBlocks", "\(encoderBlocks) must be in 0…\(Self.maxBlocks)")
        try check(decoderBlocks >= 0 && decoderBlocks <= Self.maxBlocks, "decoderBlocks", "\(decoderBlocks) must be in 0…\(Self.maxBlocks)")
        try check(kernelSize > 0 && kernelSize <= Self.maxKernel && kernelSize % 2 == 1, "kernelSize",
                  "\(kernelSize) must be odd, in 1…\(Self.maxKernel)")
        try check(posePredictorKernel > 0 && posePredictorKernel <= Self.maxKernel && posePredictorKernel % 2 == 1,
                  "posePredictorKernel", "\(posePredictorKernel) must be odd, in 1…\(Self.maxKernel)")
        try check(dropout >= 0 && dropout < 1, "dropout", "\(dropout) outside [0, 1)")
        try width(latentDimension, "latentDimension")
        try check(poseDimension > 0 && poseDimension <= 64, "poseDimension", "\(poseDimension) must be in 1…64")
        try width(posePredictorChannels, "posePredictorChannels")
        try check(windowSeconds.isFinite && windowSeconds > 0 && windowSeconds <= 3600, "windowSeconds", "\(windowSeconds) must be in (0, 3600]")
        try check(windowFrames >= 2, "windowSeconds", "\(windowSeconds) gives fewer than 2 frames")
        try check(poseLossWeight.isFinite && poseLossWeight >= 0, "poseLossWeight", "\(poseLossWeight) must be finite and ≥ 0")
    }
}

extension SpeechToLatentConfig: ValidatableConfig {}

/// Bad input to the speech-to-latent model (wrong feature size, pose length, config …).
public struct SpeechToLatentError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
