import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import TalkingFace
import XCTest
import Datasets
import TestSupport

final class GenerationTests: XCTestCase {
    /// T = 25·duration PNG frames, the side files, and (with ffmpeg) an MP4 as long as the speech.
    func testGenerateWritesOnePNGPerVideoFrameAndAnMP4AsLongAsTheSpeech() throws {
        let scratch = try TemporaryDirectory()
        let speech = scratch.file("speech.wav")
        try writeTestSpeech(seconds: 1.2, to: speech)
        let result = try untrainedSpeaker.generate(speech: speech, batchSize: 8, to: scratch.file("out.mp4"))

        XCTAssertEqual(result.frameCount, 30)
        XCTAssertEqual(result.folder.path, scratch.file("out").path)
        XCTAssertEqual(try Video.frameCount(in: result.framesFolder), 30)
        XCTAssertFalse(FileManager.default.fileExists(atPath: result.framesFolder.appendingPathComponent(Video.frameName(30)).path))
        let first = try PNG.read(result.framesFolder.appendingPathComponent(Video.frameName(0)))
        XCTAssertEqual([first.width, first.height, first.channels], [32, 32, 3])
        XCTAssertEqual(try PoseTrack.readOverride(result.folder.appendingPathComponent("pose.csv")).count, 30)
        let dataset = try SpeakerDataset(at: result.folder)  // the output is a data set eval reads
        XCTAssertEqual(dataset.frameCount, 30)
        XCTAssertEqual(Set(GenerationStage.allCases.filter { result.timings.seconds[$0] != nil }),
                       Video.isAvailable ? Set(GenerationStage.allCases) : [.features, .speechToLatent, .decode, .write])

        guard let probe = try runTool("ffprobe", ["-v", "error", "-show_entries", "format=duration:stream=codec_type",
                                                  "-of", "default=nw=1", scratch.file("out.mp4").path]) else {
            XCTAssertNil(result.video)
            XCTAssertTrue(result.notes.contains { $0.contains("ffmpeg") })
            return
        }
        XCTAssertEqual(result.video?.path, scratch.file("out.mp4").path)
        XCTAssertTrue(probe.contains("codec_type=video") && probe.contains("codec_type=audio"), probe)
        let duration = probe.split(separator: "\n").first { $0.hasPrefix("duration=") }.flatMap { Double($0.dropFirst(9)) }
        XCTAssertEqual(try XCTUnwrap(duration, probe), 1.2, accuracy: 0.1)
    }

    /// Every frame starts from one x_T: equal z_sem gives equal frames, another z_sem
    /// another frame; independent noise makes equal z_sem differ.
    func testSharedNoiseGivesEqualFramesForEqualZSemAndIndependentNoiseDoesNot() throws {
        let z = untrainedSpeaker.dae.config.zSemChannels
        var rng = RandomGenerator(seed: 5)
        let a = Tensor.randn([1, z], using: &rng), b = Tensor.randn([1, z], using: &rng)
        let zSem = concat([a, a, b, a], dim: 0)  // (4, Z): frames 0, 1, 3 alike
        for noise in [NoiseStart.reference, .seeded(7)] {
            let sink = CollectingSink()
            try untrainedSpeaker.render(zSem: zSem, steps: testSteps, noise: noise, batchSize: 2, into: sink)
            XCTAssertEqual(sink.frame(0), sink.frame(1), "\(noise)")
            XCTAssertEqual(sink.frame(0), sink.frame(3), "\(noise): across batches")
            XCTAssertGreaterThan(maxDifference(sink.frame(0), sink.frame(2)), 1e-3, "\(noise): z_sem must matter")
        }
        let independent = CollectingSink()
        try untrainedSpeaker.render(zSem: zSem, steps: testSteps, noise: .independent(seed: 7), batchSize: 2, into: independent)
        XCTAssertGreaterThan(maxDifference(independent.frame(0), independent.frame(1)), 1e-3)
        XCTAssertGreaterThan(maxDifference(independent.frame(0), independent.frame(3)), 1e-3)

        // Frame k's independent noise does not depend on how frames are batched.
        let oneByOne = CollectingSink()
        try untrainedSpeaker.render(zSem: zSem, steps: testSteps, noise: .independent(seed: 7), batchSize: 1, into: oneByOne)
        XCTAssertLessThan(maxDifference(oneByOne.frame(3), independent.frame(3)), 1e-4)
    }

    /// Decoding hands over one batch at a time, in order, never more than the batch size:
    /// nothing holds all frames, so memory does not grow with the audio.
    func testRenderStreamsBatchesInOrder() throws {
        var rng = RandomGenerator(seed: 2)
        let zSem = Tensor.randn([10, untrainedSpeaker.dae.config.zSemChannels], using: &rng)
        let sink = CollectingSink()
        var reported: [(GenerationStage, Int, Int)] = []
        try untrainedSpeaker.render(zSem: zSem, steps: 2, batchSize: 4, into: sink) { reported.append(($0, $1, $2)) }
        XCTAssertEqual(sink.batches.map(\.first), [0, 4, 8])
        XCTAssertEqual(sink.batches.map { $0.frames.size(0) }, [4, 4, 2])
        XCTAssertEqual(reported.filter { $0.0 == .decode }.map(\.1), [0, 4, 8, 10])
        XCTAssertTrue(reported.allSatisfy { $0.2 == 10 })

        // Batching changes nothing in the pictures.
        let whole = CollectingSink()
        try untrainedSpeaker.render(zSem: zSem, steps: 2, batchSize: 10, into: whole)
        XCTAssertLessThan(maxDifference(whole.frame(9), sink.frame(9)), 1e-4)
    }

