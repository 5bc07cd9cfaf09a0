import Datasets
import DrawnFace
import FaceTracking
import Foundation
import MediaIO
import SyntheticSpeaker
import TestSupport
import XCTest

/// The photo speaker's parts: Delaunay triangulation, the piecewise-affine warp, the rig that
/// moves landmarks by factors, and the photo's face search. The rig runs on the 68 hand-placed
/// points of Tests/Fixtures/faces/einstein_crop.pts.
final class PhotoSpeakerTests: XCTestCase {
    /// A square's corners and random points inside: the hull has 4 points.
    func squareWithPoints(_ count: Int, seed: UInt64) -> [SIMD2<Float>] {
        var rng = SplitMix64(seed: seed)
        return [SIMD2(0, 0), SIMD2(100, 0), SIMD2(100, 100), SIMD2(0, 100)]
            + (0..<count).map { _ in SIMD2(Float.random(in: 2...98, using: &rng), Float.random(in: 2...98, using: &rng)) }
    }

    func testDelaunayTrianglesHaveEmptyCircumcirclesAndEulersCount() {
        let points = squareWithPoints(40, seed: 3)
        let triangles = DelaunayTriangulation(points).triangles
        XCTAssertEqual(triangles.count, 2 * points.count - 2 - 4, "2n − 2 − h triangles")
        var area: Double = 0
        for t in triangles {
            let a = SIMD2<Double>(points[t.a]), b = SIMD2<Double>(points[t.b]), c = SIMD2<Double>(points[t.c])
            let twice = (b.x - a.x) * (c.y - a.y) - (c.x - a.x) * (b.y - a.y)
            XCTAssertGreaterThan(twice, 0, "\(t) runs counter-clockwise (y up)")
            area += twice / 2
            // Circumcentre and radius; no other point strictly inside.
            let d = 2 * (a.x * (b.y - c.y) + b.x * (c.y - a.y) + c.x * (a.y - b.y))
            let a2 = (a * a).sum(), b2 = (b * b).sum(), c2 = (c * c).sum()
            let centre = SIMD2(a2 * (b.y - c.y) + b2 * (c.y - a.y) + c2 * (a.y - b.y),
                               a2 * (c.x - b.x) + b2 * (a.x - c.x) + c2 * (b.x - a.x)) / d
            let radius = ((a - centre) * (a - centre)).sum().squareRoot()
            for (i, p) in points.enumerated() where ![t.a, t.b, t.c].contains(i) {
                let r = ((SIMD2<Double>(p) - centre) * (SIMD2<Double>(p) - centre)).sum().squareRoot()
                XCTAssertGreaterThanOrEqual(r, radius * (1 - 1e-9), "point \(i) inside the circumcircle of \(t)")
            }
        }
        XCTAssertEqual(area, 100 * 100, accuracy: 1e-6, "the triangles tile the hull")
        XCTAssertEqual(Set(triangles.flatMap(\.indices)), Set(points.indices), "every point is a corner")
    }

    func testAnAffineMapTakesCornersOntoCorners() throws {
        let p = (SIMD2<Float>(3, 4), SIMD2<Float>(40, 7), SIMD2<Float>(12, 33))
        let q = (SIMD2<Float>(-5, 2), SIMD2<Float>(21, 19), SIMD2<Float>(6, 50))
        let map = try XCTUnwrap(AffineTriangleMap(from: p, to: q))
        for (a, b) in [(p.0, q.0), (p.1, q.1), (p.2, q.2)] {
            XCTAssertEqual(map(a).x, b.x, accuracy: 1e-4)
            XCTAssertEqual(map(a).y, b.y, accuracy: 1e-4)
        }
        XCTAssertNil(AffineTriangleMap(from: (p.0, p.1, (p.0 + p.1) / 2), to: q), "a flat triangle has no map")
    }

