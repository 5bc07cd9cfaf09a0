import DiffusionAutoencoder
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
    /// Mean squared correlation between [z_id | z_exp]'s channels and the pose labels.
    public var decorrelation: Float
    /// Between-speaker share of [z_pose | z_exp]'s variance: identity belongs in z_id alone.
    public var speakerShare: Float
    /// Linear adversary reading the pose labels from [z_id | z_exp] (`RunningRidgeReadout`).
    public var poseLeak: Float
    /// Linear adversary reading the speaker (one-hot) from [z_pose | z_exp].
    public var speakerLeak: Float
    /// Share of z_pose's variance that the pose labels do not explain linearly: z_pose is
    /// pose and nothing else.
    public var poseResidual: Float
    /// 1 − the squared correlation of the pose labels with their ridge readout from z_pose
    /// (`RunningRidgeReadout`): the pose head in closed form, one map for every speaker.
    public var poseReadout: Float
    /// The same from z_exp to the expression labels (synthetic data's factors): z_exp then
    /// carries expression in a form a linear readout finds, not only what the UNet needs.
    public var expressionReadout: Float
    /// 1 − the squared correlation of the speaker (one-hot) with its ridge readout from z_id:
    /// every speaker told apart along its own direction (4 speakers need z_id's 3 channels in
    /// general position; the swap and variance terms alone let them lie nearly in a plane).
    public var identityReadout: Float

    public init(swap: Float = 1, idVariance: Float = 0.1, pose: Float = 10, decorrelation: Float = 0.1,
                speakerShare: Float = 0.1, poseLeak: Float = 0, speakerLeak: Float = 0, poseResidual: Float = 0,
                poseReadout: Float = 0, expressionReadout: Float = 0, identityReadout: Float = 0) {
        self.swap = swap
        self.idVariance = idVariance
        self.pose = pose
        self.decorrelation = decorrelation
        self.speakerShare = speakerShare
        self.poseLeak = poseLeak
        self.speakerLeak = speakerLeak
        self.poseResidual = poseResidual
        self.poseReadout = poseReadout
        self.expressionReadout = expressionReadout
        self.identityReadout = identityReadout
    }

    /// The fields' names in JSON (options.json, recipes' `split_weights`).
    public static let fieldNames = CodingKeys.allCases.map(\.stringValue)

    private enum CodingKeys: String, CodingKey, CaseIterable {
        case swap, idVariance = "id_variance", pose, decorrelation, speakerShare = "speaker_share", poseLeak = "pose_leak",
             speakerLeak = "speaker_leak", poseResidual = "pose_residual", poseReadout = "pose_readout",
             expressionReadout = "expression_readout", identityReadout = "identity_readout"
    }

    /// A field left out keeps its default (so runs written before the later terms existed
    /// decode with them off, and a recipe names only the weights it changes).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = LatentSplitWeights()
        func weight(_ key: CodingKeys, _ fallback: Float) throws -> Float { try c.decodeIfPresent(Float.self, forKey: key) ?? fallback }
        self.init(swap: try weight(.swap, d.swap), idVariance: try weight(.idVariance, d.idVariance), pose: try weight(.pose, d.pose),
                  decorrelation: try weight(.decorrelation, d.decorrelation), speakerShare: try weight(.speakerShare, d.speakerShare),
                  poseLeak: try weight(.poseLeak, d.poseLeak), speakerLeak: try weight(.speakerLeak, d.speakerLeak),
                  poseResidual: try weight(.poseResidual, d.poseResidual), poseReadout: try weight(.poseReadout, d.poseReadout),
                  expressionReadout: try weight(.expressionReadout, d.expressionReadout),
                  identityReadout: try weight(.identityReadout, d.identityReadout))
    }

    /// Every weight by its field name, in field order.
    public var named: [(name: String, weight: Float)] {
        Array(zip(Self.fieldNames, [swap, idVariance, pose, decorrelation, speakerShare, poseLeak, speakerLeak, poseResidual,
                                    poseReadout, expressionReadout, identityReadout]))
    }
}

