import Autodiff

/// Scales all gradients together so that their joint 2-norm is at most `maxNorm`, like
/// `torch.nn.utils.clip_grad_norm_`: coefficient min(1, maxNorm / (norm + 1e-6)).
/// Returns the norm before clipping. Parameters without a gradient are ignored.
@discardableResult
public func clipGradNorm(_ parameters: [Tensor], maxNorm: Float) -> Float {
    let grads = parameters.compactMap(\.grad)
    var total = 0.0
    for g in grads {
        let n = Double(l2Norm(g))
        total += n * n
    }
    let norm = Float(total.squareRoot())
    let coefficient = min(1, maxNorm / (norm + 1e-6))
    guard coefficient < 1 else { return norm }  // PyTorch multiplies by 1.0 here: no change
    for p in parameters {
        guard let g = p.grad else { continue }
        let scaled = Tensor(uninitializedShape: g.shape)  // grads are immutable values: replace
        let s = scaled.pointer, gp = g.pointer
        for i in 0..<g.count { s[i] = gp[i] * coefficient }
        p.grad = scaled
    }
    return norm
}

/// Clips the gradients of a module's trainable parameters.
@discardableResult
public func clipGradNorm(_ model: Module, maxNorm: Float) -> Float {
    clipGradNorm(model.trainableParameters(), maxNorm: maxNorm)
}

/// ‖x‖₂ of one tensor, squares summed in Double.
private func l2Norm(_ x: Tensor) -> Float {
    let p = x.pointer
    var sum = 0.0
    for i in 0..<x.count { sum += Double(p[i]) * Double(p[i]) }
    return Float(sum.squareRoot())
}
