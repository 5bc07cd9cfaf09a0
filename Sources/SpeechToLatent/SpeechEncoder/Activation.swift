import NeuralNetworks

/// The activations Hugging Face configs name (`hidden_act`, `feat_extract_activation`)
/// that the encoder supports: transformers' ACT2FN meanings.
enum Activation: String, CaseIterable {
    case gelu      // erf form
    case relu
    case silu, swish

    func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .gelu: Autodiff.gelu(x)
        case .relu: Autodiff.relu(x)
        case .silu, .swish: Autodiff.silu(x)
        }
    }
}
