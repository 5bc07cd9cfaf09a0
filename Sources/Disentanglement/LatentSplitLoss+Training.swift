import DiffusionAutoencoder
import Foundation
import MediaIO

/// What a trainer needs beyond `callAsFunction`: one optimizer for the DAE and the pose
/// head, and a checkpoint for the head. A training step with the split:
///
///     let splitLoss = LatentSplitLoss(split: LatentSplit(id: 64, pose: 16, expression: 432), rng: &rng)
///     model.zeroGrad(); splitLoss.zeroGrad()
///     let terms = splitLoss(model: model, x0: frames, speakers: ids, pose: poses, rng: &rng)
///     terms.total.backward()
///     optimizer.update(parameters: model.namedTrainableParameters() + splitLoss.namedOptimizerParameters())
///     try splitLoss.save(to: run.appendingPathComponent("latent_split.h5"))
///     try splitLoss.split.write(to: LatentSplit.sidecar(of: daeCheckpoint))  // for `talkingface probe`
extension LatentSplitLoss {
    /// Key prefix of the pose head in a shared optimizer's state (no DAE key starts with it).
    public static let parameterPrefix = "latent_split."

    /// The pose head steps at this × the DAE's learning rate. It starts at zero and must reach
    /// weights of about pose spread / z spread (≈ 0.1 rad per unit of z): at an lr of 1e-4,
    /// Adam's steps of ≈ lr would take ~10³ steps to get there while z_pose waits for its pull.
    /// Not settled: with it, the pose term has so far stayed near the labels' variance, as it
    /// did without it.
    public static let headRateScale = 100.0

    /// The pose head's parameters under `parameterPrefix`, to join the DAE's in one optimizer.
    public func namedOptimizerParameters() -> [(String, Tensor)] {
        namedTrainableParameters().map { (LatentSplitLoss.parameterPrefix + $0.0, $0.1) }
    }

    /// The stored configuration of a split loss: its split and weights.
    public struct Configuration: Codable, Equatable, Sendable {
        public var split: LatentSplit
        public var weights: LatentSplitWeights
        /// The speaker adversary's width; absent in files written before it existed.
        public var speakerCount: Int?
        /// Whether z_exp passes a `LinearErasure`; absent in files written before it existed.
        public var erasure: Bool?
        /// The expression readout's width; absent in files written before it existed.
        public var expressionLabels: Int?
    }

    /// Writes the pose head with the split and weights (`Checkpoint` layout, HDF5).
    public func save(to url: URL) throws {
        try Checkpoint.save(module: self, config: Configuration(split: split, weights: weights, speakerCount: speakerCount, erasure: erasure,
                                                                expressionLabels: expressionLabels), to: url)
    }

    /// The split loss stored by `save`, every key and shape checked.
    public static func load(_ url: URL) throws -> LatentSplitLoss {
        let configuration = try Checkpoint.config(Configuration.self, from: url)
        var rng = RandomGenerator(seed: 0)
        let loss = LatentSplitLoss(split: configuration.split, weights: configuration.weights,
                                   speakerCount: configuration.speakerCount ?? 0, erasure: configuration.erasure ?? false,
                                   expressionLabels: configuration.expressionLabels ?? 0, rng: &rng)
        try Checkpoint.load(into: loss, from: url, verify: .all)
        return loss
    }
}
