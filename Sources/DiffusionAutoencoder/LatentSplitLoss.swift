import NeuralNetworks

/// How much each latent-split pressure counts next to the ε loss (weight 0 turns a term off).
public struct LatentSplitWeights: Codable, Equatable, Sendable {
    /// Identity swap: ε loss with z_id taken from another frame of the same speaker.
    public var swap: Float
    /// Within-speaker variance of z_id as a fraction of its batch variance.
    public var idVariance: Float
    /// Linear pose head from z_pose: MSE in radians² (pose std ≈ 0.1–0.2 rad on our data,
    /// so a constant guess scores ≈ 0.02: hence the larger default weight).
    public var pose: Float
    /// Mean squared correlation between [z_id | z_exp] and the pose labels.
    public var decorrelation: Float
    /// Between-speaker share of [z_pose | z_exp]'s variance: identity belongs in z_id alone.
    public var speakerShare: Float

    public init(swap: Float = 1, idVariance: Float = 0.1, pose: Float = 10, decorrelation: Float = 0.1,
                speakerShare: Float = 0.1) {
        self.swap = swap
        self.idVariance = idVariance
        self.pose = pose
        self.decorrelation = decorrelation
        self.speakerShare = speakerShare
    }

    /// Parses "SWAP,ID_VARIANCE,POSE,DECORRELATION,SPEAKER_SHARE" (e.g. "1,0.1,10,0.1,0.1",
    /// the defaults); each weight must be finite and ≥ 0.
    public init?(parsing text: String) {
        let fields = text.split(separator: ",").map { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard fields.count == 5, fields.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 }) else { return nil }
        self.init(swap: fields[0]!, idVariance: fields[1]!, pose: fields[2]!, decorrelation: fields[3]!, speakerShare: fields[4]!)
    }
}

/// The training pressures that make z_sem = [z_id | z_pose | z_exp] mean what it says
/// (DESIGN §8), on top of DiffAE's ε loss. A module, because the pose head is trained with
/// the model (update it with the same optimizer; save it with the checkpoint if wanted).
///
/// For a batch of frames x0 with speaker ids and (optionally) pose labels, one call gives:
///
///     epsilon        DiffAE's objective: mean ‖ε̂(x_t, t, z) − ε‖², t, ε drawn from rng
///     swap           for each frame A with another frame B of the same speaker in the
///                    batch (B a random other member of A's group), the ε loss of A
///                    conditioned on [z_id(B) | z_pose(A) | z_exp(A)] at A's own t and ε.
///                    Both passes share one UNet call (N + pairs rows). `swapExcess` (a
///                    number, for logs) is this minus the same frames' plain ε loss: 0 when
///                    z_id(B) = z_id(A), and the cost of swapping otherwise.
///     idVariance     Σ_speaker Σ_frames ‖z_id − speaker mean‖² / Σ_frames ‖z_id − batch mean‖²:
///                    the within-speaker share of z_id's variance (1 − between-speaker share).
///                    A ratio, so it cannot be won by shrinking z_id (a raw variance
///                    penalty could, leaving identity to the other parts); needs ≥ 2
///                    speakers in the batch.
///     speakerShare   the same ratio's complement for [z_pose | z_exp]: Σ_frames ‖speaker
///                    mean − batch mean‖² / Σ_frames ‖z − batch mean‖², the share of their
///                    variance that tells speakers apart. Without it nothing keeps a copy
///                    of the identity out of z_exp. Needs ≥ 2 speakers in the batch.
///     pose           MSE between poseHead(z_pose) and (yaw, pitch, roll).
///     decorrelation  mean over (latent channel, pose angle) of the squared batch correlation
///                    between a channel of [z_id | z_exp] and an angle: keeps linearly
///                    decodable pose out of those parts without an adversary. Correlation,
///                    not covariance, so rescaling the channels cannot hide it. Only linear
///                    dependence is penalised; nonlinear leaks remain possible.
///
/// Terms that do not apply to a batch (no same-speaker pair, one speaker, no pose labels,
/// zero weight) are nil and left out of `total`.
public final class LatentSplitLoss: Module {
    /// z_pose (N, pose) → (yaw, pitch, roll) (N, 3).
    public let poseHead: Linear
    public let split: LatentSplit
    public let weights: LatentSplitWeights

