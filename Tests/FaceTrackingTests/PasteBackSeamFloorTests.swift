import Datasets
import FaceTracking
import Foundation
import MediaIO
import TestSupport
import XCTest

/// The seam figure's floor on a real clip (docs/results.md §2.7): the clip's own crops, cut
/// at 64 × 64 by the boxes `generate --into` pastes into, pasted back. What is left is the
/// blur of the trip through 64 × 64 pixels and 8-bit rounding.
///
///     TF_EXPERIMENT=1 TF_PASTE_VIDEO=clip.mp4 swift test -c release --filter PasteBackSeamFloorTests
final class PasteBackSeamFloorTests: XCTestCase {
    func testTheClipsOwnCropsPastedBack() throws {
        let environment = ProcessInfo.processInfo.environment
        try XCTSkipUnless(environment["TF_EXPERIMENT"] == "1", "set TF_EXPERIMENT=1 and TF_PASTE_VIDEO=clip.mp4 to run")
        let video = URL(fileURLWithPath: try XCTUnwrap(environment["TF_PASTE_VIDEO"], "TF_PASTE_VIDEO=clip.mp4"))
        let source = try PasteBackSource(video: video, tracker: try sharedTracker())
        let folder = try TemporaryDirectory()
        let crops = folder.file("crops")
        try FileManager.default.createDirectory(at: crops, withIntermediateDirectories: true)
        for i in 0..<source.frameCount {
            try PNG.write(source.boxes[i].resample(try source.frame(i), size: 64).image8(), to: crops.appendingPathComponent(Video.frameName(i)))
        }
        let report = try PasteBack.write(generated: crops, generatedFPS: source.fps, into: source, audio: nil, to: folder.file("pasted.mp4"))
        print(String(format: "%@: box %.1f px; seam colour step %.2f → %.2f levels over %d frames",
                     video.lastPathComponent, source.boxes[0].side, report.seamStepBefore, report.seamStepAfter, report.frames))
        XCTAssertEqual(report.frames, source.frameCount)
    }
}
