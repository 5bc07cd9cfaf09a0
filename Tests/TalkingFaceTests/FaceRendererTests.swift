import MediaIO
import XCTest
@testable import TalkingFace

final class FaceRendererTests: XCTestCase {
    func testPreviewSheet() throws {
        var rng = SeededRandom(seed: 7)
        let renderer = FaceRenderer(size: Int(ProcessInfo.processInfo.environment["TF_SIZE"] ?? "64")!)
        let poses = [HeadPose(), HeadPose(yaw: 0.4), HeadPose(yaw: -0.3, pitch: 0.2), HeadPose(pitch: -0.2, roll: 0.2), HeadPose(roll: -0.2)]
        let exprs = [FaceExpression(), FaceExpression(jawOpen: 1), FaceExpression(jawOpen: 0.5, lipRounding: 1), FaceExpression(smile: 1, blink: 1), FaceExpression(jawOpen: 0.3, lipWidth: 1, browRaise: 1)]
        var rows: [[RGBImage]] = []
        for _ in 0..<5 {
            let id = FaceIdentity.random(using: &rng)
            rows.append(zip(poses, exprs).map { renderer.render(id, $0, $1) })
        }
        try PNG.write(contactSheet(rows).image8(), to: URL(fileURLWithPath: "/tmp/sheet.png"))
    }
}
