import Datasets
import FaceTracking
import Foundation
import MediaIO
import TestSupport
import XCTest

/// Pasting generated crops back into a video: the timeline, the mask, the colour match,
/// the composite, and the errors that name the video.
final class PasteBackTests: XCTestCase {
    // MARK: timeline

    func testTheSourceRunsBackAndForth() {
        XCTAssertEqual((0..<11).map { PasteBackTimeline.pingPong($0, count: 4) }, [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2])
        XCTAssertEqual((0..<5).map { PasteBackTimeline.pingPong($0, count: 2) }, [0, 1, 0, 1, 0])
        XCTAssertEqual((0..<3).map { PasteBackTimeline.pingPong($0, count: 1) }, [0, 0, 0])
        // shorter speech: the first frames, in order
        let short = PasteBackTimeline(generatedFrames: 3, generatedFPS: 25, sourceFrames: 10, sourceFPS: 25)
        XCTAssertEqual((0..<short.outputFrames).map(short.sourceIndex), [0, 1, 2])
    }

    func testTheOutputKeepsTheSourceRateForTheSpeechLength() {
        let same = PasteBackTimeline(generatedFrames: 10, generatedFPS: 25, sourceFrames: 4, sourceFPS: 25)
        XCTAssertEqual(same.outputFrames, 10)
        XCTAssertEqual((0..<10).map(same.generatedIndex), Array(0..<10))
        let faster = PasteBackTimeline(generatedFrames: 25, generatedFPS: 25, sourceFrames: 120, sourceFPS: 30000.0 / 1001)
        XCTAssertEqual(faster.outputFrames, 30)  // one second either way
        let indices = (0..<faster.outputFrames).map(faster.generatedIndex)
        XCTAssertEqual(indices.first, 0)
        XCTAssertEqual(indices.last, 24)
        XCTAssertEqual(indices, indices.sorted())
    }

    // MARK: mask

    /// A face whose jaw and brows lie on a circle of `radius` around `centre`.
    func roundFace(centre: SIMD2<Float> = SIMD2(50, 50), radius: Float = 30) -> FaceLandmarks {
        FaceLandmarks(points: (0..<FaceLandmarks.count).map { i in
            guard i < 27 else { return centre }
            let angle = Float(i) / 27 * 2 * .pi
            return centre + radius * SIMD2(cos(angle), sin(angle))
        })
    }

    func testTheMaskIsOneOnTheFaceZeroOffItAndFeatheredBetween() {
        let mask = PasteBackMask(landmarks: roundFace(), feather: 4, frameWidth: 100, frameHeight: 100)
        XCTAssertEqual(mask.value(x: 50, y: 50), 1)
        XCTAssertEqual(mask.value(x: 65, y: 40), 1)
        XCTAssertEqual(mask.value(x: 2, y: 2), 0)
        XCTAssertEqual(mask.value(x: 95, y: 50), 0)
        // along a ray outward: never rising, passing through values between 0 and 1
        let ray = (50..<100).map { mask.value(x: $0, y: 50) }
        for (a, b) in zip(ray, ray.dropFirst()) { XCTAssertGreaterThanOrEqual(a, b) }
        XCTAssertTrue(ray.contains { $0 > 0.05 && $0 < 0.95 }, "\(ray)")
        XCTAssertEqual(ray.filter { $0 > 0 && $0 < 1 }.count, 4, accuracy: 1, "the feather is about 4 pixels wide")
        XCTAssertFalse(mask.ring.isEmpty)
        XCTAssertEqual(PasteBackMask.feather(boxSide: 120), 5)
        XCTAssertEqual(PasteBackMask.feather(boxSide: 12), 2)
    }

    func testAFixedBoxFollowsTheFace() {
        let faces = [0, 6, 12].map { dx in roundFace(centre: SIMD2(50 + Float(dx), 50)) }
        let box = FaceCropBox(centreX: 60, centreY: 45, side: 80)
        let boxes = PasteBackSource.following(box, faces)
        for (b, x) in zip(boxes, [54.0, 60, 66]) {
            XCTAssertEqual(b.centreX, x, accuracy: 1e-4)
            XCTAssertEqual(b.centreY, 45, accuracy: 1e-4)
        }
        XCTAssertEqual(Set(boxes.map(\.side)), [80])
    }

    // MARK: colour match and composite

    /// A textured frame in [0.2, 0.8] (no clamping anywhere near it).
    func texturedFrame(width: Int = 100, height: Int = 100, seed: UInt64 = 1) -> RGBImage {
        var rng = SplitMix64(seed: seed)
        var frame = RGBImage(width: width, height: height)
        for i in frame.data.indices { frame.data[i] = 0.2 + 0.6 * Float(rng.next() % 1000) / 1000 }
        return frame
    }

