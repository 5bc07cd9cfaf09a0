import NeuralNetworks

/// `predict(features:)` for features that arrive piece by piece (a long file read block by
/// block): each window of the chunking runs as soon as its features are in, and `append`
/// returns the frames that no later window changes. Memory stays at about one window of
/// features and frames however long the speech; the frames are bit for bit those of
/// `predict(features:)` on the whole sequence, which needs the total length up front (it
/// places the windows).
public final class SpeechToLatentStream {
    public let model: SpeechToLatentModel
    /// Video frames in the whole sequence.
    public let length: Int
    private let latents: OverlapStitcher
    private let poses: OverlapStitcher
    private let givenPose: Tensor?       // (length, P) normalised, when conditioning on a given pose
    private let given: Tensor?           // (length, P) as given
    /// Buffered features from feature frame `bufferStart` on, one (n·F) array per layer.
    /// Plain arrays, not tensors: their length changes with every block, and tensors of
    /// ever new sizes would each leave a buffer in the tensor pool.
    private var features: [[Float]]
    private var bufferStart = 0
    private var received = 0

    /// `featureFrames`: how many feature frames the whole sequence has (the stream ignores
    /// any beyond the last whole video frame). Throws as `predict(features:)` does.
    public init(model: SpeechToLatentModel, featureFrames: Int, pose: PoseSource = .predicted, chunking: OverlapChunking? = nil) throws {
        let config = model.config
        length = model.frameCount(featureFrames: featureFrames)
        guard length > 0 else {
            throw SpeechToLatentError("\(featureFrames) feature frames make no video frame (\(config.stride) per frame)")
        }
        if case .given(let p) = pose {
            guard p.rank == 2, p.size(1) == config.poseDimension, p.size(0) >= length else {
                throw SpeechToLatentError("pose of shape \(p.shape); expected at least (\(length), \(config.poseDimension))")
            }
            given = p.slice(dim: 0, 0..<length)
            givenPose = model.poseStatistics.normalize(given!)
        } else {
            (given, givenPose) = (nil, nil)
        }
        self.model = model
        features = Array(repeating: [], count: config.featureLayers)
        let chunking = chunking ?? model.defaultChunking
        latents = OverlapStitcher(chunking, length: length, channels: config.latentDimension)
        poses = OverlapStitcher(chunking, length: length, channels: config.poseDimension)
    }

    /// Whether every video frame has been returned.
    public var isComplete: Bool { latents.isComplete }

    /// Takes the next feature frames, (n, F) or (L, n, F) for mixed layers, and returns the
    /// video frames they complete: z_sem (m, Z) and pose (m, P) in the training data's
    /// units (the given pose's rows, when conditioning on one), m ≥ 0.
    public func append(_ block: Tensor) throws -> (latents: Tensor, pose: Tensor) {
        let config = model.config
        try config.checkFeatureBlock(block)
        let (n, f) = (block.size(-2), config.featureDimension)
        received += n
        let first = latents.emitted
        if isComplete { return (Tensor(uninitializedShape: [0, config.latentDimension]), Tensor(uninitializedShape: [0, config.poseDimension])) }
        for layer in features.indices {
            features[layer].append(contentsOf: UnsafeBufferPointer(start: block.pointer + layer * n * f, count: n * f))
        }
        let s = config.stride
        let wasTraining = model.training
        model.eval()
        defer { model.train(wasTraining) }
        var latentRows: [Tensor] = [], poseRows: [Tensor] = []
        while let range = latents.nextRange, range.upperBound * s <= received {
            let frames = (range.lowerBound * s - bufferStart)..<(range.upperBound * s - bufferStart)
            let values = features.flatMap { $0[(frames.lowerBound * f)..<(frames.upperBound * f)] }
            let input = config.featureBatch(values, frames: frames.count)
            let conditioning = givenPose.map { $0.slice(dim: 0, range).reshaped([1, range.count, config.poseDimension]) }
            let (z, p) = withoutGradients { model(input, pose: conditioning) }
            latentRows.append(latents.add(z.reshaped([range.count, config.latentDimension])))
            poseRows.append(poses.add(p.reshaped([range.count, config.poseDimension])))
            dropFeatures(before: (latents.nextRange?.lowerBound ?? length) * s)
        }
        let done = latents.emitted - first
        guard done > 0 else {
            return (Tensor(uninitializedShape: [0, config.latentDimension]), Tensor(uninitializedShape: [0, config.poseDimension]))
        }
        let z = latentRows.count == 1 ? latentRows[0] : concat(latentRows, dim: 0)
        let rows = first..<latents.emitted
        if let given { return (model.latentStatistics.denormalize(z), given.slice(dim: 0, rows)) }
        let p = poseRows.count == 1 ? poseRows[0] : concat(poseRows, dim: 0)
        return (model.latentStatistics.denormalize(z), model.poseStatistics.denormalize(p))
    }

    /// Forgets the buffered feature frames before `frame`, which no later window reads.
    private func dropFeatures(before frame: Int) {
        let f = model.config.featureDimension
        let count = min(frame - bufferStart, features[0].count / f)
        guard count > 0 else { return }
        for layer in features.indices { features[layer].removeFirst(count * f) }
        bufferStart += count
    }

    /// Checks that the features covered every video frame.
    public func finish() throws {
        guard isComplete else {
            throw SpeechToLatentError("the features ended after \(received) frames; \(length * model.config.stride) were announced")
        }
    }
}

extension SpeechToLatentConfig {
    /// Stops with the shape this model reads when `block` is not a run of its feature frames:
    /// (n, F), or (L, n, F) for a model that mixes L layers.
    func checkFeatureBlock(_ block: Tensor) throws {
        let layered = featureLayers > 1
        guard block.rank == (layered ? 3 : 2), block.size(-1) == featureDimension,
              !layered || block.size(0) == featureLayers else {
            let expected = layered ? "(\(featureLayers), n, \(featureDimension))" : "(n, \(featureDimension))"
            throw SpeechToLatentError("features of shape \(block.shape); this model reads \(expected)")
        }
    }

    /// `frames` feature frames (layer-major for a layered model) as the model's input batch of
    /// one: (1, frames, F), or (1, L, frames, F).
    func featureBatch(_ values: [Float], frames: Int) -> Tensor {
        Tensor(shape: (featureLayers > 1 ? [1, featureLayers] : [1]) + [frames, featureDimension], values: values)
    }
}
