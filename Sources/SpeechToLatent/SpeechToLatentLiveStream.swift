import NeuralNetworks

/// The speech-to-latent model on speech that is still arriving (`LiveWindowing`): feature
/// frames go in as they come, and each window runs as soon as its look-ahead is in,
/// returning its centre frames. Unlike `SpeechToLatentStream`, it needs no total length;
/// the price is that the windows are placed by the hop rather than spread over the whole
/// speech, so the frames differ slightly from `predict(features:)`'s (the model sees less
/// context at a window's edges). Memory stays at one window of features.
public final class SpeechToLatentLiveStream {
    public let model: SpeechToLatentModel
    public let windowing: LiveWindowing
    /// Video frames returned so far.
    public private(set) var emitted = 0
    /// One (n·F) array per layer, from feature frame `bufferStart` on.
    private var features: [[Float]]
    private var bufferStart = 0
    private var received = 0
    private var finished = false

    public init(model: SpeechToLatentModel, windowing: LiveWindowing) {
        self.model = model
        self.windowing = windowing
        features = Array(repeating: [], count: model.config.featureLayers)
    }

    /// Takes the next feature frames, (n, F) or (L, n, F) for mixed layers, and returns the
    /// video frames whose look-ahead they complete: z_sem (m, Z) and pose (m, P) in the
    /// training data's units, m ≥ 0.
    public func append(_ block: Tensor) throws -> (latents: Tensor, pose: Tensor) {
        precondition(!finished, "append after finish")
        let config = model.config
        try config.checkFeatureBlock(block)
        let (n, f) = (block.size(-2), config.featureDimension)
        for layer in features.indices {
            features[layer].append(contentsOf: UnsafeBufferPointer(start: block.pointer + layer * n * f, count: n * f))
        }
        received += n
        var parts: [(Tensor, Tensor)] = []
        let (hop, lookahead) = (windowing.hop, windowing.lookahead)
        while (emitted + hop + lookahead) * config.stride <= received {
            parts.append(run(emitting: emitted..<(emitted + hop), end: emitted + hop + lookahead))
        }
        return joined(parts)
    }

    /// The frames left when the speech has ended: those the last windows lacked look-ahead for.
    public func finish() throws -> (latents: Tensor, pose: Tensor) {
        precondition(!finished, "finish twice")
        finished = true
        let total = model.frameCount(featureFrames: received)
        guard total > emitted else { return joined([]) }
        return joined([run(emitting: emitted..<total, end: total)])
    }

    /// Runs the model on the window that emits `rows`, reading up to frame `end`.
    private func run(emitting rows: Range<Int>, end: Int) -> (Tensor, Tensor) {
        let config = model.config
        let (s, f) = (config.stride, config.featureDimension)
        let input = windowing.inputRange(emitting: rows, end: end)
        let frames = (input.lowerBound * s - bufferStart)..<(input.upperBound * s - bufferStart)
        let values = features.flatMap { $0[(frames.lowerBound * f)..<(frames.upperBound * f)] }
        let x = config.featureBatch(values, frames: frames.count)
        let wasTraining = model.training
        model.eval()
        defer { model.train(wasTraining) }
        let (z, p) = withoutGradients { model(x) }  // (1, input.count, Z), (1, input.count, P)
        let centre = (rows.lowerBound - input.lowerBound)..<(rows.upperBound - input.lowerBound)
        let latents = z.reshaped([input.count, config.latentDimension]).slice(dim: 0, centre)
        let pose = p.reshaped([input.count, config.poseDimension]).slice(dim: 0, centre)
        emitted = rows.upperBound
        dropFeatures(before: max(0, emitted - windowing.context) * s)
        return (model.latentStatistics.denormalize(latents), model.poseStatistics.denormalize(pose))
    }

    /// Forgets the feature frames before `frame`, which no later window reads.
    private func dropFeatures(before frame: Int) {
        let count = min(frame - bufferStart, features[0].count / model.config.featureDimension)
        guard count > 0 else { return }
        for layer in features.indices { features[layer].removeFirst(count * model.config.featureDimension) }
        bufferStart += count
    }

    private func joined(_ parts: [(Tensor, Tensor)]) -> (latents: Tensor, pose: Tensor) {
        let config = model.config
        guard !parts.isEmpty else {
            return (Tensor(uninitializedShape: [0, config.latentDimension]), Tensor(uninitializedShape: [0, config.poseDimension]))
        }
        if parts.count == 1 { return (parts[0].0, parts[0].1) }
        return (concat(parts.map(\.0), dim: 0), concat(parts.map(\.1), dim: 0))
    }
}