    func testAWarpToTheSourceMeshLeavesTheImageAsItWas() {
        var rng = SplitMix64(seed: 5)
        var image = RGBImage(width: 40, height: 30)
        for i in image.data.indices { image.data[i] = Float.random(in: 0...1, using: &rng) }
        let points = [SIMD2<Float>(0, 0), SIMD2(40, 0), SIMD2(40, 30), SIMD2(0, 30)]
            + (0..<12).map { _ in SIMD2(Float.random(in: 3...37, using: &rng), Float.random(in: 3...27, using: &rng)) }
        let warp = PiecewiseAffineWarp(source: points)
        let same = warp(image, to: points)
        XCTAssertLessThan(zip(same.data, image.data).map { abs($0 - $1) }.max()!, 1e-4)

        // A mesh moved by whole pixels moves the picture with it.
        let shifted = warp(image, to: points.map { $0 + SIMD2(3, 0) })
        XCTAssertEqual(shifted[20, 15].x, image[17, 15].x, accuracy: 1e-4)
    }

    func einsteinRig() throws -> PhotoFaceRig {
        PhotoFaceRig(landmarks: try FaceLandmarks.readPTS(fixturesDirectory.appendingPathComponent("faces/einstein_crop.pts")).points)
    }

    func testFactorsAtRestLeaveTheLandmarksWhereTheyAre() throws {
        let rig = try einsteinRig()
        XCTAssertEqual(rig.posed(HeadPose(), FaceExpression()), rig.points)
        XCTAssertEqual(rig.points.count, PhotoFaceRig.landmarkCount + PhotoFaceRig.foreheadCount)
        let turned = rig.posed(HeadPose(yaw: 0.2), FaceExpression())
        XCTAssertGreaterThan(turned[30].x - rig.points[30].x, 0.1 * rig.interOcularDistance, "+yaw moves the nose tip to the image's right")
        XCTAssertLessThan(abs(turned[0].x - rig.points[0].x), 0.05 * rig.interOcularDistance, "the jaw line by the ear hardly moves")
    }

    func testOpeningTheJawWidensTheInnerLipGapMonotonically() throws {
        let rig = try einsteinRig()
        for base in [FaceExpression(), FaceExpression(lipWidth: 0.5, lipRounding: 0.4, smile: 0.3)] {
            var previous = -Float.infinity
            for step in 0...10 {
                var e = base
                e.jawOpen = Float(step) / 10
                let p = rig.posed(HeadPose(yaw: 0.1, pitch: -0.05, roll: 0.1), e)
                let face = FaceLandmarks(points: Array(p[0..<68]))
                XCTAssertGreaterThan(face.mouthOpening, previous, "jaw \(e.jawOpen)")
                previous = face.mouthOpening
            }
            XCTAssertGreaterThan(previous, 0.4, "a wide-open jaw shows a tall mouth")
        }
    }

    func testBlinkingBringsTheUpperLidsDown() throws {
        let rig = try einsteinRig()
        let open = rig.posed(HeadPose(), FaceExpression()), shut = rig.posed(HeadPose(), FaceExpression(blink: 1))
        for (top, bottom) in [(37, 41), (44, 46)] {
            XCTAssertLessThan(abs(shut[bottom].y - shut[top].y), 0.1 * abs(open[bottom].y - open[top].y))
        }
    }
}

/// The tracker-backed parts: a photo's face search and a rendered frame.
final class PhotoFaceTests: XCTestCase {
    nonisolated(unsafe) static var loaded: FaceTracker?

    func tracker() throws -> FaceTracker {
        guard FileManager.default.fileExists(atPath: FaceTracker.defaultModel.path) else { throw XCTSkip("libdlib-data is not installed") }
        if let loaded = Self.loaded { return loaded }
        let made = try FaceTracker()
        Self.loaded = made
        return made
    }

    func testAPhotoWithoutAFaceIsRefusedNamingTheFile() throws {
        let folder = try TemporaryDirectory()
        let blank = folder.file("wall.png")
        try PNG.write(RGBImage(width: 160, height: 120, fill: Colour(0.6, 0.55, 0.5)).image8(), to: blank)
        XCTAssertThrowsError(try PhotoFace(photo: blank, tracker: tracker())) { error in
            XCTAssertTrue("\(error)".contains(blank.path) && "\(error)".contains("no face"), "\(error)")
        }
        XCTAssertThrowsError(try PhotoFace(photo: folder.file("absent.png"), tracker: tracker())) { error in
            XCTAssertTrue("\(error)".contains("absent.png"), "\(error)")
        }
    }

