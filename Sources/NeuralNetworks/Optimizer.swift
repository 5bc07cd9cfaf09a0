import Autodiff

/// Updates parameters in place from their accumulated gradients (`Tensor.grad`).
///
///     model.zeroGrad()
///     let loss = model.loss(batch)
///     loss.backward()
///     optimizer.update(model: model)
public protocol Optimizer: AnyObject {
    /// A Double like PyTorch's Python float; schedules set it before each step.
    var learningRate: Double { get set }

    /// One step for every named parameter that has a gradient; others are skipped (as in
    /// PyTorch, where `grad is None` skips a parameter). Names key the optimizer's state.
    func update(parameters: [(String, Tensor)])

    /// The optimizer's state as named tensors (for exact resume from a checkpoint).
    func stateTensors() -> [String: Tensor]
    /// Restores what `stateTensors()` returned; throws on malformed state.
    func loadState(_ tensors: [String: Tensor]) throws
}

extension Optimizer {
    /// One step on the module's trainable parameters.
    public func update(model: Module) {
        update(parameters: model.namedTrainableParameters())
    }
}
