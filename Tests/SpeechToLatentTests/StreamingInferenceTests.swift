import Foundation
import NeuralNetworks
import SpeechToLatent
import XCTest

/// Features fed to `SpeechToLatentStream` piece by piece give bit for bit the frames of
/// `predict(features:)` on the whole sequence, with only a window's worth held.
final class StreamingInferenceTests: XCTestCase {
    /// Feeds `features` (T·s, F) in blocks of `block` frames; returns the joined frames and
    /// the largest number of frames one call returned.
    private func streamed(_ model: SpeechToLatentModel, _ features: Tensor, block: Int, pose: PoseSource = .predicted,
                          chunking: OverlapChunking) throws -> (latents: Tensor, pose: Tensor, largest: Int) {
        let stream = try SpeechToLatentStream(model: model, featureFrames: features.size(0), pose: pose, chunking: chunking)
        var latents: [Tensor] = [], poses: [Tensor] = [], largest = 0
        for start in stride(from: 0, to: features.size(0), by: block) {
            let (z, p) = try stream.append(features.slice(dim: 0, start..<min(start + block, features.size(0))))
            XCTAssertEqual(z.size(0), p.size(0))
            largest = max(largest, z.size(0))
            latents.append(z)
            poses.append(p)
        }
        try stream.finish()
        return (concat(latents, dim: 0), concat(poses, dim: 0), largest)
    }

    func testStreamedWindowsEqualTheWholeSequenceBitForBit() throws {
        let model = try SpeechToLatentModel(config: .tiny(), seed: 5)
        _ = model(randomTensor([2, 100, 8], seed: 8))
        let chunking = OverlapChunking(window: 20, overlap: 9, margin: 4)
        let length = 97
        let features = randomTensor([4 * length + 3, 8], seed: 6)  // 3 feature frames past the last video frame
        XCTAssertGreaterThan(chunking.ranges(length: length).count, 5)
        let whole = try model.predict(features: features, chunking: chunking)
        for block in [1, 37, 80, 1000] {
            let pieces = try streamed(model, features, block: block, chunking: chunking)
            XCTAssertEqual(pieces.latents.values, whole.latents.values, "blocks of \(block)")
            XCTAssertEqual(pieces.pose.values, whole.pose.values, "blocks of \(block)")
            if block < 80 { XCTAssertLessThanOrEqual(pieces.largest, 20, "blocks of \(block): more than a window at once") }
        }
        // Conditioned on a given pose: the given rows come back, the latents match.
        let given = randomTensor([length + 5, model.config.poseDimension], seed: 9, scale: 10)
        let wholeGiven = try model.predict(features: features, pose: .given(given), chunking: chunking)
        let streamedGiven = try streamed(model, features, block: 33, pose: .given(given), chunking: chunking)
        XCTAssertEqual(streamedGiven.latents.values, wholeGiven.latents.values)
        XCTAssertEqual(streamedGiven.pose.values, wholeGiven.pose.values)
    }

    func testOneWindowAndShortFeatures() throws {
        let model = try SpeechToLatentModel(config: .tiny(), seed: 2)
        let features = randomTensor([4 * 12, 8], seed: 3)
        let whole = try model.predict(features: features)
        XCTAssertEqual(try streamed(model, features, block: 5, chunking: model.defaultChunking).latents.values, whole.latents.values)
        XCTAssertThrowsError(try SpeechToLatentStream(model: model, featureFrames: 3))
        let stream = try SpeechToLatentStream(model: model, featureFrames: 48)
        _ = try stream.append(features.slice(dim: 0, 0..<20))
        XCTAssertThrowsError(try stream.finish())  // the features stopped early
        XCTAssertThrowsError(try stream.append(randomTensor([4, 5], seed: 1)))  // wrong width
    }
}
