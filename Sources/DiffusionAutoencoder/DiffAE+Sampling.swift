import NeuralNetworks

/// Where stochastic encoding stops.
public enum InversionEnd: Sendable {
    /// x_T is x at the last sampling timestep (950 of 20 steps), so decoding retraces the
    /// encoding step for step and reconstructs even an untrained model's input.
    case lastSamplingStep
    /// DiffAE's `ddim_reverse_sample_loop`: one more move, to ᾱ = 0 (x_T is the predicted
    /// noise alone), which decoding then treats as x at the last sampling timestep.
    case pureNoise
}

extension DiffAE {
    /// Fixed-point refinements per inversion move in the product's stochastic encodes
    /// (`stochasticEncode(refinements:)`). On a trained cpu64 ε model, 64 held-out frames
    /// reconstruct at 31.2 dB with none (DiffAE's plain inversion), 36.8 dB with one and
    /// 47.0 dB with two, at 2× and 3× the encoding passes.
    public static let recommendedRefinements = 2

    /// The training objective: images x0 (N, 3, S, S) in [−1, 1]; t uniform in 0 ..< T and
    /// ε ~ N(0, I) drawn from `rng`; mean squared error between the target (ε, or v for a
    /// v-model) and predict(q_sample(x0, t, ε), t, encoder(x0)). Records on the tape (encoder and
    /// UNet train together); returns a scalar.
    ///
    /// `highNoiseShare` > 0 draws that share of the timesteps from the noisier half [T/2, T)
    /// instead (DiffAE: 0, uniform). Under the ε loss an image error at high noise weighs
    /// ᾱ/(1 − ᾱ) ≪ 1, yet that is where only z_sem can say what the face looks like; a short
    /// CPU run sees too few such steps for the UNet to learn to follow z_sem.
    /// `p2Gamma` weights each image's ε loss instead (`GaussianDiffusion.p2Weight`; nil: equal).
    /// `pixelWeights` (1, 1, S, S) weights each pixel's error (see `loss(x0:timesteps:…)`).
    public func loss(x0: Tensor, rng: inout RandomGenerator, highNoiseShare: Double = 0, p2Gamma: Double? = nil,
                     pixelWeights: Tensor? = nil) -> Tensor {
        let timesteps = trainingTimesteps(x0.shape[0], rng: &rng, highNoiseShare: highNoiseShare)
        let weights = p2Gamma.map { gamma in timesteps.map { Float(diffusion.p2Weight($0, gamma: gamma)) } }
        return loss(x0: x0, timesteps: timesteps, noise: Tensor.randn(x0.shape, using: &rng), weights: weights,
                    pixelWeights: pixelWeights)
    }

    /// `count` training timesteps in 0..<T: uniform (DiffAE's draw, one number each), or with
    /// `highNoiseShare` of them from [T/2, T).
    public func trainingTimesteps(_ count: Int, rng: inout RandomGenerator, highNoiseShare: Double = 0) -> [Int] {
        let steps = UInt64(diffusion.steps)
        return (0..<count).map { _ -> Int in
            guard highNoiseShare > 0 else { return Int(rng.next() % steps) }
            let high = Double(rng.uniform()) < highNoiseShare
            return high ? Int(steps / 2 + rng.next() % (steps - steps / 2)) : Int(rng.next() % steps)
        }
    }

    /// The training objective at given timesteps (one per image) and noise (x0's shape): the
    /// squared error of the UNet's output against its target, ε or v (`config.prediction`).
    /// With `weights` (one per image) it is the weighted mean Σ wᵢ·mseᵢ / Σ wᵢ; with
    /// `pixelWeights` (1, 1, S, S), shared by the images and channels, likewise over pixels.
    public func loss(x0: Tensor, timesteps: [Int], noise: Tensor, weights: [Float]? = nil,
                     pixelWeights: Tensor? = nil) -> Tensor {
        precondition(pixelWeights == nil || pixelWeights!.shape == [1, 1, x0.shape[2], x0.shape[3]],
                     "pixel weights \(pixelWeights!.shape) for images \(x0.shape)")
        let (xt, target) = withoutGradients {
            (diffusion.qSample(x0, timesteps: timesteps, noise: noise),
             config.prediction == .v ? diffusion.velocity(x0, timesteps: timesteps, noise: noise) : noise)
        }
        let prediction = predict(xt, timesteps: timesteps, zSem: encoder(x0))
        let perImage = weights.map { Tensor(shape: [$0.count] + Array(repeating: 1, count: x0.rank - 1), values: $0) }
        let mask = withoutGradients { () -> Tensor? in
            switch (perImage, pixelWeights) {
            case let (image?, pixel?): return image * pixel  // (B, 1, S, S)
            case let (image, pixel): return image ?? pixel
            }
        }
        return mseLoss(prediction, target, mask: mask)
    }