    /// Twice the speech, the same largest batch: the pipeline's working set does not grow.
    func testLongerSpeechStillArrivesInBatchesOfTheSameSize() throws {
        let scratch = try TemporaryDirectory()
        var largest: [Int] = []
        for seconds in [0.4, 0.8] {
            let speech = scratch.file("speech\(seconds).wav")
            try writeTestSpeech(seconds: seconds, to: speech)
            let (zSem, _) = try untrainedSpeaker.latents(speech: speech)
            XCTAssertEqual(zSem.size(0), Int(seconds * 25))
            let sink = CollectingSink()
            try untrainedSpeaker.render(zSem: zSem, steps: 1, batchSize: 5, into: sink)
            largest.append(sink.batches.map { $0.frames.size(0) }.max() ?? 0)
            XCTAssertEqual(sink.batches.count, Int(seconds * 25) / 5)
        }
        XCTAssertEqual(largest, [5, 5])
    }

    func testPoseOverrideIsUsedAndItsLengthMustFit() throws {
        let scratch = try TemporaryDirectory()
        let speech = scratch.file("speech.wav")
        try writeTestSpeech(seconds: 0.4, to: speech)  // 10 frames
        let poseFile = scratch.file("pose.csv")
        let track = PoseTrack(yaw: (0..<12).map { Float($0) / 100 }, pitch: Array(repeating: 0.1, count: 12), roll: Array(repeating: -0.2, count: 12))
        try track.write(to: poseFile)
        let read = try PoseTrack.readOverride(poseFile)

        XCTAssertThrowsError(try untrainedSpeaker.latents(speech: speech, pose: .override(read, source: poseFile))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains(poseFile.path) && message.contains("12") && message.contains("10"), message)
        }
        let (_, trimmed) = try untrainedSpeaker.latents(speech: speech, pose: .override(read, fit: .trim, source: poseFile))
        XCTAssertEqual(PoseTrack(tensor: trimmed).yaw, Array(read.yaw.prefix(10)))

        let short = PoseTrack(yaw: [0.1, 0.2, 0.3], pitch: [0, 0, 0], roll: [0, 0, 0])
        XCTAssertThrowsError(try untrainedSpeaker.latents(speech: speech, pose: .override(short, fit: .trim, source: poseFile)))
        let (_, looped) = try untrainedSpeaker.latents(speech: speech, pose: .override(short, fit: .loop))
        XCTAssertEqual(PoseTrack(tensor: looped).yaw, [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1])

        // The pose conditions the latents: another pose, other z_sem.
        let (zTrimmed, _) = try untrainedSpeaker.latents(speech: speech, pose: .override(read, fit: .trim))
        let (zLooped, _) = try untrainedSpeaker.latents(speech: speech, pose: .override(short, fit: .loop))
        XCTAssertGreaterThan(maxDifference(zTrimmed.values, zLooped.values), 1e-5)
    }

    func testPoseFileWithWrongColumnsOrNumberingIsRefusedNamingTheFile() throws {
        let scratch = try TemporaryDirectory()
        let cases = [
            ("columns.csv", "frame,yaw,pitch\n0,0.1,0.2\n", "columns"),
            ("order.csv", "frame,yaw,pitch,roll\n0,0,0,0\n2,0,0,0\n", "line 3"),
            ("number.csv", "frame,yaw,pitch,roll\n0,0,abc,0\n", "abc"),
            ("fields.csv", "frame,yaw,pitch,roll\n0,0,0\n", "line 2"),
            ("empty.csv", "frame,yaw,pitch,roll\n", "no pose rows"),
        ]
        for (name, text, expected) in cases {
            let url = scratch.file(name)
            try Data(text.utf8).write(to: url)
            XCTAssertThrowsError(try PoseTrack.readOverride(url)) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains(url.path) && message.contains(expected), "\(name): \(message)")
            }
        }
        XCTAssertThrowsError(try PoseTrack.readOverride(scratch.file("absent.csv"))) { error in
            XCTAssertTrue("\(error)".contains("absent.csv"), "\(error)")
        }
    }

    func testOutputPlaces() throws {
        let scratch = try TemporaryDirectory()
        let speech = scratch.file("speech.wav")
        try writeTestSpeech(seconds: 0.2, to: speech)
        let result = try untrainedSpeaker.generate(speech: speech, steps: 1, to: scratch.file("run"), makeVideo: false)
        XCTAssertEqual(result.folder.path, scratch.file("run").path)
        XCTAssertNil(result.video)
        XCTAssertEqual(try Video.frameCount(in: scratch.file("run/frames")), 5)
        let stored = try TensorFile.read(scratch.file("run/latents.h5")).tensors
        XCTAssertEqual(stored["z_sem"]?.shape, [5, untrainedSpeaker.dae.config.zSemChannels])
        XCTAssertEqual(stored["pose"]?.shape, [5, 3])

        // A second run replaces its own frames; a data set's frames are never touched.
        XCTAssertNoThrow(try untrainedSpeaker.generate(speech: speech, steps: 1, to: scratch.file("run"), makeVideo: false))
        let dataset = scratch.file("dataset/frames")
        try FileManager.default.createDirectory(at: dataset, withIntermediateDirectories: true)
        try Data("truth".utf8).write(to: dataset.appendingPathComponent(Video.frameName(0)))
        XCTAssertThrowsError(try untrainedSpeaker.generate(speech: speech, steps: 1, to: scratch.file("dataset"), makeVideo: false)) { error in
            XCTAssertTrue("\(error)".contains(dataset.path), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: dataset.appendingPathComponent(Video.frameName(0))), Data("truth".utf8))
    }
}

func maxDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
    return zip(a, b).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
}
