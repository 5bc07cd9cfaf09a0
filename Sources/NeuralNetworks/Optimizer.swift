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
    /// Restores what `stateTensors()` returned, checked against the parameters it will
    /// update (names and shapes); throws naming the first bad key, changing nothing.
    func loadState(_ tensors: [String: Tensor], for parameters: [(String, Tensor)]) throws
}

extension Optimizer {
    /// One step on the module's trainable parameters.
    public func update(model: Module) {
        update(parameters: model.namedTrainableParameters())
    }

    /// Restores state for the module's trainable parameters.
    public func loadState(_ tensors: [String: Tensor], for model: Module) throws {
        try loadState(tensors, for: model.namedTrainableParameters())
    }
}
