import Foundation
import NeuralNetworks
import SpeechToLatent
import XCTest

final class ChunkedInferenceTests: XCTestCase {
    func testWindowsCoverTheSequenceWithAtLeastTheOverlap() {
        let chunking = OverlapChunking(window: 20, overlap: 7, margin: 2)
        XCTAssertEqual(chunking.ranges(length: 20), [0..<20])
        XCTAssertEqual(chunking.ranges(length: 5), [0..<5])
        for length in [21, 33, 34, 57, 200, 1001] {
            let ranges = chunking.ranges(length: length)
            XCTAssertEqual(ranges.first?.lowerBound, 0)
            XCTAssertEqual(ranges.last?.upperBound, length)
            XCTAssertTrue(ranges.allSatisfy { $0.count == 20 })
            for (a, b) in zip(ranges, ranges.dropFirst()) {
                XCTAssertGreaterThanOrEqual(a.upperBound - b.lowerBound, 7, "length \(length): \(a) then \(b)")
            }
        }
    }

    /// A frame-wise function: chunking changes nothing (exactly where one window covers a
    /// frame, to rounding in the blends).
    func testStitchingAFramewiseOutputReproducesIt() {
        let chunking = OverlapChunking(window: 16, overlap: 7, margin: 2)
        let length = 61
        let full = randomTensor([length, 5], seed: 1)
        let ranges = chunking.ranges(length: length)
        let stitched = chunking.stitch(ranges.map { full.slice(dim: 0, $0) }, ranges: ranges, length: length)
        XCTAssertLessThanOrEqual(maxDifference(stitched, full), 1e-6)
        for frame in 0..<length where ranges.filter({ $0.contains(frame) }).count == 1 {
            for j in 0..<5 { XCTAssertEqual(stitched.values[frame * 5 + j], full.values[frame * 5 + j]) }
        }
    }

    /// Without Conformer blocks the model sees at most 3 neighbouring frames (subsampling
    /// conv, the pose predictor's two convs): with margins of 4 frames, chunked inference
    /// equals one pass over the whole input.
    func testLocalModelChunkedEqualsUnchunked() throws {
        let model = try SpeechToLatentModel(config: .tiny(blocks: 0), seed: 2)
        let features = randomTensor([4 * 83, 8], seed: 3)  // 83 frames
        let whole = try model.predict(features: features, chunking: OverlapChunking(window: 100, overlap: 9, margin: 4))
        let chunked = try model.predict(features: features, chunking: OverlapChunking(window: 20, overlap: 9, margin: 4))
        XCTAssertLessThanOrEqual(maxDifference(chunked.latents, whole.latents), 1e-5)
        XCTAssertLessThanOrEqual(maxDifference(chunked.pose, whole.pose), 1e-5)
        // With no margin the window edges (zero padding there) do show.
        let careless = try model.predict(features: features, chunking: OverlapChunking(window: 20, overlap: 9, margin: 0))
        XCTAssertGreaterThan(maxDifference(careless.latents, whole.latents), 1e-4)
    }

    /// With attention the model sees its whole window, so chunks differ from one long pass;
    /// each frame then takes exactly its window's output where one window covers it, and a
    /// blend of the two windows' outputs in overlaps.
    func testLongInputIsStitchedFromIndependentWindows() throws {
        let model = try SpeechToLatentModel(config: .tiny(), seed: 5)
        _ = model(randomTensor([2, 100, 8], seed: 8))
        let length = 130  // 2.6 default windows of 50 frames
        let features = randomTensor([4 * length, 8], seed: 6)
        let chunking = model.defaultChunking
        let ranges = chunking.ranges(length: length)
        XCTAssertGreaterThan(ranges.count, 2)
        let result = try model.predict(features: features)
        XCTAssertEqual(result.latents.shape, [length, 6])

        let windows = try ranges.map { try model.predict(features: features.slice(dim: 0, (4 * $0.lowerBound)..<(4 * $0.upperBound))).latents }
        for frame in 0..<length {
            let covering = ranges.indices.filter { ranges[$0].contains(frame) }
            let own = covering.map { windows[$0].slice(dim: 0, (frame - ranges[$0].lowerBound)..<(frame - ranges[$0].lowerBound + 1)).values }
            let value = result.latents.slice(dim: 0, frame..<(frame + 1)).values
            if covering.count == 1 {
                XCTAssertEqual(value, own[0], "frame \(frame)")
            } else {
                for j in 0..<6 {  // inside the hull of the covering windows' outputs
                    let lo = own.map { $0[j] }.min()!, hi = own.map { $0[j] }.max()!
                    XCTAssertTrue(value[j] >= lo - 1e-5 && value[j] <= hi + 1e-5, "frame \(frame) dim \(j)")
                }
            }
        }
        // Short inputs run in one window: exactly the model's forward pass.
        let short = features.slice(dim: 0, 0..<(4 * 40))
        model.eval()
        let direct = withoutGradients { model(short.reshaped([1, 160, 8])).latents.reshaped([40, 6]) }
        XCTAssertEqual(try model.predict(features: short).latents.values, model.latentStatistics.denormalize(direct).values)
    }
}
