import Autodiff
import Foundation
import MediaIO
import Datasets
import DrawnFace

/// Correlation and mean absolute error of a measured series against its truth.
public struct SeriesAgreement: Codable, Equatable, Sendable {
    public var correlation: Double
    public var meanAbsoluteError: Double
    public var frames: Int

    public init(measured: [Double], truth: [Double]) {
        correlation = Agreement.correlation(measured, truth)
        meanAbsoluteError = Agreement.meanAbsoluteError(measured, truth)
        frames = measured.count
    }

    enum CodingKeys: String, CodingKey {
        case correlation, frames
        case meanAbsoluteError = "mae"
    }
}

/// What `talkingface eval` reports (docs/architecture.md §11). Angles in degrees, mouth opening as a
/// fraction of the image height. JSON keys are snake_case.
public struct EvaluationReport: Codable, Equatable, Sendable {
    public var frames: Int
    public var psnr: Double                 // mean over frames, dB (identical frames excluded from the mean)
    public var ssim: Double                 // mean over frames
    public var cpbdPredicted: Double
    public var cpbdTruth: Double
    public var jitterPredicted: Double      // mean |frame t − frame t−1| over pixels, images in [0, 1]
    public var jitterTruth: Double
    public var jitterRatio: Double          // predicted ÷ truth (1 = as steady as the truth)
    public var mouthOpening: SeriesAgreement?
    /// With factors.csv as the truth: the same measurement of the truth frames themselves
    /// against it. A perfect prediction scores this, so it is the attainable ceiling.
    public var truthFramesMouthOpening: SeriesAgreement?
    public var yawDegrees: SeriesAgreement?
    public var rollDegrees: SeriesAgreement?
    /// Where the truth of the analytic series came from: "factors.csv" or "truth frames".
    public var analyticTruth: String?

    enum CodingKeys: String, CodingKey {
        case frames, psnr, ssim
        case cpbdPredicted = "cpbd_pred", cpbdTruth = "cpbd_truth"
        case jitterPredicted = "jitter_pred", jitterTruth = "jitter_truth", jitterRatio = "jitter_ratio"
        case mouthOpening = "mouth_opening", yawDegrees = "yaw_deg", rollDegrees = "roll_deg"
        case truthFramesMouthOpening = "mouth_opening_of_truth_frames"
        case analyticTruth = "analytic_truth"
    }

    /// A plain-text table for the terminal.
    public func table() -> String {
        func f(_ x: Double, _ digits: Int = 3) -> String { x.isFinite ? String(format: "%.\(digits)f", x) : "—" }
        var lines = ["metric                      value", "--------------------------  ------------"]
        func row(_ name: String, _ value: String) { lines.append(name.padding(toLength: 28, withPad: " ", startingAt: 0) + value) }
        row("frames", String(frames))
        row("PSNR (dB)", f(psnr, 2))
        row("SSIM", f(ssim, 4))
        row("CPBD sharpness pred/truth", "\(f(cpbdPredicted)) / \(f(cpbdTruth))")
        row("jitter pred/truth", "\(f(jitterPredicted, 4)) / \(f(jitterTruth, 4))")
        row("jitter ratio", f(jitterRatio))
        for (name, a) in [("mouth opening", mouthOpening), ("  (truth frames)", truthFramesMouthOpening),
                          ("yaw (deg)", yawDegrees), ("roll (deg)", rollDegrees)] {
            if let a { row("\(name) corr / MAE", "\(f(a.correlation)) / \(f(a.meanAbsoluteError, 4))  (\(a.frames) frames)") }
        }
        if let analyticTruth { row("analytic truth from", analyticTruth) }
        return lines.joined(separator: "\n")
    }

    public func writeJSON(to url: URL) throws {
        try JSONFile.write(self, to: url) { encoder in
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        }
    }
}

/// Compares generated frames with ground truth.
public enum Evaluation {
    /// The folder holding `00000.png …`: `url/frames` for a data set (whenever it has a
    /// `frames`, so a damaged one is reported rather than passed over), else `url` itself.
    public static func frameFolder(_ url: URL) -> URL {
        let frames = url.appendingPathComponent("frames")
        return FileManager.default.fileExists(atPath: frames.path) ? frames : url
    }

    /// Evaluates the first min(pred, truth) frames. Predicted frames of another size are
    /// centre-cropped and resized to the truth's size. Analytic mouth/pose agreement is
    /// computed when the truth is synthetic (has `factors.csv`, used as the truth; the truth
    /// frames are measured against it too, as the ceiling) or when `analytic` is forced on
    /// (then the measured truth frames are the truth).
    public static func evaluate(pred: URL, truth: URL, analytic: Bool? = nil,
                                progress: (Int, Int) -> Void = { _, _ in }) throws -> EvaluationReport {
        for url in [pred, truth] {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder), isFolder.boolValue else {
                throw DatasetError.notADataset(url, "no such folder")
            }
        }
        // Checked as a data set's frames are: no gap, one size per folder, every file a PNG.
        let predFolder = frameFolder(pred), truthFolder = frameFolder(truth)
        let truthFrames = try FrameFolder(truthFolder)
        let n = min(try FrameFolder(predFolder).count, truthFrames.count)
        guard n > 0 else {
            throw DatasetError.mismatch("no frames to compare: \(predFolder.path) and \(truthFolder.path) need 00000.png …")
        }
        // Predicted frames are brought to the truth's size, so the truth's must fit SSIM's window.
        let side = ImageQuality.smallestSSIMSide
        guard truthFrames.width >= side, truthFrames.height >= side else {
            throw DatasetError.invalid(truthFolder.appendingPathComponent(Video.frameName(0)), key: "frame 0",
                                       "\(truthFrames.width)×\(truthFrames.height) pixels; eval needs frames of at least \(side)×\(side) (SSIM's window)")
        }
        let factorsURL = truth.appendingPathComponent("factors.csv")
        let factors = FileManager.default.fileExists(atPath: factorsURL.path) ? try CSVTable.read(factorsURL) : nil
        let doAnalytic = analytic ?? (factors != nil)

