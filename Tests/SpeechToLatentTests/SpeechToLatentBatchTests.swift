import Foundation
import NeuralNetworks
import SpeechToLatent
import XCTest

final class SpeechToLatentBatchTests: XCTestCase {
    /// A clip whose features, latents and pose hold their own frame index (features: the
    /// feature-frame index), so a window's position can be read back.
    private func indexedClip(frames: Int, withPose: Bool = true) -> SpeechToLatentClip {
        SpeechToLatentClip(
            features: Tensor(shape: [4 * frames, 2], values: (0..<(4 * frames)).flatMap { [Float($0), 1] }),
            latents: Tensor(shape: [frames, 6], values: (0..<frames).flatMap { [Float($0), 2, 3, 4, 5, 6] }),
            pose: withPose ? Tensor(shape: [frames, 3], values: (0..<frames).flatMap { [Float($0), -1, 1] }) : nil)
    }

    func testWindowsCropLongClipsAndPadShortOnes() {
        var rng = RandomGenerator(seed: 1)
        var starts = Set<Float>()
        for _ in 0..<20 {
            let batch = SpeechToLatentBatch.windows(from: [indexedClip(frames: 30), indexedClip(frames: 12)], windowFrames: 20, stride: 4, using: &rng)
            XCTAssertEqual(batch.lengths, [20, 12])
            XCTAssertEqual(batch.features.shape, [2, 80, 2])
            XCTAssertEqual(batch.latents.shape, [2, 20, 6])
            let f = batch.features.values, z = batch.latents.values, p = batch.pose!.values
            let start = z[0]
            starts.insert(start)
            XCTAssertTrue((0...10).contains(Int(start)))
            for j in 0..<20 {  // consecutive frames, aligned features and pose
                XCTAssertEqual(z[j * 6], start + Float(j))
                XCTAssertEqual(p[j * 3], start + Float(j))
                XCTAssertEqual(f[(4 * j) * 2], 4 * (start + Float(j)))
            }
            for j in 0..<20 {  // the short clip from its start, zeros after its end
                XCTAssertEqual(z[(20 + j) * 6 + 1], j < 12 ? 2 : 0)
                XCTAssertEqual(f[(80 + 4 * j) * 2 + 1], j < 12 ? 1 : 0)
            }
        }
        XCTAssertGreaterThan(starts.count, 3, "windows of a long clip start at random frames")
    }

    func testClipsWithoutPoseTrainWithoutPoseLoss() throws {
        var rng = RandomGenerator(seed: 2)
        let batch = SpeechToLatentBatch.windows(from: [indexedClip(frames: 25, withPose: false)], windowFrames: 25, stride: 4, using: &rng)
        XCTAssertNil(batch.pose)
        let model = try SpeechToLatentModel(config: .tiny(featureDimension: 2), seed: 1)
        let losses = model.loss(batch)
        XCTAssertEqual(losses.pose.item, 0)
        XCTAssertEqual(losses.total.item, losses.latent.item)
        valueAndGrad(model) { model.loss(batch).total }
        XCTAssertNotNil(model.output.weight.grad)
        XCTAssertNil(model.poseAdaptor.posePredictor.linear.weight.grad, "no labels: the predictor is not trained")
    }
}