/// The training pressures that make z_sem = [z_id | z_pose | z_exp] mean what it says
/// (docs/architecture.md §8), on top of DiffAE's ε loss. A module, because the pose head is trained with
/// the model (update it with the same optimizer; save it with the checkpoint if wanted).
///
/// For a batch of frames x0 with speaker ids and (optionally) pose labels, one call gives:
///
///     epsilon        DiffAE's objective: mean ‖ε̂(x_t, t, z) − ε‖², t, ε drawn from rng; for
///                    a v-model its own objective, mean ‖v̂ − v‖² (the name stays, for logs)
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
///     poseLeak       `RunningRidgeReadout` from [z_id | z_exp] to the pose labels: what a
///                    ridge probe combining all their channels reads, pushed to 0.
///     speakerLeak    the same from [z_pose | z_exp] to the speaker as one-hot columns
///                    (`speakerCount` of them): the identity a probe could read there.
///     poseResidual   the share of z_pose's variance (about the batch mean) that a least-
///                    squares fit from the batch's pose labels leaves unexplained: z_pose
///                    carries pose and nothing else, so no expression or identity either.
///     poseReadout    1 − the squared correlation of the pose labels with their ridge
///                    readout from z_pose: the pose head in closed form (no head to learn
///                    first, one map for every speaker).
///     expressionReadout  the same from z_exp to the expression labels, when given.
///     identityReadout    the same from z_id to the speaker (one-hot).
///
/// With `erasure`, z_exp first passes a `LinearErasure` (warm after 20 batches) of the pose
/// and the speaker (one-hot): what it must not carry. The UNet and every term above see the
/// erased z_exp. `DAETrainer` folds the erasure into the encoder of the model it saves.
/// (Only z_exp: it is hundreds of channels wide. z_id and z_pose are as narrow as the labels,
/// and erasing a label's every direction from them would erase all of them; the
/// within-speaker variance and pose residual keep them clean.)
///
/// The adversaries and the erasure learn from the batches they see (`observe`), after computing
/// their penalty, so a call changes their state unless `observe: false`.
///
/// Terms that do not apply to a batch (no same-speaker pair, one speaker, no pose labels,
/// zero weight) are nil and left out of `total`.
public final class LatentSplitLoss: Module {
    /// z_pose (N, pose) → (yaw, pitch, roll) (N, 3).
    public let poseHead: Linear
    /// [z_id | z_exp] (N, id + exp) → pose (N, 3), when `poseLeak` is on.
    public let poseLeakAdversary: RunningRidgeReadout?
    /// [z_pose | z_exp] (N, pose + exp) → speaker one-hot (N, speakerCount), when `speakerLeak` is on.
    public let speakerLeakAdversary: RunningRidgeReadout?
    /// z_pose (N, pose) → pose (N, 3), when `poseReadout` is on.
    public let poseReadout: RunningRidgeReadout?
    /// z_exp (N, exp) of [pose | speaker one-hot], when `erasure` is on.
    public let expressionErasure: LinearErasure?
    /// z_exp (N, exp) → expression labels (N, expressionLabels), when `expressionReadout` is on.
    public let expressionReadout: RunningRidgeReadout?
    /// Expression label columns per frame (the expression readout's width; 0 without it).
    public let expressionLabels: Int
    /// z_id (N, id) → speaker one-hot (N, speakerCount), when `identityReadout` is on.
    public let identityReadout: RunningRidgeReadout?
    public let split: LatentSplit
    public let weights: LatentSplitWeights
    /// Speaker ids run 0..<speakerCount (the speaker adversary's one-hot width).
    public let speakerCount: Int

    public var erasure: Bool { expressionErasure != nil }