    /// z_sem of images (N, 3, S, S) in [−1, 1] → (N, zSem). Inference: no tape, no dropout;
    /// at most `batchSize` images go through the network at a time.
    public func encode(_ images: Tensor, batchSize: Int = 32) -> Tensor {
        inference { inBatches(of: batchSize, [images]) { encoder($0[0]) } }
    }

    /// x_T of images (N, 3, S, S) given their z_sem: the DDIM ODE run backwards over the
    /// `steps` sampling timesteps (DiffAE's stochastic encoding; η = 0).
    ///
    /// Each plain move uses ε at the lower timestep, while decoding will use ε at the upper
    /// one; that mismatch is all that keeps the round trip from being exact. `refinements`
    /// > 0 solves each move as a fixed point instead (x' = move(x, ε(x', t'))), one UNet
    /// pass per iteration, so decoding retraces the encoding more closely (fixed-point DDIM
    /// inversion, Pan et al. 2023). `climb` stops after that many moves (default: all),
    /// giving x at timestep `samplingTimesteps(steps)[climb]`.
    public func stochasticEncode(_ images: Tensor, zSem: Tensor, steps: Int = 20,
                                 end: InversionEnd = .lastSamplingStep, clip: Bool = true,
                                 refinements: Int = 0, climb: Int? = nil, batchSize: Int = 32) -> Tensor {
        let times = diffusion.samplingTimesteps(steps)
        let ab = diffusion.alphasCumprod
        let moves = climb ?? (end == .pureNoise ? times.count : times.count - 1)
        precondition(moves >= 0 && moves <= times.count, "\(moves) inversion moves over \(times.count) sampling steps")
        return inference {
            inBatches(of: batchSize, [images, zSem]) { batch in
                let n = batch[0].shape[0]
                var x = batch[0]
                for i in 0..<moves {
                    let target = i + 1 < times.count ? ab[times[i + 1]] : 0
                    var eps = predictNoise(x, timesteps: Array(repeating: times[i], count: n), zSem: batch[1])
                    var next = diffusion.ddimMove(x, eps: eps, alphaBar: ab[times[i]], targetAlphaBar: target, clip: clip).x
                    if i + 1 < times.count {
                        for _ in 0..<refinements {
                            eps = predictNoise(next, timesteps: Array(repeating: times[i + 1], count: n), zSem: batch[1])
                            next = diffusion.ddimMove(x, eps: eps, alphaBar: ab[times[i]], targetAlphaBar: target, clip: clip).x
                        }
                    }
                    x = next
                }
                return x
            }
        }
    }

    /// Both codes of images (N, 3, S, S): z_sem (N, zSem) and x_T (N, 3, S, S).
    public func encode(_ images: Tensor, stochasticSteps steps: Int, end: InversionEnd = .lastSamplingStep,
                       refinements: Int = 0, batchSize: Int = 32) -> (zSem: Tensor, xT: Tensor) {
        let zSem = encode(images, batchSize: batchSize)
        return (zSem, stochasticEncode(images, zSem: zSem, steps: steps, end: end, refinements: refinements, batchSize: batchSize))
    }

    /// Images (N, 3, S, S) in [−1, 1] from z_sem (N, zSem) and noise x_T (N, 3, S, S):
    /// `sampler` (DDIM, η = 0, by default) over the `steps` sampling timesteps, the last move
    /// landing on x̂0. `start` < steps − 1 begins lower, treating the noise as x at
    /// `samplingTimesteps(steps)[start]`.
    public func decode(_ zSem: Tensor, noise xT: Tensor, steps: Int = 20, start: Int? = nil, clip: Bool = true,
                       sampler: DiffusionSampler = .ddim, batchSize: Int = 32) -> Tensor {
        let times = diffusion.samplingTimesteps(steps)
        let first = start ?? times.count - 1
        precondition(times.indices.contains(first), "decode from sampling step \(first) of \(times.count)")
        return decode(zSem, noise: xT, timesteps: times[0...first].reversed(), clip: clip, sampler: sampler, batchSize: batchSize)
    }

    /// `decode` over explicit timesteps in descending order (the first is x_T's), as a
    /// distilled student visits its own few.
    public func decode(_ zSem: Tensor, noise xT: Tensor, timesteps: [Int], clip: Bool = true,
                       sampler: DiffusionSampler = .ddim, batchSize: Int = 32) -> Tensor {
        precondition(!timesteps.isEmpty && zip(timesteps, timesteps.dropFirst()).allSatisfy { $0 > $1 },
                     "decode over timesteps \(timesteps): need one or more, descending")
        return inference {
            inBatches(of: batchSize, [xT, zSem]) { batch in
                diffusion.sample(batch[0], timesteps: timesteps, sampler: sampler, clip: clip) { x, t in
                    predictNoise(x, timesteps: Array(repeating: t, count: x.shape[0]), zSem: batch[1])
                }
            }
        }
    }

