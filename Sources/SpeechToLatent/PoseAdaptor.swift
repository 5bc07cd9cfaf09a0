import NeuralNetworks

/// Predicts head pose (yaw, pitch, roll) per frame from the encoder output: two
/// [conv (kernel k, same padding) → ReLU → LayerNorm → dropout] layers and a linear head,
/// as FastSpeech 2's variance predictors. Padded frames are zeroed before each conv.
public final class PosePredictor: Module {
    public let conv1: Conv1d  // (C, D, k)
    public let norm1: LayerNorm
    public let conv2: Conv1d  // (C, C, k)
    public let norm2: LayerNorm
    public let linear: Linear // (P, C)
    public let dropout: Dropout

    public init(dimension d: Int, channels c: Int, kernelSize k: Int, poseDimension p: Int, dropout rate: Float, rng: inout RandomGenerator) {
        conv1 = Conv1d(d, c, kernelSize: k, padding: (k - 1) / 2, rng: &rng)
        norm1 = LayerNorm(c)
        conv2 = Conv1d(c, c, kernelSize: k, padding: (k - 1) / 2, rng: &rng)
        norm2 = LayerNorm(c)
        linear = Linear(c, p, rng: &rng)
        dropout = Dropout(p: rate, rng: &rng)
    }

    /// x (B, T, D), frameMask (B, 1, T) → pose (B, T, P).
    public func callAsFunction(_ x: Tensor, frameMask: Tensor? = nil) -> Tensor {
        func layer(_ h: Tensor, _ conv: Conv1d, _ norm: LayerNorm) -> Tensor {  // (B, C, T) → (B, T, C')
            let masked = frameMask.map { h * $0 } ?? h
            return dropout(norm(relu(conv(masked)).transposed(1, 2)))
        }
        let h = layer(x.transposed(1, 2), conv1, norm1)
        return linear(layer(h.transposed(1, 2), conv2, norm2))
    }
}

/// DAE-Talker's pose adaptor: predicts the pose from the encoder output and adds a
/// projection of a pose (the ground truth in training, the prediction or the user's pose
/// at inference) back onto it, so the decoder is told which head motion to render.
public final class PoseAdaptor: Module {
    public let posePredictor: PosePredictor
    public let poseProjector: Linear  // (D, P)

    public init(dimension d: Int, poseDimension p: Int, predictorChannels c: Int, predictorKernel k: Int, dropout rate: Float,
                rng: inout RandomGenerator) {
        posePredictor = PosePredictor(dimension: d, channels: c, kernelSize: k, poseDimension: p, dropout: rate, rng: &rng)
        poseProjector = Linear(p, d, rng: &rng)
    }

    /// x (B, T, D); `pose` (B, T, P) to condition on, nil to use the prediction (without a
    /// gradient through that path). Returns the conditioned hidden (B, T, D) and the
    /// predicted pose (B, T, P), whose loss trains the predictor.
    public func callAsFunction(_ x: Tensor, pose: Tensor? = nil, frameMask: Tensor? = nil) -> (hidden: Tensor, predictedPose: Tensor) {
        let predicted = posePredictor(x, frameMask: frameMask)
        let conditioning = pose ?? predicted.detached()
        return (x + poseProjector(conditioning), predicted)
    }
}
