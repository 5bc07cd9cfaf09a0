extension Tensor {
    /// The same elements under another shape; one dimension may be -1 (inferred).
    /// Free: the result shares storage. Backward reshapes the gradient back.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = target.firstIndex(of: -1) {
            let known = target.filter { $0 != -1 }.reduce(1, *)
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            target[hole] = count / known
        }
        precondition(target.reduce(1, *) == count, "cannot reshape \(shape) to \(newShape)")
        let y = Tensor(shape: target, sharing: storage)
        let inputShape = shape
        y.record("reshape", inputs: [self]) { [self] gy in
            accumulateGrad(gy.reshaped(inputShape))
        }
        return y
    }
}
