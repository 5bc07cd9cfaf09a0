import NeuralNetworks

/// Which frames of a padded batch are real, in the three layouts the model needs
/// (1 = real frame, 0 = padding).
public struct FrameMask {
    /// (B, T): per frame, e.g. for masked losses as (B, T, 1).
    public let frames: Tensor
    /// (B, 1, 1, T): attention key mask.
    public let keys: Tensor
    /// (B, 1, T): zeroes padded frames of a (B, C, T) tensor.
    public let channels: Tensor

    /// lengths[b] real frames out of `length`.
    public init(lengths: [Int], length t: Int) {
        precondition(lengths.allSatisfy { (0...t).contains($0) }, "frame lengths \(lengths) outside 0...\(t)")
        let b = lengths.count
        var values = [Float](repeating: 0, count: b * t)
        for (i, n) in lengths.enumerated() { for j in 0..<n { values[i * t + j] = 1 } }
        frames = Tensor(shape: [b, t], values: values)
        keys = frames.reshaped([b, 1, 1, t])
        channels = frames.reshaped([b, 1, t])
    }
}
