extension Tensor {
    /// Sum of all elements → scalar (shape []). Accumulates in Double.
    /// Backward: every input element receives the output gradient.
    public func sum() -> Tensor {
        let p = pointer
        var total = 0.0
        for i in 0..<count { total += Double(p[i]) }
        let y = Tensor(Float(total))
        let inputShape = shape
        y.record("sum", inputs: [self]) { [self] gy in
            accumulateGrad(Tensor(shape: inputShape, repeating: gy.item))
        }
        return y
    }
}
