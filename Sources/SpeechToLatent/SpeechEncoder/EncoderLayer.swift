import NeuralNetworks

/// Multi-head self-attention with transformers' names (`q_proj`, `k_proj`, `v_proj`,
/// `out_proj`), scaled by 1/√(head size).
final class SelfAttention: Module {
    let heads: Int
    let qProj: Linear, kProj: Linear, vProj: Linear, outProj: Linear

    init(dimensions: Int, heads: Int, rng: inout RandomGenerator) {
        self.heads = heads
        qProj = Linear(dimensions, dimensions, rng: &rng)
        kProj = Linear(dimensions, dimensions, rng: &rng)
        vProj = Linear(dimensions, dimensions, rng: &rng)
        outProj = Linear(dimensions, dimensions, rng: &rng)
        super.init()
    }

    /// (N, T, D) → (N, T, D)
    func callAsFunction(_ x: Tensor) -> Tensor {
        let (n, t, d) = (x.size(0), x.size(1), x.size(2))
        func split(_ y: Tensor) -> Tensor { y.reshaped([n, t, heads, d / heads]).permuted([0, 2, 1, 3]) }  // (N, H, T, D/H)
        let attended = scaledDotProductAttention(split(qProj(x)), split(kProj(x)), split(vProj(x)))
        return outProj(attended.permuted([0, 2, 1, 3]).reshaped([n, t, d]))
    }
}

/// Linear → activation → Linear (`intermediate_dense`, `output_dense`).
final class FeedForward: Module {
    let intermediateDense: Linear
    let outputDense: Linear
    let activation: Activation

    init(_ c: SpeechEncoderConfiguration, rng: inout RandomGenerator) {
        intermediateDense = Linear(c.hiddenSize, c.intermediateSize, rng: &rng)
        outputDense = Linear(c.intermediateSize, c.hiddenSize, rng: &rng)
        activation = Activation(rawValue: c.hiddenAct)!
        super.init()
    }

    func callAsFunction(_ x: Tensor) -> Tensor { outputDense(activation(intermediateDense(x))) }
}

/// One transformer layer, in either arrangement:
/// - post-LN (base): h = LN(h + Attn(h)); h = LN_final(h + FF(h))
/// - pre-LN, "stable layer norm" (large-lv60): h = h + Attn(LN(h)); h = h + FF(LN_final(h))
final class EncoderLayer: Module {
    let attention: SelfAttention
    let layerNorm: LayerNorm
    let feedForward: FeedForward
    let finalLayerNorm: LayerNorm
    let preNormalised: Bool

    init(_ c: SpeechEncoderConfiguration, rng: inout RandomGenerator) {
        attention = SelfAttention(dimensions: c.hiddenSize, heads: c.numAttentionHeads, rng: &rng)
        layerNorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        feedForward = FeedForward(c, rng: &rng)
        finalLayerNorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        preNormalised = c.doStableLayerNorm
        super.init()
    }

    /// (N, T, D) → (N, T, D)
    func callAsFunction(_ x: Tensor) -> Tensor {
        if preNormalised {
            let h = x + attention(layerNorm(x))
            return h + feedForward(finalLayerNorm(h))
        }
        let h = layerNorm(x + attention(x))
        return finalLayerNorm(h + feedForward(h))
    }
}
