import Autodiff
import Foundation
import MediaIO
import SpeechToLatent
import Datasets

/// How well a speech-to-latent model predicts held-out frames from their speech alone
/// (pose predicted, not given), docs/architecture.md §11 "latent error of speech-to-latent":
///
/// - `latentCosine`: mean over frames of cos(predicted z_sem, true z_sem);
/// - `normalisedMSE`: mean squared error of z_sem after normalising each dimension with
///   the training statistics (what the loss measures; predicting the training mean
///   scores about 1);
/// - `poseMAEDegrees`: mean absolute error of yaw, pitch, roll in degrees;
/// - `baseline…`: the same for always predicting the training-mean z_sem, for scale.
public struct SpeechToLatentEvaluation: Codable, Equatable, Sendable {
    public var heldOutFrames: Int
    public var latentCosine: Double
    public var normalisedMSE: Double
    public var baselineLatentCosine: Double
    public var baselineNormalisedMSE: Double
    /// yaw, pitch, roll (nil without pose labels).
    public var poseMAEDegrees: [Double]?
    public var poseMAEDegreesMean: Double?

    enum CodingKeys: String, CodingKey {
        case heldOutFrames = "held_out_frames"
        case latentCosine = "latent_cosine"
        case normalisedMSE = "normalised_mse"
        case baselineLatentCosine = "baseline_latent_cosine"
        case baselineNormalisedMSE = "baseline_normalised_mse"
        case poseMAEDegrees = "pose_mae_degrees"
        case poseMAEDegreesMean = "pose_mae_degrees_mean"
    }

    /// Runs `model` on every clip (chunked inference, as `s2l predict`) and scores it.
    public static func evaluate(_ model: SpeechToLatentModel, clips: [SpeechToLatentClip]) throws -> SpeechToLatentEvaluation {
        let statistics = model.latentStatistics
        let z = statistics.dimension
        var frames = 0
        var cosine = 0.0, mse = 0.0, baselineCosine = 0.0, baselineMSE = 0.0
        var poseError = [Double](repeating: 0, count: 3)
        var poseFrames = 0
        for clip in clips {
            let (predicted, pose) = try model.predict(features: clip.features)
            let t = min(predicted.size(0), clip.latents.size(0))
            let p = predicted.pointer, q = clip.latents.pointer
            for i in 0..<t {
                var dot = 0.0, pp = 0.0, qq = 0.0, mm = 0.0, mq = 0.0
                for j in 0..<z {
                    let (a, b, m) = (Double(p[i * z + j]), Double(q[i * z + j]), Double(statistics.mean[j]))
                    let s = Double(statistics.std[j])
                    dot += a * b; pp += a * a; qq += b * b; mm += m * m; mq += m * b
                    mse += ((a - b) / s) * ((a - b) / s)
                    baselineMSE += ((m - b) / s) * ((m - b) / s)
                }
                cosine += dot / max(1e-12, (pp * qq).squareRoot())
                baselineCosine += mq / max(1e-12, (mm * qq).squareRoot())
            }
            frames += t
            if let truth = clip.pose {
                let a = pose.pointer, b = truth.pointer, pd = pose.size(1)
                for i in 0..<min(t, truth.size(0)) { for j in 0..<3 { poseError[j] += Double(abs(a[i * pd + j] - b[i * pd + j])) } }
                poseFrames += min(t, truth.size(0))
            }
        }
        guard frames > 0 else { throw DatasetError.mismatch("no held-out frames to evaluate on") }
        let n = Double(frames)
        let poseMAE = poseFrames > 0 ? poseError.map { $0 / Double(poseFrames) } : nil
        return SpeechToLatentEvaluation(
            heldOutFrames: frames, latentCosine: cosine / n, normalisedMSE: mse / (n * Double(z)),
            baselineLatentCosine: baselineCosine / n, baselineNormalisedMSE: baselineMSE / (n * Double(z)),
            poseMAEDegrees: poseMAE, poseMAEDegreesMean: poseMAE.map { $0.reduce(0, +) / 3 })
    }

    /// A few aligned lines for the terminal.
    public func table() -> String {
        var lines = [
            String(format: "held-out frames        %d", heldOutFrames),
            String(format: "z_sem cosine           %.4f   (training mean: %.4f)", latentCosine, baselineLatentCosine),
            String(format: "z_sem normalised MSE   %.4f   (training mean: %.4f)", normalisedMSE, baselineNormalisedMSE),
        ]
        if let mae = poseMAEDegrees, let mean = poseMAEDegreesMean {
            lines.append(String(format: "pose MAE (degrees)     %.2f   (yaw %.2f, pitch %.2f, roll %.2f)", mean, mae[0], mae[1], mae[2]))
        }
        return lines.joined(separator: "\n")
    }

    public func writeJSON(to url: URL) throws {
        try JSONFile.write(self, to: url)
    }
}
