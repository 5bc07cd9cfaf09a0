import Foundation
import NeuralNetworks
import SpeechToLatent

extension SpeechToLatentConfig {
    /// A model small enough for unit tests: D 32, 2 heads, 1 + 1 blocks, 2 s windows.
    static func tiny(featureDimension: Int = 8, featureLayers: Int = 1, featureRate: Int = 100, blocks: Int = 1, dropout: Float = 0) -> Self {
        SpeechToLatentConfig(
            featureDimension: featureDimension, featureLayers: featureLayers, featureRate: featureRate,
            dimension: 32, heads: 2, feedForward: 64, kernelSize: 5, encoderBlocks: blocks, decoderBlocks: blocks,
            dropout: dropout, latentDimension: 6, posePredictorChannels: 16, windowSeconds: 2)
    }
}

/// Standard normal values of the given shape.
func randomTensor(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randn(shape, using: &rng) * scale
}
