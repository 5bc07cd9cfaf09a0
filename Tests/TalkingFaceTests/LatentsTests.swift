import Autodiff
import Foundation
import MediaIO
import TalkingFace
import TestSupport
import XCTest

/// `Latents`: every key of latents.h5 survives a write and a read; files without the
/// optional keys load; parts that disagree are refused naming the file and the key.
final class LatentsTests: XCTestCase {
    private func tensor(_ shape: [Int], from start: Float) -> Tensor {
        Tensor(shape: shape, values: (0..<shape.reduce(1, *)).map { start + Float($0) / 8 })
    }

    func testEveryPartSurvivesARoundTrip() throws {
        let scratch = try TemporaryDirectory()
        let written = Latents(
            zSem: tensor([3, 4], from: 0), frames: [5, 6, 7], xT: tensor([3, 3, 2, 2], from: 1),
            referenceXT: tensor([1, 3, 2, 2], from: 2), referenceFrame: 6, pose: tensor([3, 3], from: 3),
            factors: ["jaw_open": tensor([3], from: 4)], attributes: ["source": "test"])
        let url = scratch.file("latents.h5")
        try written.write(to: url)
        let read = try Latents.read(url)
        XCTAssertEqual(read.zSem.shape, [3, 4])
        XCTAssertEqual(read.zSem.values, written.zSem.values)
        XCTAssertEqual(read.recordedFrames, [5, 6, 7])
        XCTAssertEqual(read.frames, [5, 6, 7])
        XCTAssertEqual(read.xT?.values, written.xT?.values)
        XCTAssertEqual(read.referenceXT?.values, written.referenceXT?.values)
        XCTAssertEqual(read.referenceFrame, 6)
        XCTAssertEqual(read.pose?.values, written.pose?.values)
        XCTAssertEqual(read.factors.keys.sorted(), ["jaw_open"])
        XCTAssertEqual(read.factors["jaw_open"]?.values, written.factors["jaw_open"]?.values)
        XCTAssertEqual(read.attributes["source"], "test")
        XCTAssertEqual(read.attributes["pose_units"], "radians")
        XCTAssertEqual(read.count, 3)
    }

    /// The keys as `dae encode`, `s2l predict` and `generate` have written them.
    func testFilesWithTheOptionalKeysLeftOutLoad() throws {
        let scratch = try TemporaryDirectory()
        let generated = scratch.file("generated.h5")
        try TensorFile.write(["z_sem": tensor([4, 2], from: 0), "pose": tensor([4, 3], from: 1)], to: generated)
        let bare = try Latents.read(generated)
        XCTAssertNil(bare.recordedFrames)
        XCTAssertEqual(bare.frames, [0, 1, 2, 3])
        XCTAssertNil(bare.xT)
        XCTAssertNil(bare.referenceFrame)
        XCTAssertEqual(bare.pose?.shape, [4, 3])

        let encoded = scratch.file("encoded.h5")
        try TensorFile.write(["z_sem": tensor([2, 2], from: 0), "reference_x_T": tensor([1, 3, 2, 2], from: 1)],
                             integers: ["frames": [10, 12], "reference_frame": [10]], attributes: ["data": "d"], to: encoded)
        let codes = try Latents.read(encoded)
        XCTAssertEqual(codes.frames, [10, 12])
        XCTAssertEqual(codes.referenceFrame, 10)
        XCTAssertEqual(codes.referenceXT?.shape, [1, 3, 2, 2])
        XCTAssertNil(codes.pose)
        XCTAssertNil(codes.attributes["pose_units"])
    }

    func testPartsThatDisagreeNameTheFileAndTheKey() throws {
        let scratch = try TemporaryDirectory()
        let z = tensor([3, 2], from: 0)
        let cases: [(String, [String: Tensor], [String: [Int64]])] = [
            ("pose", ["z_sem": z, "pose": tensor([2, 3], from: 0)], [:]),
            ("frames", ["z_sem": z], ["frames": [0, 1]]),
            ("x_T", ["z_sem": z, "x_T": tensor([3, 2, 2], from: 0)], [:]),
            ("reference_x_T", ["z_sem": z, "reference_x_T": tensor([2, 3, 2, 2], from: 0)], [:]),
            ("factors.mouth", ["z_sem": z, "factors.mouth": tensor([4], from: 0)], [:]),
            ("z_sem", ["z": z], [:]),
        ]
        for (key, tensors, integers) in cases {
            let url = scratch.file("\(key).h5")
            try TensorFile.write(tensors, integers: integers, to: url)
            XCTAssertThrowsError(try Latents.read(url), key) { error in
                XCTAssertTrue("\(error)".hasPrefix("\(url.path): '\(key)'"), "\(error)")
            }
        }
        XCTAssertThrowsError(try Latents.read(scratch.file("absent.h5"))) { error in
            XCTAssertTrue("\(error)".contains(scratch.file("absent.h5").path), "\(error)")
        }
    }
}