    public init(split: LatentSplit, weights: LatentSplitWeights = LatentSplitWeights(), speakerCount: Int = 0,
                erasure: Bool = false, expressionLabels: Int = 0, rng: inout RandomGenerator) {
        precondition(weights.speakerLeak == 0 || speakerCount >= 2, "the speaker-leak term needs at least two speakers")
        precondition(weights.expressionReadout == 0 || expressionLabels > 0, "the expression readout needs expression labels")
        precondition(weights.identityReadout == 0 || speakerCount >= 2, "the identity readout needs at least two speakers")
        self.split = split
        self.weights = weights
        self.speakerCount = speakerCount
        // Zero weights (drawn first, so the generator moves on as before): z_sem can be large (a
        // semantic gain scales it by 10³), and a random head on it started with a pose MSE in
        // the hundreds of rad² that swamped every other term.
        poseHead = Linear(split.pose, 3, rng: &rng).zeroed()
        let rest = split.id + split.expression, notId = split.pose + split.expression
        poseLeakAdversary = weights.poseLeak != 0 && rest > 0 ? RunningRidgeReadout(dimension: rest, labels: 3) : nil
        speakerLeakAdversary = weights.speakerLeak != 0 && notId > 0
            ? RunningRidgeReadout(dimension: notId, labels: speakerCount) : nil
        poseReadout = weights.poseReadout != 0 && split.pose > 0 ? RunningRidgeReadout(dimension: split.pose, labels: 3) : nil
        let speakerLabels = speakerCount >= 2 ? speakerCount : 0
        expressionErasure = erasure && split.expression > 0 ? LinearErasure(dimension: split.expression, labels: 3 + speakerLabels) : nil
        self.expressionLabels = weights.expressionReadout != 0 ? expressionLabels : 0
        expressionReadout = weights.expressionReadout != 0 && split.expression > 0
            ? RunningRidgeReadout(dimension: split.expression, labels: expressionLabels) : nil
        identityReadout = weights.identityReadout != 0 && split.id > 0 ? RunningRidgeReadout(dimension: split.id, labels: speakerCount) : nil
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
        public var poseLeak: Tensor?
        public var speakerLeak: Tensor?
        public var poseResidual: Tensor?
        public var poseReadout: Tensor?
        public var expressionReadout: Tensor?
        public var identityReadout: Tensor?
        /// epsilon + Σ weight · term over the terms present: what to back-propagate.
        public var total: Tensor

        /// Every term's value by name (absent terms left out), for logs.
        public var values: [String: Float] {
            var v = ["epsilon": epsilon.item, "total": total.item]
            for (name, term) in [("swap", swap), ("id_variance", idVariance), ("speaker_share", speakerShare),
                                 ("pose", pose), ("decorrelation", decorrelation), ("pose_leak", poseLeak),
                                 ("speaker_leak", speakerLeak), ("pose_residual", poseResidual),
                                 ("pose_readout", poseReadout), ("expression_readout", expressionReadout), ("identity_readout", identityReadout)] {
                if let term { v[name] = term.item }
            }
            if let swapExcess { v["swap_excess"] = swapExcess }
            return v
        }
    }

