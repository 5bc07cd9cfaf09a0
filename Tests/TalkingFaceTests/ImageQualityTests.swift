import Foundation
import MediaIO
import TalkingFace
import XCTest
import Datasets
import DrawnFace
import TestSupport

/// PSNR and SSIM against scikit-image (Tests/Fixtures/make_metrics_fixture.py).
final class ImageQualityTests: XCTestCase {
    struct Expected: Decodable {
        struct Pair: Decodable { let a, b, kind: String; let psnr, ssim: Double }
        let pairs: [Pair]
    }

    func testPSNRAndSSIMMatchScikitImage() throws {
        let folder = fixturesDirectory.appendingPathComponent("metrics")
        let expected = try JSONDecoder().decode(Expected.self, from: Data(contentsOf: folder.appendingPathComponent("expected.json")))
        XCTAssertEqual(expected.pairs.count, 3)
        for pair in expected.pairs {
            let a = RGBImage(try PNG.read(folder.appendingPathComponent(pair.a)))
            let b = RGBImage(try PNG.read(folder.appendingPathComponent(pair.b)))
            XCTAssertEqual(ImageQuality.psnr(a, b), pair.psnr, accuracy: 1e-4, "PSNR \(pair.kind)")
            XCTAssertEqual(ImageQuality.ssim(a, b), pair.ssim, accuracy: 1e-5, "SSIM \(pair.kind)")
        }
    }

    func testIdenticalImages() {
        var rng = SeededRandom(seed: 1)
        let image = FaceRenderer(size: 32).render(FaceIdentity.random(using: &rng), HeadPose(), FaceExpression())
        XCTAssertEqual(ImageQuality.psnr(image, image), .infinity)
        XCTAssertEqual(ImageQuality.ssim(image, image), 1, accuracy: 1e-9)
    }

    /// CPBD falls when the same frame is blurred (a box blur through downsampling and back).
    func testSharpnessDropsWithBlur() {
        var rng = SeededRandom(seed: 4)
        let sharp = FaceRenderer(size: 128).render(FaceIdentity.random(using: &rng), HeadPose(yaw: 0.1), FaceExpression(jawOpen: 0.5))
        let blurred = sharp.resized(width: 32, height: 32).resized(width: 128, height: 128)
        let s = Sharpness.cpbd(sharp), b = Sharpness.cpbd(blurred)
        print(String(format: "CPBD sharp %.3f, blurred %.3f", s, b))
        XCTAssertGreaterThan(s, b + 0.2)
    }
}
