import DiffusionAutoencoder
import Foundation
import NeuralNetworks

/// Linear concept erasure (after Ravfogel et al.'s INLP and Belrose et al.'s LEACE, 2023):
/// removes from a latent part u (D) every direction along which it covaries with labels y (K),
/// so no linear readout of the erased part — a ridge probe included — predicts y better than
/// a constant on data like the moments', while the rest of u passes unchanged.
///
///     moments   `RunningMoments` of [u | y] (decay `decay`), observed before erasure
///     basis     Q (D, r), orthonormal columns spanning Σ_uy's columns (Gram–Schmidt;
///               r ≤ K, fewer when labels are dependent, e.g. one-hot speakers)
///     erase     u' = u − (u − μ_u) Q Qᵀ                 on the tape; Q, μ_u constant
///
/// Then Cov(u', y) = (I − QQᵀ) Σ_uy = 0. The orthogonal projector is the smallest linear
/// change that achieves it (minimal Frobenius norm of QQᵀ among maps A with AΣ_uy = Σ_uy).
///
/// Why a training pressure needs this and not only a penalty: the split's linear adversaries
/// (`RunningRidgeReadout`) lowered a batch's leak score, yet a probe still read identity and
/// pose from z_exp at R² ≈ 1: the UNet had learned to read them
/// there. Erased, z_exp gives the UNet no speaker mean and no pose direction to read, so the
/// reconstruction loss itself has to route identity and pose through z_id and z_pose.
/// Only linear dependence is removed: a nonlinear readout could still find some.
///
/// Being affine, the erasure folds into the layer that makes u (`fold`): a trained model
/// then needs no extra layer, and its checkpoint keeps DiffAE's keys.
public final class LinearErasure: LatentLabelMoments {
    /// The projection for the moments after `observed` batches.
    private var _cached: (observed: Int, projection: ErasureProjection)?

    /// `decay` 0.99: the moments span the last ~100 batches. The part keeps moving while it is
    /// trained, and an erasure from older moments misses where it has moved to. Observe the
    /// part before erasure. Until `warmupBatches` the part passes unchanged.
    public override init(dimension: Int, labels: Int, decay: Double = 0.99, warmupBatches: Int = 20) {
        super.init(dimension: dimension, labels: labels, decay: decay, warmupBatches: warmupBatches)
    }

    /// The erasure the moments give; nil before `warmupBatches` or when u does not covary with y.
    public func projection() -> ErasureProjection? {
        let t = batchesObserved
        if let c = _cached, c.observed == t { return c.projection }
        guard let (mean, covariance) = warmStatistics() else { return nil }
        let d = dimension, cross = Matrix(rows: d, columns: labels, values: (0..<d).flatMap { i in (0..<labels).map { covariance[i, d + $0] } })
        guard let projection = ErasureProjection(mean: Array(mean[0..<d]), crossCovariance: cross) else { return nil }
        _cached = (t, projection)
        return projection
    }

    /// u (N, D) → u − (u − μ_u) Q Qᵀ (N, D); u unchanged before the moments are warm.
    public func callAsFunction(_ u: Tensor) -> Tensor { projection()?(u) ?? u }
}

/// One linear erasure, u ↦ u − (u − μ_u) Q Qᵀ: Q (D, r) orthonormal columns spanning Σ_uy's,
/// from running moments (`LinearErasure`) or exactly from a sample (`init(u:labels:)`).
public struct ErasureProjection {
    public let mean: Tensor   // (1, D): μ_u
    public let basis: Tensor  // (D, r): Q

    /// From μ_u (D) and Σ_uy (D, K); nil when u does not covary with y.
    public init?(mean: [Double], crossCovariance: Matrix) {
        let d = crossCovariance.rows
        precondition(mean.count == d, "a mean of \(mean.count) for \(d) channels")
        let q = ErasureProjection.orthonormalBasis((0..<crossCovariance.columns).map(crossCovariance.column))
        guard !q.isEmpty else { return nil }
        basis = Tensor(shape: [d, q.count], values: (0..<d).flatMap { i in q.map { Float($0[i]) } })
        self.mean = Tensor(shape: [1, d], values: mean.map(Float.init))
    }

