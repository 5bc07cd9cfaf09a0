import NeuralNetworks

extension GaussianDiffusion {
    /// Progressive distillation's target (Salimans & Ho 2022, Algorithm 2): the x̂0 with which
    /// one DDIM move (η = 0, unclipped) from x at noise level ᾱ lands exactly on `landing`, the
    /// point the teacher reached at level ᾱ'' in two moves:
    ///
    ///     x̃0 = (x'' − (σ''/σ)·x) / (α'' − (σ''/σ)·α),   α = √ᾱ, σ = √(1 − ᾱ)
    ///
    /// For ᾱ'' = 1 (the move onto the clean image) it is the landing itself.
    /// x, landing (N, …) → (N, …). No gradients.
    public func distillationTarget(from x: Tensor, alphaBar: Double, landing: Tensor, landingAlphaBar: Double) -> Tensor {
        precondition(x.shape == landing.shape, "distillationTarget: x \(x.shape), landing \(landing.shape)")
        let ratio = (1 - landingAlphaBar).squareRoot() / (1 - alphaBar).squareRoot()  // σ''/σ
        let denominator = landingAlphaBar.squareRoot() - ratio * alphaBar.squareRoot()
        let (a, b) = (Float(1 / denominator), Float(ratio / denominator))
        let out = Tensor(uninitializedShape: x.shape)
        let xp = x.pointer, lp = landing.pointer, op = out.pointer
        for i in 0..<x.count { op[i] = a * lp[i] - b * xp[i] }
        return out
    }
}
