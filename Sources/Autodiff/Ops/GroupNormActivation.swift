/// Group normalisation with an elementwise step fused in, for inference: `then(plane, values,
/// count)` runs in place on each output plane (image n, channel c: plane n·C + c) as soon as
/// the plane is written, while it is still in L1, instead of as a pass of its own over the
/// whole tensor. Nothing is recorded, so it must run without gradients.
public func groupNorm(
    _ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5,
    thenInPlace then: (_ plane: Int, _ values: UnsafeMutablePointer<Float>, _ count: Int) -> Void
) -> Tensor {
    precondition(!Tensor.needsGrad(x, weight, bias), "groupNorm(thenInPlace:) records no backward; run it without gradients")
    return withoutActuallyEscaping(then) { normalizeGroups(x, groups: groups, weight: weight, bias: bias, eps: eps, thenInPlace: $0).y }
}

/// silu(groupNorm(x)), in one pass when no gradient is recorded. The bits are those of the two
/// ops: SiLU is elementwise and computes each element the same wherever it sits.
public func groupNormSiLU(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) -> Tensor {
    if Tensor.needsGrad(x, weight, bias) { return silu(groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps)) }
    return groupNorm(x, groups: groups, weight: weight, bias: bias, eps: eps) { _, values, count in
        mapUnary(SiLUKernel(), values, values, count)
    }
}
