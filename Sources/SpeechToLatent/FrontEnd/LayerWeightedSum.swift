import NeuralNetworks

/// A learned mixture of an encoder's hidden states (as DiffDub and SUPERB use them):
/// Σᵢ softmax(w)ᵢ · stateᵢ, one trainable weight per state. The weights start equal
/// (uniform mixture), as transformers' `use_weighted_layer_sum`. Key `layer_weights`.
public final class LayerWeightedSum: Module {
    public let layerWeights: Tensor  // (L)

    public init(layers: Int) {
        precondition(layers >= 1, "LayerWeightedSum needs at least one layer")
        layerWeights = Tensor(shape: [layers], repeating: 1 / Float(layers))
        super.init()
    }

    /// The mixture proportions softmax(w), (L).
    public var proportions: Tensor { softmax(layerWeights) }

    /// L states of equal shape (…) → (…). Gradients reach the weights (and the states, if
    /// they want one).
    public func callAsFunction(_ states: [Tensor]) -> Tensor {
        precondition(states.count == layerWeights.count, "\(states.count) states for \(layerWeights.count) layer weights")
        let shape = states[0].shape
        precondition(states.allSatisfy { $0.shape == shape }, "hidden states differ in shape: \(states.map(\.shape))")
        let stacked = concat(states.map { $0.reshaped([1, $0.count]) }, dim: 0)  // (L, elements)
        let mixed = matmul(proportions.reshaped([1, states.count]), stacked)     // (1, elements)
        return mixed.reshaped(shape)
    }
}
