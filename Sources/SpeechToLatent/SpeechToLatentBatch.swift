import NeuralNetworks

/// One training utterance: features at the feature rate and its targets at the frame rate.
public struct SpeechToLatentClip {
    /// (T·s, F), or (L, T·s, F) for mixed audio-encoder layers.
    public var features: Tensor
    /// z_sem per frame (T, Z), not normalised.
    public var latents: Tensor
    /// Head pose per frame (T, P), e.g. degrees; nil when the clip has no pose labels.
    public var pose: Tensor?

    public init(features: Tensor, latents: Tensor, pose: Tensor?) {
        self.features = features
        self.latents = latents
        self.pose = pose
    }

    /// Frames usable for training: those with features, a latent and (if labelled) a pose.
    public func frames(stride: Int) -> Int {
        min(features.size(-2) / stride, latents.size(0), pose?.size(0) ?? .max)
    }
}

/// A padded batch of training windows.
public struct SpeechToLatentBatch {
    /// (B, T·s, F) or (B, L, T·s, F), zero past each window's end.
    public var features: Tensor
    /// (B, T, Z) and (B, T, P), zero past each window's end; pose nil without labels.
    public var latents: Tensor
    public var pose: Tensor?
    /// Real frames per window.
    public var lengths: [Int]

    public init(features: Tensor, latents: Tensor, pose: Tensor?, lengths: [Int]) {
        self.features = features
        self.latents = latents
        self.pose = pose
        self.lengths = lengths
    }

    /// One window of at most `windowFrames` frames from each clip — a random one from clips
    /// that are longer — padded to the longest. Either every clip has pose labels or none.
    public static func windows(
        from clips: [SpeechToLatentClip], windowFrames: Int, stride s: Int, using rng: inout RandomGenerator
    ) -> SpeechToLatentBatch {
        precondition(!clips.isEmpty && windowFrames > 0, "a batch needs clips and a positive window")
        let spans: [(start: Int, count: Int)] = clips.map { clip in
            let frames = clip.frames(stride: s)
            let count = min(frames, windowFrames)
            let start = frames > count ? Int(rng.next() % UInt64(frames - count + 1)) : 0
            return (start, count)
        }
        let t = spans.map(\.count).max()!
        let first = clips[0]
        let layers = first.features.rank == 3 ? first.features.size(0) : 1
        let (f, z, p) = (first.features.size(-1), first.latents.size(1), first.pose?.size(1) ?? 0)
        let b = clips.count
        let features = Tensor.zeros(first.features.rank == 3 ? [b, layers, t * s, f] : [b, t * s, f])
        let latents = Tensor.zeros([b, t, z]), pose = first.pose == nil ? nil : Tensor.zeros([b, t, p])
        for (i, (clip, span)) in zip(clips, spans).enumerated() {
            precondition(clip.features.size(-1) == f && clip.latents.size(1) == z && (clip.pose?.size(1) ?? 0) == p,
                         "clip \(i) has feature, latent or pose widths (or pose labels) unlike clip 0")
            let clipFeatureFrames = clip.features.size(-2)
            for layer in 0..<layers {  // rows [start·s, (start+count)·s) of each layer
                let source = clip.features.pointer + (layer * clipFeatureFrames + span.start * s) * f
                let target = features.pointer + ((i * layers + layer) * t * s) * f
                target.update(from: source, count: span.count * s * f)
            }
            (latents.pointer + i * t * z).update(from: clip.latents.pointer + span.start * z, count: span.count * z)
            if let pose, let clipPose = clip.pose {
                (pose.pointer + i * t * p).update(from: clipPose.pointer + span.start * p, count: span.count * p)
            }
        }
        return SpeechToLatentBatch(features: features, latents: latents, pose: pose, lengths: spans.map(\.count))
    }

    /// Windows `range` of the batch, padded as the whole batch is.
    public func rows(_ range: Range<Int>) -> SpeechToLatentBatch {
        SpeechToLatentBatch(features: features.slice(dim: 0, range), latents: latents.slice(dim: 0, range),
                            pose: pose?.slice(dim: 0, range), lengths: Array(lengths[range]))
    }
}
