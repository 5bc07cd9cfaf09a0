/// Joining along a dimension, and its inverse. Viewing each tensor as
/// (outer, length, inner), both are block copies (see `copyBlocks`).

/// Joins `tensors` (same shape except along `dim`) along `dim`.
/// Backward hands each input its block of the gradient.
public func concat(_ tensors: [Tensor], dim: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concat of no tensors")
    let first = tensors[0]
    let d = first.normalizedDim(dim)
    for t in tensors {
        precondition(
            t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == d || t.shape[$0] == first.shape[$0] },
            "concat along \(dim): shape \(t.shape) does not match \(first.shape)")
    }
    let lengths = tensors.map { $0.shape[d] }
    let total = lengths.reduce(0, +)
    var outShape = first.shape
    outShape[d] = total
    let y = Tensor(uninitializedShape: outShape)
    let inner = first.shape[(d + 1)...].reduce(1, *), outer = first.shape[..<d].reduce(1, *)
    var offset = 0
    for (t, length) in zip(tensors, lengths) {
        copyBlocks(
            count: outer, length: length * inner, from: t.pointer, stride: length * inner,
            to: y.pointer + offset * inner, stride: total * inner)
        offset += length
    }
    y.record("concat", inputs: tensors) { gy in
        var offset = 0
        for (t, length) in zip(tensors, lengths) {
            if t.requiresGrad {
                let g = Tensor(uninitializedShape: t.shape)
                copyBlocks(
                    count: outer, length: length * inner, from: gy.pointer + offset * inner, stride: total * inner,
                    to: g.pointer, stride: length * inner)
                t.accumulateGrad(g)
            }
            offset += length
        }
    }
    return y
}

extension Tensor {
    /// Consecutive pieces of `sizes` elements along `dim` (sizes must add up to its length).
    public func split(_ sizes: [Int], dim: Int) -> [Tensor] {
        let d = normalizedDim(dim)
        precondition(sizes.reduce(0, +) == shape[d], "split sizes \(sizes) for dimension \(dim) of \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(dim: d, start..<(start + size))
        }
    }
}