    /// The ε loss and the split terms for frames x0 (N, 3, S, S) in [−1, 1], `speakers` (N)
    /// any integers naming speakers (or clips), `pose` (N, 3) radians or nil, `expression`
    /// (N, expressionLabels) or nil. Everything is
    /// on the tape: encoder, UNet and pose head all receive gradients. With `observe` the
    /// adversaries then add this batch to their moments.
    public func callAsFunction(model: DiffAE, x0: Tensor, speakers: [Int], pose: Tensor?, expression: Tensor? = nil,
                               observe: Bool = true, rng: inout RandomGenerator) -> Terms {
        let n = x0.shape[0]
        precondition(speakers.count == n, "\(speakers.count) speaker ids for \(n) frames")
        precondition(pose == nil || pose!.shape == [n, 3], "pose labels \(pose!.shape) for \(n) frames")
        precondition(model.config.zSemChannels == split.total, "latent split \(split) of a \(model.config.zSemChannels)-wide z_sem")

        precondition(!erasure || pose != nil, "the latent split's erasure needs pose labels")
        let encoded = model.encoder(x0)  // (N, zSem)
        let speakerOneHot = (speakerLeakAdversary != nil || identityReadout != nil || erasure) && speakerCount >= 2 ? LatentSplitLoss.oneHot(speakers, count: speakerCount) : nil  // (N, S)
        let erasureLabels = pose.map { p in speakerOneHot.map { concat([p, $0], dim: 1) } ?? p }  // (N, 3 + S)
        let raw = split.parts(of: encoded)
        var parts = raw
        if let expressionErasure { parts.expression = expressionErasure(raw.expression) }
        let z = erasure ? split.join(id: parts.id, pose: parts.pose, expression: parts.expression) : encoded

        // Draws in DiffAE.loss's order (timesteps, then noise), then the swap partners.
        let timesteps = (0..<n).map { _ in Int(rng.next() % UInt64(model.diffusion.steps)) }
        let noise = Tensor.randn(x0.shape, using: &rng)  // (N, 3, S, S)
        let xt = withoutGradients { model.diffusion.qSample(x0, timesteps: timesteps, noise: noise) }
        let target = model.config.prediction == .v  // what the UNet outputs: ε, or v
            ? withoutGradients { model.diffusion.velocity(x0, timesteps: timesteps, noise: noise) } : noise
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
        let prediction = model.predict(unetInput, timesteps: unetTimesteps, zSem: unetZ)  // (N + P, 3, S, S): ε̂ or v̂
        let epsilon = mseLoss(pairs.isEmpty ? prediction : prediction.slice(dim: 0, 0..<n), target)
        var total = epsilon

        var terms = Terms(epsilon: epsilon, total: epsilon)
        if !pairs.isEmpty {
            let frames = pairs.map(\.frame)
            let swapLoss = mseLoss(prediction.slice(dim: 0, n..<(n + pairs.count)), withoutGradients { gatherRows(target, frames) })
            terms.swap = swapLoss
            terms.swapExcess = withoutGradients {
                swapLoss.item - mseLoss(gatherRows(prediction.slice(dim: 0, 0..<n), frames), gatherRows(target, frames)).item
            }
            total = total + weights.swap * swapLoss
        }
        let notId = z.slice(dim: 1, split.id..<split.total)  // [z_pose | z_exp] (N, pose + exp)
        if let leak = speakerLeakAdversary?.score(notId, speakerOneHot!, observe: observe) {
            terms.speakerLeak = leak
            total = total + weights.speakerLeak * leak
        }
        if weights.idVariance != 0, let ratio = LatentSplitLoss.withinSpeakerVarianceRatio(parts.id, speakers: speakers) {
            terms.idVariance = ratio
            total = total + weights.idVariance * ratio
        }
        if weights.speakerShare != 0, split.pose + split.expression > 0,
           let within = LatentSplitLoss.withinSpeakerVarianceRatio(notId, speakers: speakers) {
            terms.speakerShare = 1 - within
            total = total + weights.speakerShare * terms.speakerShare!
        }
        if let pose {
            let rest = concat([parts.id, parts.expression].filter { $0.shape[1] > 0 }, dim: 1)  // [z_id | z_exp] (N, id + exp)
            if weights.pose != 0 && split.pose > 0 {
                terms.pose = mseLoss(poseHead(parts.pose), pose)
                total = total + weights.pose * terms.pose!
            }
            if weights.decorrelation != 0 && split.id + split.expression > 0 && n >= 2 {
                terms.decorrelation = LatentSplitLoss.meanSquaredCorrelation(rest, pose)
                total = total + weights.decorrelation * terms.decorrelation!
            }
            if let leak = poseLeakAdversary?.score(rest, pose, observe: observe) {
                terms.poseLeak = leak
                total = total + weights.poseLeak * leak
            }
            if let captured = poseReadout?.score(parts.pose, pose, observe: observe) {
                terms.poseReadout = 1 - captured
                total = total + weights.poseReadout * terms.poseReadout!
            }
            if weights.poseResidual != 0 && split.pose > 0 && n >= 2 {
                terms.poseResidual = LatentSplitLoss.unexplainedShare(parts.pose, projection: LatentSplitLoss.labelProjection(pose))
                total = total + weights.poseResidual * terms.poseResidual!
            }
        }
        if let readout = expressionReadout, let expression {
            precondition(expression.shape == [n, expressionLabels], "expression labels \(expression.shape) for \(n) frames")
            if let captured = readout.score(parts.expression, expression, observe: observe) {
                terms.expressionReadout = 1 - captured
                total = total + weights.expressionReadout * terms.expressionReadout!
            }
        }
        if let readout = identityReadout, let oneHot = speakerOneHot,
           let captured = readout.score(parts.id, oneHot, observe: observe) {
            terms.identityReadout = 1 - captured
            total = total + weights.identityReadout * terms.identityReadout!
        }
        if observe, let expressionErasure, let erasureLabels { expressionErasure.observe(raw.expression, erasureLabels) }
        terms.total = total
        return terms
    }

    /// Speaker ids (N) in 0..<count → (N, count) one-hot rows.
    static func oneHot(_ speakers: [Int], count: Int) -> Tensor {
        precondition(speakers.allSatisfy { (0..<count).contains($0) }, "speaker ids \(speakers) outside 0..<\(count)")
        return Tensor(shape: [speakers.count, count], values: speakers.flatMap { s in (0..<count).map { $0 == s ? Float(1) : 0 } })
    }

