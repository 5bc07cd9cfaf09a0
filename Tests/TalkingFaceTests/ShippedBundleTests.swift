import Foundation
import TalkingFace
import TestSupport
import XCTest

/// Every speaker bundle in `Weights/` loads (each file, key and shape checked against meta.json)
/// and renders a frame of its own size from its shared x_T.
final class ShippedBundleTests: XCTestCase {
    private let weights = repositoryDirectory.appendingPathComponent("Weights")

    func testEveryShippedBundleLoadsAndRendersAFrame() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: weights.path).sorted()
            .filter { FileManager.default.fileExists(atPath: weights.appendingPathComponent("\($0)/meta.json").path) }
        try XCTSkipIf(folders.isEmpty, "no shipped bundles")
        for folder in folders {
            let speaker = try Speaker(bundle: weights.appendingPathComponent(folder))
            let size = speaker.meta.imageSize
            let xT = speaker.reference.xT  // (1, 3, S, S)
            XCTAssertEqual(xT.shape, [1, 3, size, size], folder)
            let zSem = speaker.s2l.latentMean.reshaped([1, speaker.s2l.latentMean.size(0)])  // (1, Z): the typical z_sem
            let frame = speaker.frameRenderer(steps: 2).render(zSem, noise: xT)
            XCTAssertEqual(frame.shape, [1, 3, size, size], folder)
            XCTAssertTrue(frame.values.allSatisfy { $0.isFinite }, folder)
        }
    }
}
