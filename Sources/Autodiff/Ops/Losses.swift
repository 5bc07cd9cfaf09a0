/// Regression losses, as compositions of ops (their backward comes from the parts).
/// With a `mask` (1 = counts, 0 = ignored; broadcastable to pred) the mean runs over the
/// unmasked elements only; each mask element stands for pred.count / mask.count of them.

/// mean((pred − target)²), over unmasked elements if `mask` is given.
public func mseLoss(_ pred: Tensor, _ target: Tensor, mask: Tensor? = nil) -> Tensor {
    let difference = pred - target
    return maskedMean(difference * difference, pred: pred, mask: mask)
}

/// mean(|pred − target|), over unmasked elements if `mask` is given.
public func l1Loss(_ pred: Tensor, _ target: Tensor, mask: Tensor? = nil) -> Tensor {
    maskedMean(abs(pred - target), pred: pred, mask: mask)
}

private func maskedMean(_ elementLoss: Tensor, pred: Tensor, mask: Tensor?) -> Tensor {
    guard let mask else { return elementLoss.mean() }
    let weight = withoutGradients { mask.sum().item } * Float(elementLoss.count / max(mask.count, 1))
    return (elementLoss * mask.detached()).sum() / (weight > 0 ? weight : 1)  // all masked → 0
}