    /// Runs `body` with the erasure folded into z_exp's channels of `encoder`'s output
    /// convolution (the encoder then emits the erased z_exp), and puts the weights back after.
    public func withErasureFolded<T>(into encoder: SemanticEncoder, _ body: () throws -> T) rethrows -> T {
        guard let projection = expressionErasure?.projection() else { return try body() }
        let layer = encoder.semanticProjection
        let kept = layer.namedParameters().map { ($0.1, $0.1.copy()) }
        defer { for (p, copy) in kept { p.pointer.update(from: copy.pointer, count: copy.count) } }
        encoder.foldErasure(projection, channels: split.expressionRange)
        return try body()
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
    public static func withinSpeakerVarianceRatio(_ z: Tensor, speakers: [Int]) -> Tensor? {
        guard Set(speakers).count >= 2, z.shape[1] > 0 else { return nil }
        return unexplainedShare(z, projection: speakerAveraging(speakers))
    }

    /// ‖z − P z‖² / ‖z − batch mean‖² for z (N, D) on the tape and a constant (N, N) projection
    /// P that keeps constants (P 1 = 1): the share of z's variance that P's fit leaves over.
    public static func unexplainedShare(_ z: Tensor, projection: Tensor) -> Tensor {
        let residual = z - matmul(projection, z)
        let aroundMean = z - z.mean(dims: [0], keepDims: true)
        return square(residual).sum() / (square(aroundMean).sum() + 1e-8)
    }

    /// (N, N): row i averages the rows of i's speaker.
    static func speakerAveraging(_ speakers: [Int]) -> Tensor {
        let n = speakers.count
        var counts: [Int: Int] = [:]
        for s in speakers { counts[s, default: 0] += 1 }
        var averaging = [Float](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n where speakers[i] == speakers[j] { averaging[i * n + j] = 1 / Float(counts[speakers[i]]!) } }
        return Tensor(shape: [n, n], values: averaging)
    }

    /// (N, N): the least-squares projection onto the constant and the label columns of
    /// y (N, K), H = 1 1ᵀ/N + Y_c (Y_cᵀ Y_c + δ I)⁻¹ Y_cᵀ with Y_c centred (δ a tiny ridge,
    /// for batches where a label does not vary).
    public static func labelProjection(_ y: Tensor) -> Tensor {
        let n = y.shape[0], k = y.shape[1]
        var centred = Matrix(rows: n, columns: k, values: y.detached().values.map(Double.init))
        let means = centred.columnMeans()
        for r in 0..<n { for c in 0..<k { centred[r, c] -= means[c] } }
        var gram = centred.multiplied(by: centred, transposeSelf: true)  // (K, K)
        let scale = (0..<k).reduce(0.0) { $0 + gram[$1, $1] } / Double(k)
        for c in 0..<k { gram[c, c] += Swift.max(1e-9 * scale, 1e-30) }
        let inverse = choleskySolve(gram, Matrix(rows: k, columns: k, values: (0..<(k * k)).map { $0 % (k + 1) == 0 ? 1 : 0 }))!
        let hat = centred.multiplied(by: inverse).multiplied(by: centred, transposeOther: true)  // (N, N)
        return Tensor(shape: [n, n], values: (0..<(n * n)).map { Float(hat.values[$0] + 1 / Double(n)) })
    }

    /// Mean over (column of a, column of b) of the squared Pearson correlation across rows:
    /// a (N, D) on the tape, b (N, K) constant labels.
    public static func meanSquaredCorrelation(_ a: Tensor, _ b: Tensor) -> Tensor {
        let n = Float(a.shape[0])
        let labels = withoutGradients { standardisedColumns(b.detached()) }
        let correlation = matmul(standardisedColumns(a).transposed(0, 1), labels) * (1 / n)  // (D, K)
        return square(correlation).mean()
    }

    /// x (N, D) with each column centred and scaled to unit RMS over the rows (a constant
    /// column becomes 0): the mean of a product of two such columns is their correlation.
    static func standardisedColumns(_ x: Tensor) -> Tensor {
        let centred = x - x.mean(dims: [0], keepDims: true)
        return centred / sqrt(square(centred).mean(dims: [0], keepDims: true) + 1e-6)
    }
}
