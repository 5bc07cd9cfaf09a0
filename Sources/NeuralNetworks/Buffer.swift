import Autodiff

/// Marks a tensor property of a `Module` as a buffer: state that belongs in checkpoints
/// (and moves with `update(parameters:)`) but is never trained, like BatchNorm's running
/// statistics — PyTorch's `register_buffer`.
///
///     @Buffer var runningMean: Tensor   // key "running_mean"
@propertyWrapper
public struct Buffer<Value> {
    public var wrappedValue: Value
    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }
}

/// Lets reflection read a `Buffer` without knowing whether it holds `Tensor` or `Tensor?`.
protocol BufferStorage {
    var tensor: Tensor? { get }
}

extension Buffer: BufferStorage {
    var tensor: Tensor? { wrappedValue as? Tensor }
}
