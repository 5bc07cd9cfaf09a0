import XCTest
import TalkingFace
import Datasets
import DrawnFace

final class FaceRendererTests: XCTestCase {
    /// Antialiasing: a 64×64 render matches a 256×256 render averaged down to 64×64
    /// (an aliased renderer would be far off at every edge).
    func testSmallRenderMatchesDownsampledLargeRender() {
        var rng = SeededRandom(seed: 11)
        let id = FaceIdentity.random(using: &rng)
        let pose = HeadPose(yaw: 0.2, pitch: -0.1, roll: 0.1)
        let e = FaceExpression(jawOpen: 0.7, lipWidth: 0.3, smile: 0.4)
        let small = FaceRenderer(size: 64).render(id, pose, e)
        let large = FaceRenderer(size: 256).render(id, pose, e).resized(width: 64, height: 64)
        let psnr = ImageQuality.psnr(small, large)
        print(String(format: "64² render vs 256² averaged down: PSNR %.1f dB", psnr))
        XCTAssertGreaterThan(psnr, 30)
    }

    func testFactorsChangeTheRightPixels() {
        var rng = SeededRandom(seed: 3)
        let id = FaceIdentity.random(using: &rng)
        let renderer = FaceRenderer(size: 64)
        let base = renderer.render(id, HeadPose(), FaceExpression())
        XCTAssertEqual(base, renderer.render(id, HeadPose(), FaceExpression()), "rendering is deterministic")
        // Opening the jaw changes only the lower half; a blink only the upper half.
        let open = renderer.render(id, HeadPose(), FaceExpression(jawOpen: 1))
        let blink = renderer.render(id, HeadPose(), FaceExpression(blink: 1))
        func changed(_ a: RGBImage, _ b: RGBImage, rows: Range<Int>) -> Float {
            var total: Float = 0
            for y in rows { for x in 0..<64 { let d = a[x, y] - b[x, y]; total += abs(d.x) + abs(d.y) + abs(d.z) } }
            return total
        }
        XCTAssertGreaterThan(changed(base, open, rows: 32..<64), 5)
        XCTAssertEqual(changed(base, open, rows: 0..<28), 0)
        XCTAssertGreaterThan(changed(base, blink, rows: 0..<32), 2)
        XCTAssertEqual(changed(base, blink, rows: 34..<64), 0)
        XCTAssertEqual(renderer.mouthOpening(id, HeadPose(), FaceExpression()), 0)
        XCTAssertGreaterThan(renderer.mouthOpening(id, HeadPose(), FaceExpression(jawOpen: 1)), 0.04)
    }

    /// The expression gain moves lip width, rounding, smile and brows further and leaves the
    /// jaw's opening (and with it the mouth-opening measure) alone; gain 1 is the plain renderer.
    func testExpressionGainScalesTheSubtleFactorsOnly() {
        var rng = SeededRandom(seed: 7)
        let id = FaceIdentity.random(using: &rng)
        let plain = FaceRenderer(size: 64), gained = FaceRenderer(size: 64, expressionGain: 3)
        let neutral = FaceExpression(jawOpen: 0.3)
        XCTAssertEqual(FaceRenderer(size: 64, expressionGain: 1).render(id, HeadPose(), neutral), plain.render(id, HeadPose(), neutral))
        XCTAssertEqual(gained.render(id, HeadPose(), neutral), plain.render(id, HeadPose(), neutral), "no expression to scale")
        func change(_ renderer: FaceRenderer, _ e: FaceExpression) -> Float {
            let a = renderer.render(id, HeadPose(), neutral), b = renderer.render(id, HeadPose(), e)
            var total: Float = 0
            for y in 0..<64 { for x in 0..<64 { let d = a[x, y] - b[x, y]; total += abs(d.x) + abs(d.y) + abs(d.z) } }
            return total
        }
        for e in [FaceExpression(jawOpen: 0.3, lipWidth: 0.5), FaceExpression(jawOpen: 0.3, lipRounding: 0.6),
                  FaceExpression(jawOpen: 0.3, smile: 0.5), FaceExpression(jawOpen: 0.3, browRaise: 0.5)] {
            XCTAssertGreaterThan(change(gained, e), 2 * change(plain, e), "\(e)")
            XCTAssertEqual(gained.mouthOpening(id, HeadPose(), e), plain.mouthOpening(id, HeadPose(), e), "\(e)")
        }
        let blink = FaceExpression(jawOpen: 0.3, blink: 1)
        XCTAssertEqual(gained.render(id, HeadPose(), blink), plain.render(id, HeadPose(), blink), "blinks are not scaled")
    }

    /// A nearly shut mouth changes only pixels within its own width. (The ellipse distance
    /// once failed outside very flat ellipses and drew the interior as a hairline along the
    /// lips' curve, far past the corners, across the cheeks.)
    func testANearlyShutMouthStaysWithinItsCorners() {
        var rng = SeededRandom(seed: 5)
        let renderer = FaceRenderer(size: 128)
        for _ in 0..<4 {
            let id = FaceIdentity.random(using: &rng)
            for smile: Float in [-0.3, 0, 0.8] {
                let shut = renderer.render(id, HeadPose(), FaceExpression(jawOpen: 0, smile: smile))
                let ajar = renderer.render(id, HeadPose(), FaceExpression(jawOpen: 0.01, smile: smile))
                // the mouth's half-width in pixels (lip width and smile widen it), and a pixel of edge
                let reach = id.mouthWidth * (1 + 0.15 * max(0, smile)) * id.scale * 128 + 2
                for y in 0..<128 {
                    for x in 0..<128 where abs(Float(x) + 0.5 - 64) > reach {
                        let d = shut[x, y] - ajar[x, y]
                        XCTAssertLessThan(max(abs(d.x), abs(d.y), abs(d.z)), 1e-4, "pixel (\(x), \(y)), smile \(smile)")
                    }
                }
            }
        }
    }
}
