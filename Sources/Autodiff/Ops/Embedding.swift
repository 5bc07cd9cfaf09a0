/// Table lookup: row `indices[i]` of weight (vocab, dim) for each index, arranged as
/// (shape…, dim). Backward scatter-adds the gradient rows into a zero (vocab, dim) table.
public func embedding(indices: [Int], shape: [Int], weight: Tensor) -> Tensor {
    precondition(weight.rank == 2, "embedding weight must be (vocab, dim), got \(weight.shape)")
    precondition(shape.reduce(1, *) == indices.count, "embedding: \(indices.count) indices for shape \(shape)")
    let vocab = weight.size(0), dim = weight.size(1)
    for index in indices { precondition(index >= 0 && index < vocab, "embedding index \(index) outside 0..<\(vocab)") }
    let y = Tensor(uninitializedShape: shape + [dim])  // (count, dim)
    for (row, index) in indices.enumerated() {
        (y.pointer + row * dim).update(from: weight.pointer + index * dim, count: dim)
    }
    y.record("embedding", inputs: [weight]) { gy in
        let gw = Tensor(shape: weight.shape, repeating: 0)  // (vocab, dim)
        for (row, index) in indices.enumerated() {
            mapBinary(AddKernel(), gw.pointer + index * dim, gy.pointer + row * dim, gw.pointer + index * dim, dim)
        }
        weight.accumulateGrad(gw)
    }
    return y
}

/// Rows `indices` of x (N, …) → (count, …); on the tape (gradients scatter back).
public func gatherRows(_ x: Tensor, _ indices: [Int]) -> Tensor {
    let rowSize = x.count / Swift.max(x.shape[0], 1)
    return embedding(indices: indices, shape: [indices.count], weight: x.reshaped([x.shape[0], rowSize]))
        .reshaped([indices.count] + x.shape.dropFirst())
}
