/// A dense, row-major, contiguous Float32 array that can take part in reverse-mode autodiff.
///
/// Layouts: images are NCHW, sequences are (batch, time, channel), weights are PyTorch's.
/// A tensor is a reference type: ops return new tensors, and only optimizers write into
/// parameters in place. Reshapes share storage (they are free); every other op copies.
public final class Tensor {
    public let shape: [Int]
    public let storage: TensorStorage

    /// Leaves with `requiresGrad` collect `grad` in `backward()`; op results inherit it.
    public var requiresGrad: Bool
    /// The accumulated gradient, same shape as `self`. Grads are never mutated in place.
    public var grad: Tensor?
    /// How this tensor was made, when it was recorded on the tape.
    public internal(set) var gradFunction: GradFunction?

    /// Uninitialised: every element must be written before it is read.
    public init(uninitializedShape shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        self.shape = shape
        self.storage = TensorStorage(count: shape.reduce(1, *))
        self.requiresGrad = false
    }

    /// A view of `storage` with another shape of the same element count.
    public init(shape: [Int], sharing storage: TensorStorage) {
        precondition(shape.reduce(1, *) == storage.count, "shape \(shape) does not fit \(storage.count) elements")
        self.shape = shape
        self.storage = storage
        self.requiresGrad = false
    }

    public convenience init(shape: [Int], repeating value: Float) {
        self.init(uninitializedShape: shape)
        storage.pointer.update(repeating: value, count: count)
    }

    public convenience init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.init(uninitializedShape: shape)
        values.withUnsafeBufferPointer { storage.pointer.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A scalar (shape []).
    public convenience init(_ value: Float) { self.init(shape: [], values: [value]) }

    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 0) }
    public static func ones(_ shape: [Int]) -> Tensor { Tensor(shape: shape, repeating: 1) }

    // MARK: - Accessors

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    public var pointer: UnsafeMutablePointer<Float> { storage.pointer }
    public var buffer: UnsafeMutableBufferPointer<Float> { .init(start: storage.pointer, count: count) }
    /// A copy of the elements, row-major.
    public var values: [Float] { Array(buffer) }
    /// The only element of a one-element tensor.
    public var item: Float {
        precondition(count == 1, "item of a tensor with \(count) elements")
        return storage.pointer[0]
    }
    /// Dimension `i`, negative counting from the end.
    public func size(_ i: Int) -> Int { shape[i < 0 ? rank + i : i] }

    /// A leaf copy with no history: same values, new storage.
    public func copy() -> Tensor {
        let t = Tensor(uninitializedShape: shape)
        t.pointer.update(from: pointer, count: count)
        return t
    }

    /// The same storage, cut off from the tape (like PyTorch's `detach`).
    public func detached() -> Tensor { Tensor(shape: shape, sharing: storage) }

    /// Marks a leaf as trainable; returns self for chaining.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let preview = buffer.prefix(8).map { String(format: "%.4g", $0) }.joined(separator: ", ")
        return "Tensor(\(shape), [\(preview)\(count > 8 ? ", …" : "")])"
    }
}

import Foundation
