import DiffusionAutoencoder
import Autodiff

extension SemanticEncoder {
    /// Spreads z_sem around `mean` (1, zSem) by `gain`, z ← mean + gain·(z − mean), by
    /// rescaling the last 1×1 convolution (`out.3`): W ← gain·W, b ← mean + gain·(b − mean).
    /// The architecture and its keys stay DiffAE's.
    ///
    /// Why: on a single speaker the frames differ little, and early in training the encoder
    /// codes them with a tiny spread (per-dimension std ≈ 1e-3 around a mean ≈ 0.3) that
    /// already predicts pose and mouth linearly (R² ≈ 0.9) but moves the UNet's modulation
    /// too little for it to learn to listen; Adam, moving each weight by ≈ lr per step, would
    /// need ~10⁴ steps to grow it. Widening the spread keeps the code's information and
    /// its operating point (the mean) and gives the UNet a signal it can use.
    public func amplifySemanticCode(by gain: Float, around mean: Tensor) {
        let conv = semanticProjection
        guard let bias = conv.bias else { preconditionFailure("the encoder's output convolution has no bias") }
        precondition(mean.count == bias.count, "mean of \(mean.count) values for a \(bias.count)-d z_sem")
        for i in 0..<conv.weight.count { conv.weight.pointer[i] *= gain }
        for i in 0..<bias.count { bias.pointer[i] = mean.pointer[i] + gain * (bias.pointer[i] - mean.pointer[i]) }
    }

    /// The output convolution, features → z_sem: the layer a gain scales.
    public var semanticProjection: Conv2d {
        guard let conv = out.layers.compactMap({ $0 as? Conv2d }).last else { preconditionFailure("the encoder has no output convolution") }
        return conv
    }
}
