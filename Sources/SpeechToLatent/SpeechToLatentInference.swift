import NeuralNetworks

/// Where the head pose at inference comes from.
public enum PoseSource {
    /// The model's own prediction.
    case predicted
    /// The user's pose sequence (T, P) in the training data's units (e.g. degrees).
    case given(Tensor)
}

extension SpeechToLatentModel {
    /// The default chunking for inputs longer than a training window: 2 s overlaps with
    /// 0.4 s margins at 25 fps.
    public var defaultChunking: OverlapChunking {
        let window = config.windowFrames
        let overlap = min(window / 2, max(3, 2 * config.frameRate))
        return OverlapChunking(window: window, overlap: overlap, margin: min(overlap / 5, (overlap - 1) / 2))
    }

    /// `predict(features:)` for a `SpeechFrontEnd`'s output: `featureLayers` tensors, each
    /// (1, T·s, F) or (T·s, F).
    public func predict(layers: [Tensor], pose: PoseSource = .predicted, chunking: OverlapChunking? = nil) throws -> (latents: Tensor, pose: Tensor) {
        guard layers.count == config.featureLayers, let first = layers.first else {
            throw SpeechToLatentError("\(layers.count) feature layers; this model mixes \(config.featureLayers)")
        }
        let shape = first.rank == 3 && first.size(0) == 1 ? Array(first.shape.dropFirst()) : first.shape  // (T·s, F)
        guard shape.count == 2, layers.allSatisfy({ $0.count == first.count }) else {
            throw SpeechToLatentError("feature layers of shapes \(layers.map(\.shape)); expected equal (1, T, F) or (T, F)")
        }
        let stacked = concat(layers.map { $0.reshaped([1] + shape) }, dim: 0)  // (L, T·s, F)
        return try predict(features: config.featureLayers > 1 ? stacked : stacked.reshaped(shape), pose: pose, chunking: chunking)
    }

    /// z_sem (T, Z) and pose (T, P), in the training data's units, for features of one
    /// utterance of any length: (T·s, F), or (L, T·s, F) for mixed layers. Inputs longer
    /// than `chunking.window` frames run in overlapping windows (see `OverlapChunking`).
    /// Runs in evaluation mode without gradients (`SpeechToLatentStream` with the whole
    /// sequence as one block); throws on mismatched inputs.
    public func predict(features: Tensor, pose: PoseSource = .predicted, chunking: OverlapChunking? = nil) throws -> (latents: Tensor, pose: Tensor) {
        let layered = config.featureLayers > 1
        guard features.rank == (layered ? 3 : 2), features.size(-1) == config.featureDimension,
              !layered || features.size(0) == config.featureLayers else {
            let expected = layered ? "(\(config.featureLayers), T, \(config.featureDimension))" : "(T, \(config.featureDimension))"
            throw SpeechToLatentError("features of shape \(features.shape); this model reads \(expected)")
        }
        // One block through the stream: the same windows, model calls and blending as for
        // features that arrive piece by piece.
        let stream = try SpeechToLatentStream(model: self, featureFrames: features.size(-2), pose: pose, chunking: chunking)
        let result = try stream.append(features)
        try stream.finish()
        return result
    }
}
