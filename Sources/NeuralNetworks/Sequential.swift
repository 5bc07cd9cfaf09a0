import Autodiff

/// A layer with one input and one output, so layers can be chained.
public protocol UnaryLayer: Module {
    func callAsFunction(_ x: Tensor) -> Tensor
}

/// Layers applied in order, keyed "0.weight", "1.weight", … like PyTorch's `nn.Sequential`.
public final class Sequential: Module, UnaryLayer {
    public let layers: [any UnaryLayer]

    public init(_ layers: [any UnaryLayer]) { self.layers = layers }

    public override class var keyOverrides: [String: String] { ["layers": ""] }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        layers.reduce(x) { $1($0) }
    }
}