    /// Einstein at rest renders as his photo's crop; an open jaw darkens his mouth, and the
    /// tracker finds the moved landmarks where the rig put them.
    func testARenderedFrameShowsTheMovedFace() throws {
        let face = try PhotoFace(photo: fixturesDirectory.appendingPathComponent("faces/einstein_crop.png"), tracker: tracker())
        XCTAssertEqual(face.faces.count, 1)
        let speaker = PhotoSpeaker(face: face, speaker: SyntheticSpeaker(index: 0, seed: 1))
        let renderer = speaker.renderer(size: 192)
        let rest = renderer.render(HeadPose(), FaceExpression())
        let still = speaker.crop.resample(face.image, size: 384).resized(width: 192, height: 192)
        // (his mouth is open in the photo: its inside is painted, so it is left out)
        let inner = rest.landmarks.points[60..<68]
        let left = inner.map(\.x).min()! - 2, right = inner.map(\.x).max()! + 2
        let top = inner.map(\.y).min()! - 2, bottom = inner.map(\.y).max()! + 2
        var largest: Float = 0
        for y in 0..<192 {
            for x in 0..<192 where !(Float(x) > left && Float(x) < right && Float(y) > top && Float(y) < bottom) {
                let d: Colour = rest.image[x, y] - still[x, y]
                largest = max(largest, abs(d.x), abs(d.y), abs(d.z))
            }
        }
        XCTAssertLessThan(largest, 0.02, "at rest the photo stays itself")

        let open = renderer.render(HeadPose(), FaceExpression(jawOpen: 0.5))
        let lips = open.landmarks
        let inside = SIMD2<Float>((lips[62].x + lips[66].x) / 2, (lips[62].y + lips[66].y) / 2)
        let below = lips[66].y - lips[62].y
        let probe = open.image[Int(inside.x.rounded()), Int((inside.y + 0.25 * below).rounded())]
        XCTAssertLessThan(probe.sum() / 3, 0.2, "the open mouth is dark inside")

        // The detector's box on the frame at rest serves the open one too (the head has not
        // moved; his photo scores just above the detector's threshold, and an open mouth can
        // push a frame below it).
        let box = try XCTUnwrap(try tracker().detectFaces(in: rest.image, upsample: 0...1).first)
        XCTAssertLessThan(try tracker().landmarks(in: rest.image, face: box).normalisedError(against: rest.landmarks), 0.1)
        let tracked = try tracker().landmarks(in: open.image, face: box)
        XCTAssertLessThan(tracked.normalisedError(against: lips), 0.15)
        XCTAssertGreaterThan(tracked.mouthOpening, 0.2, "the tracker sees the mouth open")
    }

    /// `synth --photo` writes a drawn speaker's layout plus landmarks.csv, and it reads back.
    func testSynthPhotoWritesTheDataSetWithLandmarks() throws {
        _ = try tracker()  // skips without the landmark model
        let tool = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("talkingface")
        guard FileManager.default.isExecutableFile(atPath: tool.path) else {
            return XCTFail("\(tool.path) is missing; build all products (swift build --build-tests)")
        }
        let scratch = try TemporaryDirectory()
        let process = Process()
        process.executableURL = tool
        process.arguments = ["synth", "--photo", fixturesDirectory.appendingPathComponent("faces/einstein_crop.png").path,
                             "--out", scratch.url.path, "--speakers", "1", "--minutes", "0.02", "--size", "48"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        let root = scratch.file("speaker_00")
        for name in ["audio.wav", "meta.json", "pose.csv", "factors.csv", "factors.h5", "phonemes.csv", "transcript.txt",
                     "landmarks.csv", "frames/00029.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.appendingPathComponent(name).path), name)
        }
        let dataset = try SpeakerDataset(at: root)
        XCTAssertEqual(dataset.frameCount, 30)
        XCTAssertEqual(try dataset.frame(0).width, 48)
        let landmarks = try CSVTable.read(root.appendingPathComponent("landmarks.csv"))
        XCTAssertEqual(landmarks.columns.count, 1 + 2 * 68)
        XCTAssertEqual(landmarks.rows.count, 30)
        let xs = try landmarks.column("x30", in: root), ys = try landmarks.column("y30", in: root)
        XCTAssertTrue(xs.allSatisfy { (0..<48).contains($0) } && ys.allSatisfy { (0..<48).contains($0) }, "the nose tip is in the frame")
    }
}
