/// Inverted dropout: in training, each element is zeroed with probability p and the
/// survivors are scaled by 1/(1 − p), so evaluation needs no rescaling.
/// Forward saves the scaled keep-mask; backward is gy · mask.
public func dropout(_ x: Tensor, p: Float, using rng: inout RandomGenerator, training: Bool = true) -> Tensor {
    precondition(p >= 0 && p <= 1, "dropout probability \(p) outside [0, 1]")
    guard training, p > 0 else { return x }
    let mask = Tensor(uninitializedShape: x.shape)  // 0 or 1/(1 − p)
    let keep = p < 1 ? 1 / (1 - p) : 0
    let m = mask.pointer
    for i in 0..<x.count { m[i] = rng.uniform() < p ? 0 : keep }
    let y = Tensor.map(x, mask, MultiplyKernel())
    y.record("dropout", inputs: [x]) { gy in x.accumulateGrad(Tensor.map(gy, mask, MultiplyKernel())) }
    return y
}