    /// Exactly from rows u (N, D) and their labels y (N, K): Cov(u', y) = 0 on this sample.
    public init?(u: Matrix, labels y: Matrix) {
        precondition(u.rows == y.rows && u.rows >= 2, "\(u.rows) rows of u, \(y.rows) of labels")
        let uMean = u.columnMeans()
        var yc = y  // centring y alone is enough: Σ (u − μ_u)(y − μ_y)ᵀ = Σ u (y − μ_y)ᵀ
        for (c, m) in y.columnMeans().enumerated() { for r in 0..<y.rows { yc[r, c] -= m } }
        var cross = u.multiplied(by: yc, transposeSelf: true)  // (D, K): N Σ_uy
        cross.values = cross.values.map { $0 / Double(u.rows) }
        self.init(mean: uMean, crossCovariance: cross)
    }

    public var dimension: Int { basis.shape[0] }

    public func callAsFunction(_ u: Tensor) -> Tensor {
        let coordinates = matmul(u - mean, basis)  // (N, r)
        return u - matmul(coordinates, basis.transposed(0, 1))
    }

    /// Folds the erasure into the affine map that makes u, u = W f + b with W (D, F) row-major
    /// and b (D): W ← (I − QQᵀ) W, b ← (I − QQᵀ) b + QQᵀ μ_u.
    public func fold(weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>, inputs f: Int) {
        let d = dimension, r = basis.shape[1], qv = basis.values.map(Double.init), m = mean.values.map(Double.init)
        func project(_ column: (Int) -> Double, _ write: (Int, Double) -> Void) {  // x ← x − QQᵀx
            var x = (0..<d).map(column)
            for k in 0..<r {
                let dot = (0..<d).reduce(0.0) { $0 + qv[$1 * r + k] * x[$1] }
                for i in 0..<d { x[i] -= dot * qv[i * r + k] }
            }
            for i in 0..<d { write(i, x[i]) }
        }
        for c in 0..<f { project({ Double(weight[$0 * f + c]) }, { weight[$0 * f + c] = Float($1) }) }
        var erasedMean = [Double](repeating: 0, count: d)
        project({ m[$0] }, { erasedMean[$0] = $1 })  // (I − QQᵀ) μ
        // b' = (I − QQᵀ) b + μ − (I − QQᵀ) μ
        project({ Double(bias[$0]) }, { bias[$0] = Float($1 + m[$0] - erasedMean[$0]) })
    }

    /// Orthonormal vectors spanning `columns` (modified Gram–Schmidt, twice for accuracy);
    /// a column whose remainder is below 1e-6 of the largest column's norm adds nothing.
    static func orthonormalBasis(_ columns: [[Double]]) -> [[Double]] {
        func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
        let scale = columns.map(norm).max() ?? 0
        guard scale > 0 else { return [] }
        var basis: [[Double]] = []
        for column in columns {
            var v = column
            for _ in 0..<2 {
                for b in basis {
                    let dot = zip(b, v).reduce(0) { $0 + $1.0 * $1.1 }
                    for i in v.indices { v[i] -= dot * b[i] }
                }
            }
            let length = norm(v)
            if length > 1e-6 * scale { basis.append(v.map { $0 / length }) }
        }
        return basis
    }
}

extension SemanticEncoder {
    /// Folds `erasure` into the channels `channels` of the output convolution (z_sem's
    /// affine last layer), so the encoder itself emits the erased part.
    public func foldErasure(_ erasure: ErasureProjection, channels: Range<Int>) {
        let conv = semanticProjection
        guard let bias = conv.bias else { preconditionFailure("the encoder's output convolution has no bias") }
        precondition(channels.count == erasure.dimension && channels.upperBound <= bias.count,
                     "an erasure of \(erasure.dimension) channels folded into \(channels)")
        let inputs = conv.weight.count / bias.count  // (Z, F, 1, 1)
        erasure.fold(weight: conv.weight.pointer + channels.lowerBound * inputs, bias: bias.pointer + channels.lowerBound,
                     inputs: inputs)
    }
}