    /// DDIM (η = 0) from x_T (N, 3, S, S) over `timesteps` (descending) for z_sem (N, Z), one
    /// batch, keeping every point it visits: x_T, x at each later timestep, and x̂0 last
    /// (`timesteps.count + 1` tensors of (N, 3, S, S)). What a distillation teacher hands on.
    public func ddimTrajectory(_ zSem: Tensor, noise xT: Tensor, timesteps: [Int]) -> [Tensor] {
        inference {
            var points: [Tensor] = []
            let end = diffusion.ddimSample(xT, timesteps: timesteps) { x, t in
                points.append(x)
                return predictNoise(x, timesteps: Array(repeating: t, count: x.shape[0]), zSem: zSem)
            }
            return points + [end]
        }
    }

    /// The UNet's x̂0 at (x_t, t, z_sem), on the tape: √(1/ᾱ)·x − √(1/ᾱ − 1)·ε̂ (not clipped).
    /// What a distilled student is trained on.
    public func predictX0(_ x: Tensor, timesteps: [Int], zSem: Tensor) -> Tensor {
        let ab = timesteps.map { diffusion.alphasCumprod[$0] }
        let perImage = [timesteps.count] + Array(repeating: 1, count: x.rank - 1)
        let recip = Tensor(shape: perImage, values: ab.map { Float((1 / $0).squareRoot()) })
        let recipMinusOne = Tensor(shape: perImage, values: ab.map { Float((1 / $0 - 1).squareRoot()) })
        return recip * x - recipMinusOne * predictNoise(x, timesteps: timesteps, zSem: zSem)
    }

    /// How much the UNet takes the image from z_sem: images x0 (N ≥ 2, 3, S, S) are noised to
    /// each of `timesteps` with one fixed noise, and x̂0 is predicted given their own z_sem and
    /// given another image's (z_sem rolled by N/2). Returns the mean absolute x̂0 error of
    /// both per timestep. Equal errors mean z_sem is ignored there; a lower own error means
    /// the UNet follows it, as decoding from a shared x_T needs.
    public func semanticReliance(_ images: Tensor, zSem: Tensor, timesteps: [Int], seed: UInt64 = 0)
        -> [(t: Int, own: Double, other: Double)] {
        let n = images.shape[0]
        precondition(n >= 2 && zSem.shape[0] == n, "semanticReliance needs two or more images with their z_sem")
        let rolled = withoutGradients { gatherRows(zSem, (0..<n).map { ($0 + n / 2) % n }) }
        var rng = RandomGenerator(seed: seed)
        let noise = Tensor.randn(images.shape, using: &rng)
        return inference {
            timesteps.map { t in
                let times = Array(repeating: t, count: n)
                let xt = diffusion.qSample(images, timesteps: times, noise: noise)
                func error(_ z: Tensor) -> Double {
                    let x0 = diffusion.ddimMove(xt, eps: predictNoise(xt, timesteps: times, zSem: z),
                                                alphaBar: diffusion.alphasCumprod[t], targetAlphaBar: 1).predictedX0
                    var sum = 0.0
                    for i in 0..<x0.count { sum += Double(abs(x0.pointer[i] - images.pointer[i])) }
                    return sum / Double(x0.count)
                }
                return (t, error(zSem), error(rolled))
            }
        }
    }

    /// `body` on consecutive slices of at most `size` rows of `inputs` (same first dimension),
    /// results concatenated; one call without copies when everything fits.
    private func inBatches(of size: Int, _ inputs: [Tensor], _ body: ([Tensor]) -> Tensor) -> Tensor {
        precondition(size >= 1, "batch size \(size)")
        let n = inputs[0].shape[0]
        precondition(inputs.allSatisfy { $0.shape[0] == n }, "inputs with different batch sizes: \(inputs.map(\.shape))")
        if n <= size { return body(inputs) }
        let parts = stride(from: 0, to: n, by: size).map { start in
            body(inputs.map { $0.slice(dim: 0, start..<Swift.min(start + size, n)) })
        }
        return concat(parts, dim: 0)
    }

    /// Runs `body` without gradients and in evaluation mode, restoring the mode after. The
    /// weights stay fixed throughout, so each 3×3 convolution's Winograd transform is made
    /// once for all the UNet passes of a decode or encode, not once per pass.
    private func inference<T>(_ body: () -> T) -> T {
        let wasTraining = training
        if wasTraining { eval() }
        defer { if wasTraining { train() } }
        return withoutGradients { withCachedConvolutionWeights(body) }
    }
}
