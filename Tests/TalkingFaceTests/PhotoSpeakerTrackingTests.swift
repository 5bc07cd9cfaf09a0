import Datasets
import FaceTracking
import Foundation
import MediaIO
import XCTest

/// How well the tracker follows a photo speaker's frames (a measurement, not a check): set
/// TF_PHOTO_DATASET to a folder `synth --photo` wrote (a speaker_NN folder). Prints the NME of
/// the tracked landmarks against landmarks.csv (÷ the truth's inter-ocular distance) and the
/// correlation of factors.csv's jaw_open with the mouth opening the tracker measures
/// (inner-lip gap ÷ mouth width, landmarks 60–67 and corners 48/54).
final class PhotoSpeakerTrackingTests: XCTestCase {
    func testTrackerAgainstGroundTruthLandmarks() throws {
        guard let path = ProcessInfo.processInfo.environment["TF_PHOTO_DATASET"] else {
            throw XCTSkip("set TF_PHOTO_DATASET to a synth --photo speaker folder to measure")
        }
        let root = URL(fileURLWithPath: path)
        let truthURL = root.appendingPathComponent("landmarks.csv"), factorsURL = root.appendingPathComponent("factors.csv")
        let truthTable = try CSVTable.read(truthURL)
        let columns = try (0..<FaceLandmarks.count).map { i in
            (try truthTable.column("x\(i)", in: truthURL), try truthTable.column("y\(i)", in: truthURL))
        }
        let factors = try CSVTable.read(factorsURL)
        let jaw = try factors.column("jaw_open", in: factorsURL)
        let tracker = try FaceTracker()
        var errors: [Float] = [], tracked: [Float] = [], truthOpening: [Float] = [], jawSeen: [Float] = []
        var missed = 0
        for f in 0..<truthTable.rows.count {
            let truth = FaceLandmarks(points: columns.map { SIMD2($0.0[f], $0.1[f]) })
            let image = RGBImage(try PNG.read(root.appendingPathComponent("frames").appendingPathComponent(Video.frameName(f))))
            guard let box = try tracker.detectFaces(in: image, upsample: 0...1).max(by: { $0.area < $1.area }) else {
                missed += 1
                continue
            }
            let points = try tracker.landmarks(in: image, face: box)
            errors.append(points.normalisedError(against: truth))
            tracked.append(points.mouthOpening)
            truthOpening.append(truth.mouthOpening)
            jawSeen.append(jaw[f])
        }
        let sorted = errors.sorted()
        print(String(format: "photo speaker %@: %d frames, %d without a face; NME mean %.4f, median %.4f, p90 %.4f",
                     root.path, truthTable.rows.count, missed, errors.reduce(0, +) / Float(max(errors.count, 1)),
                     sorted[sorted.count / 2], sorted[sorted.count * 9 / 10]))
        print(String(format: "corr(jaw_open, tracked mouth opening) %.3f; corr(jaw_open, true mouth opening) %.3f; corr(true, tracked opening) %.3f",
                     correlation(jawSeen, tracked), correlation(jawSeen, truthOpening), correlation(truthOpening, tracked)))
    }

    func correlation(_ a: [Float], _ b: [Float]) -> Float {
        let n = Float(a.count), ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
        let cov = zip(a, b).map { ($0 - ma) * ($1 - mb) }.reduce(0, +)
        let va = a.map { ($0 - ma) * ($0 - ma) }.reduce(0, +), vb = b.map { ($0 - mb) * ($0 - mb) }.reduce(0, +)
        return cov / (va * vb).squareRoot()
    }
}
