import DiffusionAutoencoder
import Foundation
import NeuralNetworks

/// The ridge regression from a latent part u (D) to labels y (K) that a linear probe would
/// fit, refitted in closed form from running moments of (u, y): a training pressure can then
/// push against exactly what such a probe reads (an adversary: `squaredCorrelation` → 0), or
/// for it (a readout to keep: 1 − `squaredCorrelation` → 0), with no head that has to learn.
///
///     moments   `RunningMoments` of v = [u | y] (decay `decay`): buffers, so a checkpoint
///               resumes them exactly
///     readout   B = S (S Σ_uu S + ridge · I)⁻¹ S Σ_uy                         (D, K)
///               S = diag(1/std(u)): like the probes, on standardised channels, so a
///               channel of small spread is read as readily as a wide one
///     score     mean over k of corr_batch(u · B_k, y_k)²             on the tape through u
///
/// Why not per-channel correlations (`LatentSplitLoss.meanSquaredCorrelation`): a probe
/// combines hundreds of channels, each nearly uncorrelated with the label, into one that
/// predicts it well. B is that combination. Squared correlation rather than covariance, so
/// shrinking u along B cannot win; B follows u as training moves it. A label column that is
/// constant over the batch adds 0.
public final class RunningRidgeReadout: LatentLabelMoments {
    public let ridge: Double

    /// The readout for the moments after `observed` batches (a function of the buffers).
    private var _readout: (observed: Int, directions: Tensor)?

    public init(dimension: Int, labels: Int, decay: Double = 0.995, ridge: Double = 1e-3, warmupBatches: Int = 20) {
        self.ridge = ridge
        super.init(dimension: dimension, labels: labels, decay: decay, warmupBatches: warmupBatches)
    }

    /// B (D, K) from the moments so far; nil before `warmupBatches` or if Σ_uu is singular.
    public func readout() -> Tensor? {
        let t = batchesObserved
        if let cached = _readout, cached.observed == t { return cached.directions }
        guard let (_, sigma) = warmStatistics() else { return nil }
        let d = dimension
        var covariance = Matrix(rows: d, columns: d), crossCovariance = Matrix(rows: d, columns: labels)
        for i in 0..<d {
            for j in 0..<d { covariance[i, j] = sigma[i, j] }
            for k in 0..<labels { crossCovariance[i, k] = sigma[i, d + k] }
        }
        let inverseStd = (0..<d).map { covariance[$0, $0] > 0 ? 1 / covariance[$0, $0].squareRoot() : 0 }
        for i in 0..<d {
            for j in 0..<d { covariance[i, j] *= inverseStd[i] * inverseStd[j] }
            covariance[i, i] += ridge
            for k in 0..<labels { crossCovariance[i, k] *= inverseStd[i] }
        }
        guard let b = choleskySolve(covariance, crossCovariance) else { return nil }  // on standardised u
        let directions = Tensor(shape: [d, labels], values: (0..<(d * labels)).map { Float(b.values[$0] * inverseStd[$0 / labels]) })
        _readout = (t, directions)
        return directions
    }

    /// `squaredCorrelation` of this batch from the moments before it, then (with `observe`)
    /// the batch added to them: one training step's use of a readout.
    public func score(_ u: Tensor, _ y: Tensor, observe: Bool) -> Tensor? {
        let score = squaredCorrelation(u, y)
        if observe { self.observe(u, y) }
        return score
    }

    /// Mean squared batch correlation between each label and its readout; nil before the
    /// moments are warm. u (N, D) on the tape, y (N, K) constant.
    public func squaredCorrelation(_ u: Tensor, _ y: Tensor) -> Tensor? {
        guard let b = readout() else { return nil }
        let readOut = matmul(u, b)  // (N, K)
        let labels = withoutGradients { LatentSplitLoss.standardisedColumns(y.detached()) }
        let correlation = (LatentSplitLoss.standardisedColumns(readOut) * labels).mean(dims: [0])  // (K)
        return square(correlation).mean()
    }
}
