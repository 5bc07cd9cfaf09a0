/// Broadcasting as explicit ops: a copy out to a larger shape, and its adjoint, a sum
/// back down. Each is the other's backward.
extension Tensor {
    /// A copy broadcast to `shape` (NumPy rules). Backward sums the gradient back.
    public func expanded(to shape: [Int]) -> Tensor {
        let out = Tensor(uninitializedShape: shape)
        broadcastApply(TakeFirst(), a: pointer, self.shape, b: pointer, [], out: out.pointer, shape)
        let inputShape = self.shape
        out.record("expand", inputs: [self]) { [self] gy in
            accumulateGrad(gy.summed(toShape: inputShape))
        }
        return out
    }

    /// The sum of this tensor down to `shape`, which must broadcast to `self.shape`
    /// (the adjoint of `expanded(to:)`). Returns `self` when the shapes agree.
    public func summed(toShape shape: [Int]) -> Tensor {
        if shape == self.shape { return self }
        let y = sumToShape(self, shape)
        let inputShape = self.shape
        y.record("sumToShape", inputs: [self]) { [self] gy in
            accumulateGrad(gy.expanded(to: inputShape))
        }
        return y
    }
}

/// k(a, b) = a: with b a dummy one-element input, `broadcastApply` becomes a broadcast copy.
private struct TakeFirst: BinaryKernel {
    @inline(__always) func callAsFunction(_ a: SIMD16<Float>, _ b: SIMD16<Float>) -> SIMD16<Float> { a }
}
