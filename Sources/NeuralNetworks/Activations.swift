import Autodiff

/// Activations as layers, for `Sequential` and for keeping PyTorch's module indices
/// (an `nn.SiLU()` inside an `nn.Sequential` takes an index but holds no parameters).
public final class SiLU: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { silu(x) }
}

/// GELU, erf form (PyTorch's default).
public final class GELU: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { gelu(x) }
}

public final class ReLU: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { relu(x) }
}

public final class Sigmoid: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { sigmoid(x) }
}

public final class Tanh: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { tanh(x) }
}

public final class Identity: Module, UnaryLayer {
    public override init() {}
    public func callAsFunction(_ x: Tensor) -> Tensor { x }
}
