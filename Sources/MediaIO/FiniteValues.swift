import Autodiff
import Foundation

/// The first NaN or ±∞ among `values`: its index and value (nil when all are finite).
public func firstNonFinite(_ values: UnsafeBufferPointer<Float>) -> (index: Int, value: Float)? {
    for (index, value) in values.enumerated() where !value.isFinite { return (index, value) }
    return nil
}

/// Throws `MediaIOError(.corrupt)` naming `file` and the key of the first tensor (in key
/// order) that holds a NaN or ±∞: weights, latents and noise codes must be finite, or
/// everything computed from them silently turns into NaN.
public func requireFinite(_ tensors: [String: Tensor], in file: URL) throws {
    for key in tensors.keys.sorted() {
        let tensor = tensors[key]!
        if let bad = firstNonFinite(UnsafeBufferPointer(start: tensor.pointer, count: tensor.count)) {
            throw MediaIOError(.corrupt, file: file, key: key,
                               "holds \(bad.value) at element \(bad.index) of shape \(tensor.shape); every value must be finite")
        }
    }
}
