/// Contiguous slicing along one dimension. Viewing x as (outer, length, inner), a slice
/// is `outer` block copies of range.count·inner elements each.
extension Tensor {
    /// Elements `range` of dimension `dim`. Backward scatters the gradient into zeros.
    public func slice(dim: Int, _ range: Range<Int>) -> Tensor {
        let d = normalizedDim(dim)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[d], "slice \(range) of dimension \(dim) in \(shape)")
        var outShape = shape
        outShape[d] = range.count
        let y = Tensor(uninitializedShape: outShape)
        let inner = shape[(d + 1)...].reduce(1, *), outer = shape[..<d].reduce(1, *)
        copyBlocks(
            count: outer, length: range.count * inner,
            from: pointer + range.lowerBound * inner, stride: shape[d] * inner,
            to: y.pointer, stride: range.count * inner)
        y.record("slice", inputs: [self]) { [self] gy in
            let gx = Tensor(shape: shape, repeating: 0)
            copyBlocks(
                count: outer, length: range.count * inner,
                from: gy.pointer, stride: range.count * inner,
                to: gx.pointer + range.lowerBound * inner, stride: shape[d] * inner)
            accumulateGrad(gx)
        }
        return y
    }
}

/// `count` blocks of `length` floats from `src + k·srcStride` to `dst + k·dstStride`.
func copyBlocks(
    count: Int, length: Int, from src: UnsafePointer<Float>, stride srcStride: Int,
    to dst: UnsafeMutablePointer<Float>, stride dstStride: Int
) {
    guard length > 0 else { return }
    nonisolated(unsafe) let src = src, dst = dst
    Parallel.forRanges(count, minimum: max(1, 4 * parallelElementThreshold / length)) { blocks in
        for k in blocks { (dst + k * dstStride).update(from: src + k * srcStride, count: length) }
    }
}
