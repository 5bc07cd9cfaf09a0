import Foundation
import NeuralNetworks

/// Speech features → z_sem (and head pose) per video frame (docs/architecture.md §6, after DAE-Talker
/// and DiffDub):
///
///     features (B, [L,] T·s, F) ─ LayerWeightedSum (L > 1) ─ strided Conv1d (stride s) → (B, T, D)
///       → ×√D, relative positions → N Conformer encoder blocks
///       → pose adaptor (+ projected pose; predicts pose) → M Conformer decoder blocks
///       → Linear → z_sem (B, T, Z), normalised by `latentStatistics`
///
/// s = featureRate / frameRate (4 for 100 Hz log-mel, 2 for 50 Hz Wav2Vec2). Training
/// statistics of z_sem and pose live in the model as buffers, so a checkpoint carries them.
public final class SpeechToLatentModel: Module {
    public let config: SpeechToLatentConfig

    /// Mixes an audio encoder's hidden layers (softmax weights); nil for one feature stream.
    public let layerMix: LayerWeightedSum?
    @Buffer public var latentMean: Tensor  // (Z)
    @Buffer public var latentStd: Tensor   // (Z)
    @Buffer public var poseMean: Tensor    // (P)
    @Buffer public var poseStd: Tensor     // (P)
    /// Kernel 2⌊s/2⌋ + s, padding ⌊s/2⌋: exactly ⌊T_features / s⌋ frames out, each centred on its s feature frames.
    public let subsampling: Conv1d
    public let positionalEncoding: ConformerPositionalEncoding
    public let encoders: [ConformerBlock]
    public let poseAdaptor: PoseAdaptor
    public let decoders: [ConformerBlock]
    public let output: Linear  // (Z, D)

    public init(config: SpeechToLatentConfig, seed: UInt64 = 0) throws {
        try config.validate()
        self.config = config
        var rng = RandomGenerator(seed: seed)
        let (d, s) = (config.dimension, config.stride)
        layerMix = config.featureLayers > 1 ? LayerWeightedSum(layers: config.featureLayers) : nil
        latentMean = .zeros([config.latentDimension])
        latentStd = .ones([config.latentDimension])
        poseMean = .zeros([config.poseDimension])
        poseStd = .ones([config.poseDimension])
        subsampling = Conv1d(config.featureDimension, d, kernelSize: s + 2 * (s / 2), stride: s, padding: s / 2, rng: &rng)
        positionalEncoding = ConformerPositionalEncoding(dimension: d, dropout: config.dropout, rng: &rng)
        func block() -> ConformerBlock {
            ConformerBlock(dimension: d, heads: config.heads, feedForward: config.feedForward, kernelSize: config.kernelSize,
                           dropout: config.dropout, rng: &rng)
        }
        encoders = (0..<config.encoderBlocks).map { _ in block() }
        poseAdaptor = PoseAdaptor(dimension: d, poseDimension: config.poseDimension, predictorChannels: config.posePredictorChannels,
                                  predictorKernel: config.posePredictorKernel, dropout: config.dropout, rng: &rng)
        decoders = (0..<config.decoderBlocks).map { _ in block() }
        output = Linear(d, config.latentDimension, rng: &rng)
    }

    // MARK: - Statistics

    public var latentStatistics: LatentStatistics {
        get { LatentStatistics(mean: latentMean.values, std: latentStd.values) }
        set { copy(newValue, into: latentMean, latentStd) }
    }

    public var poseStatistics: LatentStatistics {
        get { LatentStatistics(mean: poseMean.values, std: poseStd.values) }
        set { copy(newValue, into: poseMean, poseStd) }
    }

    private func copy(_ statistics: LatentStatistics, into mean: Tensor, _ std: Tensor) {
        precondition(statistics.dimension == mean.count, "statistics of \(statistics.dimension) dimensions for \(mean.count)")
        mean.pointer.update(from: statistics.mean, count: mean.count)
        std.pointer.update(from: statistics.std, count: std.count)
    }

    // MARK: - Forward

    /// Latent frames for `featureFrames` feature frames.
    public func frameCount(featureFrames: Int) -> Int { featureFrames / config.stride }

    /// features (B, T·s, F), or (B, L, T·s, F) with `featureLayers` L > 1, zero-padded past
    /// each sequence's end; `lengths` real frames per sequence (nil: all real); `pose`
    /// (B, T, P) normalised, to condition on (teacher forcing), nil to use the prediction.
    /// Returns normalised z_sem (B, T, Z) and the predicted normalised pose (B, T, P).
    public func callAsFunction(_ features: Tensor, lengths: [Int]? = nil, pose: Tensor? = nil) -> (latents: Tensor, pose: Tensor) {
        var features = features
        if let layerMix {
            let layers = layerMix.layerWeights.count
            precondition(features.rank == 4 && features.size(1) == layers, "features \(features.shape) for \(layers) mixed layers")
            let (b, t, f) = (features.size(0), features.size(2), features.size(3))
            features = layerMix(features.split(Array(repeating: 1, count: layers), dim: 1).map { $0.reshaped([b, t, f]) })  // (B, T·s, F)
        }
        precondition(features.rank == 3 && features.size(2) == config.featureDimension,
                     "features \(features.shape), expected (B, T, \(config.featureDimension))")
        var x = subsampling(features.transposed(1, 2)).transposed(1, 2)                 // (B, T, D)
        let mask = lengths.map { FrameMask(lengths: $0, length: x.size(1)) }
        let positions: Tensor
        (x, positions) = positionalEncoding(x)
        for block in encoders { x = block(x, positions: positions, mask: mask) }
        let (hidden, predictedPose) = poseAdaptor(x, pose: pose, frameMask: mask?.channels)
        x = hidden
        for block in decoders { x = block(x, positions: positions, mask: mask) }
        return (output(x), predictedPose)
    }

    // MARK: - Training loss

    /// Masked MSE on normalised z_sem + `poseLossWeight` · masked L1 on normalised pose,
    /// with the ground-truth pose projected (teacher forcing). A batch without pose labels
    /// conditions on the (detached) prediction, as inference does, and has pose loss 0.
    public func loss(_ batch: SpeechToLatentBatch) -> (total: Tensor, latent: Tensor, pose: Tensor) {
        let targetLatents = latentStatistics.normalize(batch.latents)                    // (B, T, Z)
        let targetPose = batch.pose.map { poseStatistics.normalize($0) }                 // (B, T, P)
        let (latents, pose) = self(batch.features, lengths: batch.lengths, pose: targetPose)
        let (b, t) = (batch.latents.size(0), batch.latents.size(1))
        let mask = FrameMask(lengths: batch.lengths, length: t).frames.reshaped([b, t, 1])
        let latentLoss = mseLoss(latents, targetLatents, mask: mask)
        guard let targetPose else { return (latentLoss, latentLoss, Tensor(0)) }
        let poseLoss = l1Loss(pose, targetPose, mask: mask)
        return (latentLoss + config.poseLossWeight * poseLoss, latentLoss, poseLoss)
    }
}