    /// A box that maps crop pixel (u, v) onto frame pixel (x0 + u, y0 + v) exactly, and the
    /// crop it cuts: the frame's own pixels, shifted by `offset`.
    func identicalCrop(of frame: RGBImage, x0: Int = 20, y0: Int = 20, size: Int = 60, offset: Colour = .zero) -> (RGBImage, FaceCropBox) {
        var crop = frame.cropped(x: x0, y: y0, width: size, height: size)
        for y in 0..<size { for x in 0..<size { crop[x, y] += offset } }
        return (crop, FaceCropBox(centreX: Double(x0) + Double(size) / 2, centreY: Double(y0) + Double(size) / 2, side: Double(size)))
    }

    func testAnIdenticalCropLeavesTheFrameUnchanged() {
        let frame = texturedFrame()
        let (crop, box) = identicalCrop(of: frame)
        let result = PasteBackComposite.paste(crop, box: box, face: roundFace(), into: frame)
        XCTAssertEqual(result.frame.image8(), frame.image8())
        XCTAssertEqual(result.seamStepBefore, 0, accuracy: 1e-6)
        XCTAssertEqual(result.offset, .zero)
    }

    func testTheColourMatchRemovesAConstantOffsetAtTheSeam() {
        let frame = texturedFrame(seed: 2)
        let shift = Colour(0.1, -0.05, 0.03)
        let (crop, box) = identicalCrop(of: frame, offset: shift)
        let matched = PasteBackComposite.paste(crop, box: box, face: roundFace(), into: frame)
        // the step is the mask-weighted difference over the ring the crop covers (frame pixels 20..<80)
        let mask = PasteBackMask(landmarks: roundFace(), feather: PasteBackMask.feather(boxSide: box.side), frameWidth: 100, frameHeight: 100)
        let covered = mask.ring.filter { (20..<80).contains(mask.region.x + $0 % mask.region.width) && (20..<80).contains(mask.region.y + $0 / mask.region.width) }
        let meanMask = covered.map { mask.values[$0] }.reduce(0, +) / Float(covered.count)
        XCTAssertGreaterThan(meanMask, 0.1)
        XCTAssertEqual(matched.seamStepBefore, meanMask * (0.1 + 0.05 + 0.03) / 3, accuracy: 1e-5)
        XCTAssertEqual(matched.seamStepAfter, 0, accuracy: 1e-5)
        XCTAssertEqual(matched.frame.image8(), frame.image8(), "the shifted crop, matched, is the frame again")
        let unmatched = PasteBackComposite.paste(crop, box: box, face: roundFace(), into: frame, matchColour: false)
        XCTAssertEqual(unmatched.frame[50, 50].x, frame[50, 50].x + 0.1, accuracy: 1e-5, "without the match the face keeps its tint")
        XCTAssertEqual(unmatched.frame[2, 2], frame[2, 2], "off the face nothing changes")
    }

    func testACropLargerThanItsBoxIsShrunkInPlace() {
        // a flat crop of 64 pixels into a 32-pixel box: the face area takes its colour, the rest stays
        let frame = RGBImage(width: 100, height: 100, fill: Colour(0.5, 0.5, 0.5))
        let crop = RGBImage(width: 64, height: 64, fill: Colour(0.2, 0.6, 0.4))
        let box = FaceCropBox(centreX: 50, centreY: 50, side: 32)
        let result = PasteBackComposite.paste(crop, box: box, face: roundFace(radius: 12), into: frame, matchColour: false)
        XCTAssertEqual(result.frame[50, 50].x, 0.2, accuracy: 1e-5)
        XCTAssertEqual(result.frame[50, 90], frame[50, 90])
    }

    // MARK: the video

    func testAMissingVideoIsNamed() throws {
        let tracker = try sharedTracker()
        let missing = URL(fileURLWithPath: "no-such-clip-\(UUID().uuidString).mp4")
        XCTAssertThrowsError(try PasteBackSource(video: missing, tracker: tracker)) { error in
            XCTAssertTrue("\(error)".contains(missing.lastPathComponent), "\(error)")
            XCTAssertTrue("\(error)".contains("does not exist"), "\(error)")
        }
    }