    public init(split: LatentSplit, weights: LatentSplitWeights = LatentSplitWeights(), rng: inout RandomGenerator) {
        self.split = split
        self.weights = weights
        poseHead = Linear(split.pose, 3, rng: &rng)
        super.init()
    }

    public struct Terms {
        public var epsilon: Tensor
        public var swap: Tensor?
        /// swap minus the plain ε loss of the swapped frames (same t and ε); no gradient.
        public var swapExcess: Float?
        public var idVariance: Tensor?
        public var speakerShare: Tensor?
        public var pose: Tensor?
        public var decorrelation: Tensor?
        /// epsilon + Σ weight · term over the terms present: what to back-propagate.
        public var total: Tensor

        /// Every term's value by name (absent terms left out), for logs.
        public var values: [String: Float] {
            var v = ["epsilon": epsilon.item, "total": total.item]
            for (name, term) in [("swap", swap), ("id_variance", idVariance), ("speaker_share", speakerShare),
                                 ("pose", pose), ("decorrelation", decorrelation)] {
                if let term { v[name] = term.item }
            }
            if let swapExcess { v["swap_excess"] = swapExcess }
            return v
        }
    }

    /// The ε loss and the split terms for frames x0 (N, 3, S, S) in [−1, 1], `speakers` (N)
    /// any integers naming speakers (or clips), `pose` (N, 3) radians or nil. Everything is
    /// on the tape: encoder, UNet and pose head all receive gradients.
    public func callAsFunction(model: DiffAE, x0: Tensor, speakers: [Int], pose: Tensor?,
                               rng: inout RandomGenerator) -> Terms {
        let n = x0.shape[0]
        precondition(speakers.count == n, "\(speakers.count) speaker ids for \(n) frames")
        precondition(pose == nil || pose!.shape == [n, 3], "pose labels \(pose!.shape) for \(n) frames")
        precondition(model.config.zSemChannels == split.total, "latent split \(split) of a \(model.config.zSemChannels)-wide z_sem")

        let z = model.encoder(x0)  // (N, zSem)
        let parts = split.parts(of: z)

        // Draws in DiffAE.loss's order (timesteps, then noise), then the swap partners.
        let timesteps = (0..<n).map { _ in Int(rng.next() % UInt64(model.diffusion.steps)) }
        let noise = Tensor.randn(x0.shape, using: &rng)  // (N, 3, S, S)
        let xt = withoutGradients { model.diffusion.qSample(x0, timesteps: timesteps, noise: noise) }
        let pairs = weights.swap != 0 ? LatentSplitLoss.swapPartners(speakers, rng: &rng) : []

        var unetInput = xt, unetTimesteps = timesteps, unetZ = z
        if !pairs.isEmpty {
            let frames = pairs.map(\.frame), partners = pairs.map(\.partner)
            let swapped = split.join(id: gatherRows(parts.id, partners), pose: gatherRows(parts.pose, frames),
                                     expression: gatherRows(parts.expression, frames))  // (P, zSem)
            unetInput = concat([xt, withoutGradients { gatherRows(xt, frames) }], dim: 0)
            unetTimesteps += frames.map { timesteps[$0] }
            unetZ = concat([z, swapped], dim: 0)
        }
        let prediction = model.predictNoise(unetInput, timesteps: unetTimesteps, zSem: unetZ)  // (N + P, 3, S, S)
        let epsilon = mseLoss(pairs.isEmpty ? prediction : prediction.slice(dim: 0, 0..<n), noise)
        var total = epsilon

        var terms = Terms(epsilon: epsilon, total: epsilon)
        if !pairs.isEmpty {
            let frames = pairs.map(\.frame)
            let swapLoss = mseLoss(prediction.slice(dim: 0, n..<(n + pairs.count)), withoutGradients { gatherRows(noise, frames) })
            terms.swap = swapLoss
            terms.swapExcess = withoutGradients {
                swapLoss.item - mseLoss(gatherRows(prediction.slice(dim: 0, 0..<n), frames), gatherRows(noise, frames)).item
            }
            total = total + weights.swap * swapLoss
        }
        if weights.idVariance != 0, let ratio = LatentSplitLoss.withinSpeakerVarianceRatio(parts.id, speakers: speakers) {
            terms.idVariance = ratio
            total = total + weights.idVariance * ratio
        }
        if weights.speakerShare != 0, split.pose + split.expression > 0,
           let within = LatentSplitLoss.withinSpeakerVarianceRatio(z.slice(dim: 1, split.id..<split.total), speakers: speakers) {
            terms.speakerShare = 1 - within
            total = total + weights.speakerShare * terms.speakerShare!
        }
        if let pose {
            if weights.pose != 0 && split.pose > 0 {
                terms.pose = mseLoss(poseHead(parts.pose), pose)
                total = total + weights.pose * terms.pose!
            }
            if weights.decorrelation != 0 && split.id + split.expression > 0 && n >= 2 {
                let rest = concat([parts.id, parts.expression].filter { $0.shape[1] > 0 }, dim: 1)  // (N, id + exp)
                terms.decorrelation = LatentSplitLoss.meanSquaredCorrelation(rest, pose)
                total = total + weights.decorrelation * terms.decorrelation!
            }
        }
        terms.total = total
        return terms
    }

