import DiffusionAutoencoder
import Foundation
import Datasets

/// Makes a `split_erasure` model's erasure exact on its training frames: encodes them, fits
/// `ErasureProjection(u: z_exp, labels: [pose | speaker one-hot])` on every one of them and
/// folds it into the encoder, so z_exp's covariance with pose and speaker is 0 there.
///
/// Why after training: the erasure a run folds in comes from running moments of a z_exp that
/// kept moving, and a moment estimate from a few hundred frames of 500 channels is noisy
/// (the error of an estimated speaker mean grows as √(channels / frames)); what it misses
/// stays linearly readable. The frames used are the data sets' training parts (the trainer's
/// split: `heldOutFraction`, `gapSeconds`), never the held-out ends the probes test on.
public enum SplitErasureCalibration {
    public struct Result: Sendable {
        public var frames: Int
        /// Directions erased (≤ 3 + speakers − 1).
        public var directions: Int
        /// The share of z_exp's variance (about its mean) those directions held before.
        public var removedShare: Double
    }

    /// Calibrates `model` in place. Every data set needs pose.csv; `stride` takes every
    /// stride-th training frame. `progress(done, total)` per encoded batch.
    public static func calibrate(model: DiffAE, datasets: [SpeakerDataset], split: LatentSplit, heldOutFraction: Double = 0.1,
                                 gapSeconds: Double = 1, stride: Int = 1, progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        precondition(stride >= 1 && !datasets.isEmpty, "calibration over \(datasets.count) data sets, stride \(stride)")
        guard split.total == model.config.zSemChannels, split.expression > 0 else {
            throw DatasetError.mismatch("latent split \(split) does not fit the model's \(model.config.zSemChannels)-wide z_sem with a z_exp")
        }
        let plans = try datasets.map { ds -> [Int] in
            guard ds.pose != nil else {
                throw DatasetError.notADataset(ds.root.appendingPathComponent("pose.csv"), "the erasure of the pose needs every frame's pose")
            }
            let train = ds.split(heldOutFraction: heldOutFraction, gapSeconds: gapSeconds).train
            return Array(Swift.stride(from: train.lowerBound, to: train.upperBound, by: stride))
        }
        let total = plans.map(\.count).reduce(0, +), speakers = datasets.count >= 2 ? datasets.count : 0
        var u = Matrix(rows: total, columns: split.expression), y = Matrix(rows: total, columns: 3 + speakers)
        var row = 0
        for (s, ds) in datasets.enumerated() {
            let pose = ds.pose!
            for start in Swift.stride(from: 0, to: plans[s].count, by: 64) {
                let chunk = Array(plans[s][start..<Swift.min(start + 64, plans[s].count)])
                let z = model.encode(try ds.frames(chunk, size: model.config.imageSize))  // (n, Z)
                let width = model.config.zSemChannels
                for (k, frame) in chunk.enumerated() {
                    for c in 0..<split.expression { u[row, c] = Double(z.values[k * width + split.id + split.pose + c]) }
                    y[row, 0] = Double(pose.yaw[frame]); y[row, 1] = Double(pose.pitch[frame]); y[row, 2] = Double(pose.roll[frame])
                    if speakers > 0 { y[row, 3 + s] = 1 }
                    row += 1
                }
                progress(row, total)
            }
        }
        guard let projection = ErasureProjection(u: u, labels: y) else { return Result(frames: total, directions: 0, removedShare: 0) }
        // The variance share of the erased directions: ‖(u − μ) Q‖² / ‖u − μ‖².
        let mean = u.columnMeans(), r = projection.basis.shape[1]
        for i in 0..<total { for c in 0..<split.expression { u[i, c] -= mean[c] } }
        let q = Matrix(rows: split.expression, columns: r, values: projection.basis.values.map(Double.init))
        let inBasis = u.multiplied(by: q).values.reduce(0) { $0 + $1 * $1 }, all = u.values.reduce(0) { $0 + $1 * $1 }
        model.encoder.foldErasure(projection, channels: split.expressionRange)
        return Result(frames: total, directions: r, removedShare: all > 0 ? inBasis / all : 0)
    }
}
