/// Sums, means and maxima. Reductions over chosen dimensions are compositions of
/// `summed(toShape:)` (whose backward broadcasts back) and a free reshape.
extension Tensor {
    /// Sum of all elements → scalar (shape []). Blocks of 1024 are summed in 16 Float
    /// lanes, the blocks in Double, so large sums stay accurate and vectorised.
    /// Backward: every input element receives the output gradient.
    public func sum() -> Tensor {
        var total = 0.0
        var start = 0
        while start < count {
            let n = Swift.min(1024, count - start)
            total += Double(horizontalSum(pointer + start, n))
            start += n
        }
        let y = Tensor(Float(total))
        let inputShape = shape
        y.record("sum", inputs: [self]) { [self] gy in
            accumulateGrad(Tensor(shape: inputShape, repeating: gy.item))
        }
        return y
    }

    /// Sum over `dims` (negative counts from the end); keeps them as size 1 if `keepDims`.
    public func sum(dims: [Int], keepDims: Bool = false) -> Tensor {
        let reduced = Set(dims.map { normalizedDim($0) })
        let kept = shape.enumerated().map { reduced.contains($0.offset) ? 1 : $0.element }
        let y = summed(toShape: kept)
        return keepDims ? y : y.reshaped(shape.enumerated().filter { !reduced.contains($0.offset) }.map(\.element))
    }

    /// Mean of all elements → scalar.
    public func mean() -> Tensor { sum() * (1 / Float(Swift.max(count, 1))) }

    /// Mean over `dims`.
    public func mean(dims: [Int], keepDims: Bool = false) -> Tensor {
        let n = Set(dims.map { normalizedDim($0) }).reduce(1) { $0 * shape[$1] }
        return sum(dims: dims, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
    }

    /// Maximum along `dim`. Backward sends the gradient to the (first) maximal element.
    public func max(dim: Int, keepDims: Bool = false) -> Tensor {
        let d = normalizedDim(dim)
        // View as (outer, length, inner).
        let outer = shape[..<d].reduce(1, *), length = shape[d], inner = shape[(d + 1)...].reduce(1, *)
        precondition(length > 0, "max over an empty dimension of \(shape)")
        var outShape = shape
        outShape[d] = 1
        let y = Tensor(uninitializedShape: outShape)  // (outer, 1, inner)
        var argmax = [Int32](repeating: 0, count: outer * inner)  // index along dim
        let x = pointer, out = y.pointer
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var best = x[base], at = 0
                for l in 1..<length {
                    let v = x[base + l * inner]
                    if v > best || (v.isNaN && !best.isNaN) {  // NaN wins, as in PyTorch
                        best = v
                        at = l
                    }
                }
                out[o * inner + i] = best
                argmax[o * inner + i] = Int32(at)
            }
        }
        let inputShape = shape
        y.record("max", inputs: [self]) { [self] gy in
            let gx = Tensor(shape: inputShape, repeating: 0)
            for o in 0..<outer {
                for i in 0..<inner {
                    gx.pointer[(o * length + Int(argmax[o * inner + i])) * inner + i] = gy.pointer[o * inner + i]
                }
            }
            accumulateGrad(gx)
        }
        if keepDims { return y }
        outShape.remove(at: d)
        return y.reshaped(outShape)
    }

    /// `dim` counted from the front (negative counts from the end), checked against rank.
    func normalizedDim(_ dim: Int) -> Int {
        let d = dim < 0 ? rank + dim : dim
        precondition(d >= 0 && d < rank, "dimension \(dim) out of range for shape \(shape)")
        return d
    }
}