    /// For every frame whose speaker has ≥ 2 frames in the batch, another frame of that
    /// speaker: each group is shuffled and each member paired with the next (a cycle, so no
    /// frame is its own partner). Frames of singleton speakers are left out.
    public static func swapPartners(_ speakers: [Int], rng: inout RandomGenerator) -> [(frame: Int, partner: Int)] {
        var groups: [Int: [Int]] = [:]
        for (i, s) in speakers.enumerated() { groups[s, default: []].append(i) }
        var pairs: [(frame: Int, partner: Int)] = []
        for key in groups.keys.sorted() {
            var members = groups[key]!
            guard members.count >= 2 else { continue }
            for i in stride(from: members.count - 1, to: 0, by: -1) {  // Fisher–Yates
                members.swapAt(i, Int(rng.next() % UInt64(i + 1)))
            }
            for (k, frame) in members.enumerated() { pairs.append((frame, members[(k + 1) % members.count])) }
        }
        return pairs.sorted { $0.frame < $1.frame }
    }

    /// Within-speaker sum of squares of z (N, D) over its total sum of squares about the
    /// batch mean; nil when the batch holds fewer than two speakers (the ratio is then 1).
    /// Speaker means come from one (N, N) averaging matrix, so the tape handles the rest.
    public static func withinSpeakerVarianceRatio(_ z: Tensor, speakers: [Int]) -> Tensor? {
        let n = speakers.count
        guard Set(speakers).count >= 2, z.shape[1] > 0 else { return nil }
        var counts: [Int: Int] = [:]
        for s in speakers { counts[s, default: 0] += 1 }
        var averaging = [Float](repeating: 0, count: n * n)  // (N, N): row i averages i's speaker
        for i in 0..<n { for j in 0..<n where speakers[i] == speakers[j] { averaging[i * n + j] = 1 / Float(counts[speakers[i]]!) } }
        let within = z - matmul(Tensor(shape: [n, n], values: averaging), z)
        let aroundMean = z - z.mean(dims: [0], keepDims: true)
        return square(within).sum() / (square(aroundMean).sum() + 1e-8)
    }

    /// Mean over (column of a, column of b) of the squared Pearson correlation across rows:
    /// a (N, D) on the tape, b (N, K) constant labels.
    public static func meanSquaredCorrelation(_ a: Tensor, _ b: Tensor) -> Tensor {
        let n = Float(a.shape[0])
        func standardised(_ x: Tensor) -> Tensor {
            let centred = x - x.mean(dims: [0], keepDims: true)
            return centred / sqrt(square(centred).mean(dims: [0], keepDims: true) + 1e-6)
        }
        let labels = withoutGradients { standardised(b.detached()) }
        let correlation = matmul(standardised(a).transposed(0, 1), labels) * (1 / n)  // (D, K)
        return square(correlation).mean()
    }
}

/// Rows `indices` of x (N, …) → (count, …); on the tape (gradients scatter back).
func gatherRows(_ x: Tensor, _ indices: [Int]) -> Tensor {
    let rowSize = x.count / Swift.max(x.shape[0], 1)
    return embedding(indices: indices, shape: [indices.count], weight: x.reshaped([x.shape[0], rowSize]))
        .reshaped([indices.count] + x.shape.dropFirst())
}
