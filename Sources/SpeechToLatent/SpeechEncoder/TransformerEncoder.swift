import NeuralNetworks

/// Positional conv embedding, LayerNorm and the transformer layers (`Wav2Vec2Encoder` /
/// `Wav2Vec2EncoderStableLayerNorm`). Keys `pos_conv_embed.*`, `layer_norm.*`, `layers.{i}.*`.
final class TransformerEncoder: Module {
    let posConvEmbed: PositionalConvEmbedding
    let layerNorm: LayerNorm
    let layers: [EncoderLayer]
    let preNormalised: Bool

    init(_ c: SpeechEncoderConfiguration, rng: inout RandomGenerator) {
        posConvEmbed = PositionalConvEmbedding(c, rng: &rng)
        layerNorm = LayerNorm(c.hiddenSize, eps: c.layerNormEps)
        var layers: [EncoderLayer] = []
        for _ in 0..<c.numHiddenLayers { layers.append(EncoderLayer(c, rng: &rng)) }
        self.layers = layers
        preNormalised = c.doStableLayerNorm
        super.init()
    }

    /// (N, T, D) → layers + 1 states (N, T, D), as transformers 5's `hidden_states`: the
    /// transformer input, then each layer's output; and `last_hidden_state`, which in the
    /// pre-LN layout is the last layer's output after the final LayerNorm (the LayerNorm
    /// comes last there, not first). transformers 4 put that normalised state at the end
    /// of `hidden_states` instead; version 5 keeps the raw layer output there.
    func callAsFunction(_ x: Tensor) -> (hiddenStates: [Tensor], lastHiddenState: Tensor) {
        var h = x + posConvEmbed(x)
        if !preNormalised { h = layerNorm(h) }
        var states = [h]
        for layer in layers {
            h = layer(h)
            states.append(h)
        }
        return (states, preNormalised ? layerNorm(h) : h)
    }
}
