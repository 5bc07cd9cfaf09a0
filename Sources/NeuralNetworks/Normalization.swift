import Autodiff

/// `nn.LayerNorm` over the last dimension; weight ones, bias zeros.
public final class LayerNorm: Module, UnaryLayer {
    public let weight: Tensor?  // (D)
    public let bias: Tensor?    // (D)
    public let eps: Float

    public init(_ dimensions: Int, eps: Float = 1e-5, affine: Bool = true) {
        weight = affine ? .ones([dimensions]) : nil
        bias = affine ? .zeros([dimensions]) : nil
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, weight: weight, bias: bias, eps: eps) }
}

/// `nn.GroupNorm`: x (N, C, …) normalised per sample over groups of C/groups channels.
public final class GroupNorm: Module, UnaryLayer {
    public let groups: Int
    public let weight: Tensor?  // (C)
    public let bias: Tensor?    // (C)
    public let eps: Float

    public init(groups: Int, channels: Int, eps: Float = 1e-5, affine: Bool = true) {
        precondition(channels % groups == 0, "\(channels) channels do not split into \(groups) groups")
        self.groups = groups
        weight = affine ? .ones([channels]) : nil
        bias = affine ? .zeros([channels]) : nil
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps) }

    /// silu(self(x)), in one pass at inference (`groupNormSiLU`).
    public func thenSiLU(_ x: Tensor) -> Tensor { groupNormSiLU(x, groups: groups, weight: weight, bias: bias, eps: eps) }
}

/// `nn.BatchNorm1d`: x (N, C) or (N, C, L). Batch statistics in training mode (updating
/// the running ones), running statistics in evaluation mode. The running statistics and
/// `num_batches_tracked` are buffers: in checkpoints, never trained.
public final class BatchNorm1d: Module, UnaryLayer {
    public let weight: Tensor  // (C)
    public let bias: Tensor    // (C)
    @Buffer public var runningMean: Tensor       // (C)
    @Buffer public var runningVar: Tensor        // (C)
    @Buffer public var numBatchesTracked: Tensor // () — PyTorch stores int64; a float counts exactly to 2²⁴
    public let momentum: Float
    public let eps: Float

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
        weight = .ones([channels])
        bias = .zeros([channels])
        runningMean = .zeros([channels])
        runningVar = .ones([channels])
        numBatchesTracked = Tensor(0)
        self.momentum = momentum
        self.eps = eps
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        if training { numBatchesTracked.pointer[0] += 1 }
        return batchNorm(
            x, runningMean: runningMean, runningVar: runningVar, weight: weight, bias: bias,
            training: training, momentum: momentum, eps: eps)
    }
}
