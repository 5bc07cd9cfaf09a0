import DiffusionAutoencoder
import Foundation
import NeuralNetworks

/// Exponential running mean and covariance of a vector v (width W) observed a batch at a
/// time: the state behind `RunningRidgeReadout` and `LinearErasure`.
///
///     mean, moment   averages over batches (decay `decay`) of v − o and (v − o)(v − o)ᵀ,
///                    o the first batch's mean; buffers, so a checkpoint resumes them exactly.
///                    The shift keeps Float moments exact enough: z_sem channels can sit at
///                    −180 and vary by 0.1, and E[v²] − E[v]² would then lose every digit
///     statistics     the bias-corrected mean and covariance (the averages start at 0)
public final class RunningMoments: Module {
    public let width: Int
    public let decay: Double

    @Buffer var origin: Tensor    // (W): o, the first observed batch's mean
    @Buffer var mean: Tensor      // (W): running E[v − o]
    @Buffer var moment: Tensor    // (W, W): running E[(v − o)(v − o)ᵀ]
    @Buffer var observed: Tensor  // (1): batches observed

    public init(width: Int, decay: Double) {
        precondition(width > 0 && decay > 0 && decay < 1, "running moments of width \(width), decay \(decay)")
        self.width = width
        self.decay = decay
        origin = Tensor.zeros([width])
        mean = Tensor.zeros([width])
        moment = Tensor.zeros([width, width])
        observed = Tensor.zeros([1])
        super.init()
    }

    public var batchesObserved: Int { Int(observed.pointer[0]) }

    /// Adds a batch of rows v (N, W).
    public func observe(_ batch: Matrix) {
        precondition(batch.columns == width, "running moments of width \(width) given \(batch.columns) columns")
        var v = batch
        if batchesObserved == 0 {
            for (c, value) in v.columnMeans().enumerated() { origin.pointer[c] = Float(value) }
        }
        for r in 0..<v.rows { for c in 0..<width { v[r, c] -= Double(origin.pointer[c]) } }
        let second = v.multiplied(by: v, transposeSelf: true)  // (W, W): sums over the batch
        let keep = decay, take = 1 - decay
        for (c, batchMean) in v.columnMeans().enumerated() {
            mean.pointer[c] = Float(keep * Double(mean.pointer[c]) + take * batchMean)
        }
        let takeSum = take / Double(v.rows)
        for i in 0..<(width * width) {
            moment.pointer[i] = Float(keep * Double(moment.pointer[i]) + takeSum * second.values[i])
        }
        observed.pointer[0] += 1
    }

    /// Rows [u | y] of u (N, D) and y (N, K) as one (N, D + K) batch, in Double.
    public static func rows(_ u: Tensor, _ y: Tensor) -> Matrix {
        let n = u.shape[0], d = u.shape[1], k = y.shape[1]
        precondition(y.shape[0] == n, "\(n) rows of u, \(y.shape[0]) of y")
        let uValues = u.detached().values, yValues = y.detached().values
        var v = Matrix(rows: n, columns: d + k)
        for r in 0..<n {
            for c in 0..<d { v[r, c] = Double(uValues[r * d + c]) }
            for c in 0..<k { v[r, d + c] = Double(yValues[r * k + c]) }
        }
        return v
    }

    /// The bias-corrected mean (W) and covariance (W, W) of v; nil before the first batch.
    public func statistics() -> (mean: [Double], covariance: Matrix)? {
        let t = batchesObserved
        guard t > 0 else { return nil }
        let correction = 1 / (1 - Foundation.pow(decay, Double(t)))
        let shifted = (0..<width).map { Double(mean.pointer[$0]) * correction }  // E[v − o]
        var covariance = Matrix(rows: width, columns: width)
        for i in 0..<width {
            for j in 0..<width { covariance[i, j] = Double(moment.pointer[i * width + j]) * correction - shifted[i] * shifted[j] }
        }
        return ((0..<width).map { shifted[$0] + Double(origin.pointer[$0]) }, covariance)
    }
}

/// Running moments of a latent part u (D) beside its labels y (K), after a warm-up of a few
/// batches: what `RunningRidgeReadout` and `LinearErasure` are computed from.
public class LatentLabelMoments: Module {
    public let dimension: Int  // D
    public let labels: Int     // K
    /// Batches observed before the statistics are used (a few are needed to mean anything).
    public let warmupBatches: Int
    public let moments: RunningMoments  // of [u | y] (D + K)

    init(dimension: Int, labels: Int, decay: Double, warmupBatches: Int) {
        precondition(dimension > 0 && labels > 0, "moments of \(dimension) channels beside \(labels) labels")
        self.dimension = dimension
        self.labels = labels
        self.warmupBatches = warmupBatches
        moments = RunningMoments(width: dimension + labels, decay: decay)
        super.init()
    }

    public var batchesObserved: Int { moments.batchesObserved }

    /// Adds a batch u (N, D) and its labels y (N, K) to the moments (no gradient).
    public func observe(_ u: Tensor, _ y: Tensor) {
        precondition(u.shape == [u.shape[0], dimension] && y.shape == [u.shape[0], labels],
                     "moments of (N, \(dimension)) beside (N, \(labels)) given \(u.shape), \(y.shape)")
        moments.observe(RunningMoments.rows(u, y))
    }

    /// The mean and covariance of [u | y] once `warmupBatches` have been observed.
    func warmStatistics() -> (mean: [Double], covariance: Matrix)? {
        batchesObserved >= warmupBatches ? moments.statistics() : nil
    }
}
