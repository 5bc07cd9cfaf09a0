import Autodiff

/// y = x·Wᵀ + b over the last dimension; weight (out, in) as in PyTorch's `nn.Linear`.
public final class Linear: Module, UnaryLayer {
    public let weight: Tensor  // (out, in)
    public let bias: Tensor?   // (out)

    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomGenerator) {
        weight = DefaultInitializer.uniform([outFeatures, inFeatures], fanIn: inFeatures, using: &rng)
        self.bias = bias ? DefaultInitializer.uniform([outFeatures], fanIn: inFeatures, using: &rng) : nil
    }

    /// x (…, in) → (…, out)
    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight, bias) }
}
