import Autodiff

/// `nn.Conv1d`: x (N, C, L) → (N, O, outL); weight (O, C/groups, K).
public final class Conv1d: Module, UnaryLayer {
    public let weight: Tensor  // (O, C/groups, K)
    public let bias: Tensor?   // (O)
    public let stride: Int, padding: Int, dilation: Int, groups: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true, rng: inout RandomGenerator
    ) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "channels \(inChannels)→\(outChannels) not divisible by \(groups) groups")
        let fanIn = inChannels / groups * kernelSize
        weight = DefaultInitializer.uniform([outChannels, inChannels / groups, kernelSize], fanIn: fanIn, using: &rng)
        self.bias = bias ? DefaultInitializer.uniform([outChannels], fanIn: fanIn, using: &rng) : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv1d(x, weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
}

/// `nn.Conv2d` with square kernels: x (N, C, H, W) → (N, O, outH, outW); weight (O, C/groups, k, k).
public final class Conv2d: Module, UnaryLayer {
    public let weight: Tensor  // (O, C/groups, k, k)
    public let bias: Tensor?   // (O)
    public let stride: Int, padding: Int, dilation: Int, groups: Int

    public init(
        _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        dilation: Int = 1, groups: Int = 1, bias: Bool = true, rng: inout RandomGenerator
    ) {
        precondition(inChannels % groups == 0 && outChannels % groups == 0, "channels \(inChannels)→\(outChannels) not divisible by \(groups) groups")
        let fanIn = inChannels / groups * kernelSize * kernelSize
        weight = DefaultInitializer.uniform([outChannels, inChannels / groups, kernelSize, kernelSize], fanIn: fanIn, using: &rng)
        self.bias = bias ? DefaultInitializer.uniform([outChannels], fanIn: fanIn, using: &rng) : nil
        (self.stride, self.padding, self.dilation, self.groups) = (stride, padding, dilation, groups)
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        conv2d(x, weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }

    /// residual + self(x), the sum formed as the output is written at inference.
    public func callAsFunction(_ x: Tensor, adding residual: Tensor) -> Tensor {
        conv2d(x, weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups, adding: residual)
    }
}
