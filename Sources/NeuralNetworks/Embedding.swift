import Autodiff

/// `nn.Embedding`: a (count, dimensions) table, initialised N(0, 1) as in PyTorch.
public final class Embedding: Module {
    public let weight: Tensor  // (count, dimensions)

    public init(_ count: Int, _ dimensions: Int, rng: inout RandomGenerator) {
        weight = Tensor.randn([count, dimensions], using: &rng)
    }

    /// Rows for `indices`, arranged as (shape…, dimensions); shape defaults to [indices.count].
    public func callAsFunction(_ indices: [Int], shape: [Int]? = nil) -> Tensor {
        embedding(indices: indices, shape: shape ?? [indices.count], weight: weight)
    }
}
