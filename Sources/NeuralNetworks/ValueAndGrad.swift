import Autodiff

/// One training step's forward and backward pass: forgets the model's old gradients,
/// evaluates `loss` on the tape and back-propagates. Returns the loss value; the
/// gradients wait in each parameter's `grad` for `optimizer.update(model:)`.
///
///     let loss = valueAndGrad(model) { mseLoss(model(x), target) }
///     optimizer.update(model: model)
@discardableResult
public func valueAndGrad(_ model: Module, _ loss: () -> Tensor) -> Float {
    model.zeroGrad()
    let value = loss()
    precondition(value.count == 1, "valueAndGrad needs a scalar loss, got shape \(value.shape)")
    value.backward()
    return value.item
}
