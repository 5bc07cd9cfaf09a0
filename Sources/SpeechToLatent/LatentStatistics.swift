import Foundation
import NeuralNetworks

/// Per-dimension mean and standard deviation of training targets (z_sem, or head pose),
/// so the model regresses unit-scale values: every z_sem dimension weighs the same in the
/// MSE whatever its natural spread.
public struct LatentStatistics: Codable, Equatable, Sendable {
    public var mean: [Float]
    public var std: [Float]

    /// Below this a dimension counts as constant (its std becomes 1, not ~0).
    public static let minimumStd: Float = 1e-5

    public init(mean: [Float], std: [Float]) {
        precondition(mean.count == std.count, "mean has \(mean.count) dimensions, std \(std.count)")
        self.mean = mean
        self.std = std
    }

    /// Mean 0, std 1 (no change).
    public static func identity(dimension: Int) -> Self {
        LatentStatistics(mean: .init(repeating: 0, count: dimension), std: .init(repeating: 1, count: dimension))
    }

    /// From rows of training targets: each tensor (…, D), all with the same D. Sums in
    /// Double; population std.
    public init(samples: [Tensor]) throws {
        guard let d = samples.first?.shape.last, d > 0 else { throw SpeechToLatentError("latent statistics need at least one non-empty sample") }
        var sum = [Double](repeating: 0, count: d), sumSquares = [Double](repeating: 0, count: d)
        var rows = 0
        for sample in samples {
            guard sample.shape.last == d else {
                throw SpeechToLatentError("latent statistics: a sample of shape \(sample.shape) among samples of width \(d)")
            }
            let p = sample.pointer
            for row in 0..<(sample.count / d) {
                for j in 0..<d {
                    let v = Double(p[row * d + j])
                    sum[j] += v
                    sumSquares[j] += v * v
                }
            }
            rows += sample.count / d
        }
        guard rows > 0 else { throw SpeechToLatentError("latent statistics need at least one row") }
        let n = Double(rows)
        let means = sum.map { $0 / n }
        let stds = zip(sumSquares, means).map { sq, m in Float(max(0, sq / n - m * m).squareRoot()) }
        self.init(mean: means.map(Float.init), std: stds.map { $0 < Self.minimumStd ? 1 : $0 })
    }

    public var dimension: Int { mean.count }

    /// (x − mean) / std over the last dimension.
    public func normalize(_ x: Tensor) -> Tensor {
        (x - Tensor(shape: [dimension], values: mean)) / Tensor(shape: [dimension], values: std)
    }

    /// x · std + mean over the last dimension.
    public func denormalize(_ x: Tensor) -> Tensor {
        x * Tensor(shape: [dimension], values: std) + Tensor(shape: [dimension], values: mean)
    }
}
