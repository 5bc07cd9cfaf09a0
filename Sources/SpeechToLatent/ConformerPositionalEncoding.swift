import Foundation
import NeuralNetworks

/// espnet's `RelPositionalEncoding`: scales the input by √D and returns, beside it, the
/// sinusoids of the relative positions T−1, T−2, …, −(T−1) that the self-attention's
/// position term reads. Both go through dropout, as in espnet. No parameters.
public final class ConformerPositionalEncoding: Module {
    public let dimension: Int
    public let dropout: Dropout
    /// Sinusoid tables by sequence length (they are fixed).
    private var _tables: [Int: Tensor] = [:]

    public init(dimension: Int, dropout p: Float, rng: inout RandomGenerator) {
        self.dimension = dimension
        dropout = Dropout(p: p, rng: &rng)
    }

    /// x (B, T, D) → (x·√D, positions (1, 2T−1, D)).
    public func callAsFunction(_ x: Tensor) -> (Tensor, positions: Tensor) {
        let t = x.size(1)
        let table = _tables[t] ?? relativePositionSinusoids(length: t, dimension: dimension)
        _tables[t] = table
        return (dropout(x * Float(dimension).squareRoot()), dropout(table))
    }
}

/// (1, 2T−1, D): row r holds position p = T−1−r as sin(p·ωᵢ) at even i, cos(p·ωᵢ) at odd i,
/// ωᵢ = 10000^(−i/D) for the even index i of each pair.
public func relativePositionSinusoids(length t: Int, dimension d: Int) -> Tensor {
    let rows = 2 * t - 1
    let table = Tensor(uninitializedShape: [1, rows, d])
    let p = table.pointer
    for row in 0..<rows {
        let position = Double(t - 1 - row)
        for i in stride(from: 0, to: d, by: 2) {
            let angle = position * exp(-Double(i) * log(10000.0) / Double(d))
            p[row * d + i] = Float(sin(angle))
            if i + 1 < d { p[row * d + i + 1] = Float(cos(angle)) }
        }
    }
    return table
}

/// Transformer-XL's relative shift as espnet does it: scores against relative positions
/// T−1 … −(T−1), (B, H, T, 2T−1), re-indexed so column j is key j, (B, H, T, T).
/// Pad one zero column in front, view as (2T, T), drop the first row, view back, keep T columns.
func relativeShift(_ scores: Tensor) -> Tensor {
    let (b, h, t, p) = (scores.size(0), scores.size(1), scores.size(2), scores.size(3))
    let padded = concat([Tensor.zeros([b, h, t, 1]), scores], dim: 3)           // (B, H, T, P+1)
    let folded = padded.reshaped([b, h, p + 1, t]).slice(dim: 2, 1..<(p + 1))    // (B, H, P, T)
    return folded.reshaped([b, h, t, p]).slice(dim: 3, 0..<t)                    // (B, H, T, T)
}
