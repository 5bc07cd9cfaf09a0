import Autodiff
import Foundation
import MediaIO
import TalkingFace
import XCTest
import Datasets
import TestSupport

final class MotionWeightingTests: XCTestCase {
    /// A still 8×8 frame of `base` colour whose pixel (x 3, y 5) has red `red`.
    private func frame(base: Float, red: Float) -> RGBImage {
        var image = RGBImage(width: 8, height: 8, fill: Colour(base, base, base))
        image[3, 5] = Colour(red, base, base)
        return image
    }

    private func writeDataset(_ root: URL, base: Float, reds: [Float]) throws -> SpeakerDataset {
        let writer = try SpeakerDatasetWriter(at: root)
        for (i, red) in reds.enumerated() { try writer.writeFrame(i, frame(base: base, red: red)) }
        try writer.writeMeta(DatasetMeta(fps: 25, frameCount: reds.count, width: 8, height: 8))
        return try SpeakerDataset(at: root)
    }

    func testMapIsTheMeanChangeBetweenConsecutiveFramesOfEachDataSet() throws {
        let scratch = try TemporaryDirectory()
        // red 0,1,1,0,0,0,1: three of six pairs change by 2 (in [−1, 1] units) in one of three channels
        let a = try writeDataset(scratch.file("a"), base: 0, reds: [0, 1, 1, 0, 0, 0, 1])
        // a second, brighter data set: pairing its first frame with a's last would light up every pixel
        let b = try writeDataset(scratch.file("b"), base: 1, reds: [1, 1, 1])
        let frames = try TrainingFrames([.init(dataset: a, frames: 0..<7), .init(dataset: b, frames: 0..<3)], imageSize: 8)
        for chunk in [2, 3, 256] {  // chunks must neither drop nor repeat the pair across their border
            let weighting = try MotionWeighting(frames: frames, strength: 10, chunk: chunk)
            let motion = weighting.motion.values
            let expected = Float(3 * 2) / Float((6 + 2) * 3)  // 6 pairs in a, 2 in b, none across
            XCTAssertEqual(motion[5 * 8 + 3], expected, accuracy: 1e-6, "chunk \(chunk)")
            XCTAssertEqual(motion.enumerated().filter { $0.offset != 5 * 8 + 3 }.map(\.element).max(), 0, "chunk \(chunk)")

            let weights = weighting.pixelWeights
            XCTAssertEqual(weights.shape, [1, 1, 8, 8])
            XCTAssertEqual(weights.values[5 * 8 + 3], 11)
            XCTAssertEqual(Set(weights.values.enumerated().filter { $0.offset != 5 * 8 + 3 }.map(\.element)), [1])
        }
        // The 5 % that move most get the full weight, the rest in proportion to their motion.
        let ramp = MotionWeighting(motion: Tensor(shape: [10, 10], values: (0..<100).map { Float($0) }), strength: 10)
        XCTAssertEqual(ramp.saturationLevel, 94)  // the 95th of 100 sorted values (index 94.05 → 94)
        XCTAssertEqual(Array(ramp.pixelWeights.values[94...]), Array(repeating: 11, count: 6))
        XCTAssertEqual(ramp.pixelWeights.values[47], 1 + 10 * 47 / 94, accuracy: 1e-5)

        let still = MotionWeighting(motion: Tensor(shape: [8, 8], values: Array(repeating: 0, count: 64)), strength: 10)
        XCTAssertEqual(Set(still.pixelWeights.values), [1], "nothing moves: equal weights")
    }
}
