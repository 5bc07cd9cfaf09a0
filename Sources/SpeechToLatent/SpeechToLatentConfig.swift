import Foundation

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

    /// Throws naming the first setting that cannot build a model.
    public func validate() throws {
        func check(_ ok: Bool, _ reason: String) throws {
            if !ok { throw SpeechToLatentError("invalid speech-to-latent config: \(reason)") }
        }
        try check(featureDimension > 0 && featureLayers > 0, "featureDimension and featureLayers must be positive")
        try check(frameRate > 0 && featureRate >= frameRate && featureRate % frameRate == 0,
                  "featureRate \(featureRate) must be a whole multiple of frameRate \(frameRate)")
        try check(dimension > 0 && heads > 0 && dimension % heads == 0, "dimension \(dimension) must split into \(heads) heads")
        try check(dimension % 2 == 0, "dimension \(dimension) must be even (sinusoid pairs)")
        try check(feedForward > 0 && encoderBlocks >= 0 && decoderBlocks >= 0, "feedForward > 0, block counts ≥ 0")
        try check(kernelSize > 0 && kernelSize % 2 == 1, "kernelSize \(kernelSize) must be odd")
        try check(posePredictorKernel > 0 && posePredictorKernel % 2 == 1, "posePredictorKernel \(posePredictorKernel) must be odd")
        try check(dropout >= 0 && dropout < 1, "dropout \(dropout) outside [0, 1)")
        try check(latentDimension > 0 && poseDimension > 0 && posePredictorChannels > 0, "latent, pose and predictor sizes must be positive")
        try check(windowFrames >= 2, "windowSeconds \(windowSeconds) gives fewer than 2 frames")
    }
}

/// Bad input to the speech-to-latent model (wrong feature size, pose length, config …).
public struct SpeechToLatentError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