        struct PerFrame {
            var psnr = 0.0, ssim = 0.0, cpbdPred = 0.0, cpbdTruth = 0.0, jitterPred = 0.0, jitterTruth = 0.0
            var measuredPred: FaceMeasurement?, measuredTruth: FaceMeasurement?
        }
        var results = [PerFrame](repeating: PerFrame(), count: n)
        let failure = FirstError()
        func load(_ folder: URL, _ i: Int) throws -> RGBImage {
            try RGBImage(frame: i, in: folder)
        }
        let batch = 32
        var previous: (pred: RGBImage, truth: RGBImage)? = nil
        for start in stride(from: 0, to: n, by: batch) {
            let count = min(batch, n - start)
            var images = [(pred: RGBImage, truth: RGBImage)?](repeating: nil, count: count)
            try images.withUnsafeMutableBufferPointer { slots in
                nonisolated(unsafe) let slots = slots
                Parallel.forEach(count) { k in
                    do {
                        let t = try load(truthFolder, start + k)
                        var p = try load(predFolder, start + k)
                        if p.width != t.width || p.height != t.height { p = p.centreSquare().resized(width: t.width, height: t.height) }
                        slots[k] = (p, t)
                    } catch { failure.record(error) }
                }
                try failure.rethrow()
            }
            results.withUnsafeMutableBufferPointer { out in
                nonisolated(unsafe) let out = out
                let images = images
                Parallel.forEach(count) { k in
                    let (p, t) = images[k]!
                    var r = PerFrame()
                    r.psnr = ImageQuality.psnr(p, t)
                    r.ssim = ImageQuality.ssim(p, t)
                    r.cpbdPred = Sharpness.cpbd(p)
                    r.cpbdTruth = Sharpness.cpbd(t)
                    if doAnalytic {
                        r.measuredPred = FaceMeasurement.measure(p)
                        r.measuredTruth = FaceMeasurement.measure(t)
                    }
                    out[start + k] = r
                }
            }
            // frame-to-frame change needs the neighbour, across batch boundaries too
            for k in 0..<count {
                let current = images[k]!
                if let before = k > 0 ? images[k - 1]! : previous {
                    results[start + k].jitterPred = meanAbsoluteDifference(current.pred, before.pred)
                    results[start + k].jitterTruth = meanAbsoluteDifference(current.truth, before.truth)
                }
            }
            previous = images[count - 1]!
            progress(start + count, n)
        }

        func mean(_ xs: [Double]) -> Double {
            let finite = xs.filter(\.isFinite)
            return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
        let jitterPred = n > 1 ? mean(results.dropFirst().map(\.jitterPred)) : .nan
        let jitterTruth = n > 1 ? mean(results.dropFirst().map(\.jitterTruth)) : .nan
        var report = EvaluationReport(
            frames: n, psnr: mean(results.map(\.psnr)), ssim: mean(results.map(\.ssim)),
            cpbdPredicted: mean(results.map(\.cpbdPred)), cpbdTruth: mean(results.map(\.cpbdTruth)),
            jitterPredicted: jitterPred, jitterTruth: jitterTruth, jitterRatio: jitterPred / jitterTruth)

        if doAnalytic {
            var truthMouth: [Double], truthYaw: [Double?], truthRoll: [Double?]
            let truthFramesMouth = results.map { Double($0.measuredTruth!.mouthOpening) }
            if let factors {
                guard factors.rows.count >= n else {
                    throw DatasetError.mismatch("\(factorsURL.path) has \(factors.rows.count) rows for \(n) frames")
                }
                truthMouth = try factors.column("mouth_opening", in: factorsURL).prefix(n).map(Double.init)
                let blink = try factors.column("blink", in: factorsURL)
                let yaw = try factors.column("yaw", in: factorsURL), roll = try factors.column("roll", in: factorsURL)
                // angles are only comparable where the eyes are open
                truthYaw = (0..<n).map { blink[$0] < 0.3 ? Double(yaw[$0]) : nil }
                truthRoll = (0..<n).map { blink[$0] < 0.3 ? Double(roll[$0]) : nil }
                report.analyticTruth = "factors.csv"
                report.truthFramesMouthOpening = SeriesAgreement(measured: truthFramesMouth, truth: truthMouth)
            } else {
                truthMouth = truthFramesMouth
                truthYaw = results.map { $0.measuredTruth!.yaw.map(Double.init) }
                truthRoll = results.map { $0.measuredTruth!.roll.map(Double.init) }
                report.analyticTruth = "truth frames"
            }
            report.mouthOpening = SeriesAgreement(measured: results.map { Double($0.measuredPred!.mouthOpening) }, truth: truthMouth)
            func angles(_ truth: [Double?], _ measured: (FaceMeasurement) -> Float?) -> SeriesAgreement {
                var m: [Double] = [], t: [Double] = []
                for i in 0..<n {
                    if let ti = truth[i], let mi = measured(results[i].measuredPred!) {
                        m.append(Double(mi) * 180 / .pi)
                        t.append(ti * 180 / .pi)
                    }
                }
                return SeriesAgreement(measured: m, truth: t)
            }
            report.yawDegrees = angles(truthYaw, \.yaw)
            report.rollDegrees = angles(truthRoll, \.roll)
        }
        return report
    }

    static func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        var sum: Float = 0
        for i in a.data.indices { sum += abs(a.data[i] - b.data[i]) }
        return Double(sum) / Double(a.data.count)
    }
}