    func testAVideoWithoutAFaceIsNamedAndLeavesNoScratch() throws {
        guard Video.isAvailable else { throw XCTSkip("ffmpeg is not installed") }
        let tracker = try sharedTracker()
        let folder = try TemporaryDirectory()
        let frames = folder.file("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        for i in 0..<4 {
            try PNG.write(RGBImage(width: 96, height: 64, fill: Colour(0.3, 0.4, 0.5)).image8(), to: frames.appendingPathComponent(Video.frameName(i)))
        }
        let video = folder.file("plain.mp4")
        try Video.encode(framesIn: frames, fps: 25, to: video)
        let scratchBefore = try scratchFolders()
        XCTAssertThrowsError(try PasteBackSource(video: video, tracker: tracker)) { error in
            XCTAssertTrue("\(error)".contains(video.path), "\(error)")
            XCTAssertTrue("\(error)".contains("no face found"), "\(error)")
        }
        XCTAssertEqual(try scratchFolders(), scratchBefore)

        let notAVideo = folder.file("notes.mp4")
        try Data("not a video".utf8).write(to: notAVideo)
        XCTAssertThrowsError(try PasteBackSource(video: notAVideo, tracker: tracker)) { error in
            XCTAssertTrue("\(error)".contains(notAVideo.path), "\(error)")
        }
    }

    func scratchFolders() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: FileManager.default.temporaryDirectory.path)
            .filter { $0.hasPrefix("talkingface-paste-") })
    }

    /// The Einstein photograph on a grey canvas, 6 frames: cut as `prepare` cuts, pasted
    /// back as `generate --into` pastes, the video comes back at its own size and rate,
    /// ping-ponged to the crops' length, and close to the source on the face.
    func testCropsOfAClipGoBackWhereTheyWereCut() throws {
        guard Video.isAvailable else { throw XCTSkip("ffmpeg is not installed") }
        let tracker = try sharedTracker()
        let folder = try TemporaryDirectory()
        let photo = RGBImage(try PNG.read(fixturesDirectory.appendingPathComponent("faces/einstein_crop.png")))
        var canvas = RGBImage(width: 340, height: 300, fill: Colour(0.5, 0.5, 0.5))
        for y in 0..<photo.height { for x in 0..<photo.width { canvas[x + 20, y] = photo[x, y] } }
        let frames = folder.file("frames")
        try FileManager.default.createDirectory(at: frames, withIntermediateDirectories: true)
        for i in 0..<6 { try PNG.write(canvas.image8(), to: frames.appendingPathComponent(Video.frameName(i))) }
        let video = folder.file("face.mp4")
        try Video.encode(framesIn: frames, fps: 25, to: video)

        let source = try PasteBackSource(video: video, tracker: tracker)
        XCTAssertEqual(source.frameCount, 6)
        XCTAssertEqual(source.width, 340)
        XCTAssertEqual(source.fps, 25, accuracy: 0.01)
        let crops = folder.file("crops")
        try FileManager.default.createDirectory(at: crops, withIntermediateDirectories: true)
        for i in 0..<9 {  // longer than the clip: it runs back and forth
            let s = PasteBackTimeline.pingPong(i, count: 6)
            try PNG.write(source.boxes[s].resample(try source.frame(s), size: 64).image8(), to: crops.appendingPathComponent(Video.frameName(i)))
        }
        let output = folder.file("pasted.mp4")
        let report = try PasteBack.write(generated: crops, generatedFPS: 25, into: source, audio: nil, to: output)
        XCTAssertEqual(report.frames, 9)
        XCTAssertTrue(report.pingPong)
        XCTAssertLessThan(report.seamStepAfter, 4, "the source's own crops meet the frame within a few levels")

        let back = folder.file("back")
        XCTAssertEqual(try Video.extractFrames(from: output, to: back), 9)
        let first = RGBImage(try PNG.read(back.appendingPathComponent(Video.frameName(0))))
        XCTAssertEqual(first.width, 340)
        XCTAssertEqual(first.height, 300)
        let original = try source.frame(0)
        let mask = PasteBackMask(landmarks: source.landmarks[0], feather: 4, frameWidth: 340, frameHeight: 300)
        var error = 0.0, count = 0
        for (i, m) in mask.values.enumerated() where m == 1 {
            let x = mask.region.x + i % mask.region.width, y = mask.region.y + i / mask.region.width
            let d = first[x, y] - original[x, y]
            error += Double(abs(d.x) + abs(d.y) + abs(d.z)) / 3
            count += 1
        }
        XCTAssertGreaterThan(count, 1000)
        XCTAssertLessThan(255 * error / Double(count), 12, "a 64-pixel crop of a face about 200 wide, pasted back: blurred, not moved")
    }
}
