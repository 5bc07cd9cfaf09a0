import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import TalkingFace
import XCTest
import Datasets
import SyntheticSpeaker
import TestSupport

/// A 6 s synthetic speaker (32×32) whose "z_sem" is a fixed function of its rendered
/// mouth and head factors, so speech → latents is learnable: tanh([jaw, lip width, lip
/// rounding, yaw, pitch, roll] · M)·2 + 0.5 with a fixed random M (6 × 8).
final class SyntheticLatentSpeaker {
    let scratch: TemporaryDirectory
    var data: URL { scratch.file("speaker") }
    var latents: URL { scratch.file("latents.h5") }
    let zSem: Tensor  // (N, 8)

    init(seconds: Double = 6) throws {
        scratch = try TemporaryDirectory()
        let data = scratch.file("speaker")
        try SyntheticSpeaker(index: 0, seed: 11).write(to: data, seconds: seconds, fps: 25, size: 32)
        let factors = try TensorFile.read(data.appendingPathComponent("factors.h5")).tensors
        let columns = ["jaw_open", "lip_width", "lip_rounding", "yaw", "pitch", "roll"].map { factors[$0]! }
        let n = columns[0].count
        let x = Tensor(shape: [n, 6], values: (0..<n).flatMap { i in columns.map { $0.pointer[i] } })
        var rng = RandomGenerator(seed: 99)
        let m = Tensor.randn([6, 8], using: &rng)
        zSem = tanh(matmul(x, m)) * 2 + 0.5
        try Latents(zSem: zSem).write(to: scratch.file("latents.h5"))
    }

    func trainingData(latents: URL? = nil) throws -> SpeechTrainingData {
        try SpeechTrainingData(sources: [(data, latents ?? self.latents)], extractor: SpeechFeatureExtractor())
    }
}

final class SpeechTrainingTests: XCTestCase {
    nonisolated(unsafe) static var shared: SyntheticLatentSpeaker?
    var speaker: SyntheticLatentSpeaker {
        get throws {
            if let shared = Self.shared { return shared }
            let made = try SyntheticLatentSpeaker()
            Self.shared = made
            return made
        }
    }

    override class func tearDown() { shared = nil }

    // MARK: - Alignment

    func testAlignmentArithmetic() throws {
        // 100 Hz log-mel of 4 s (1 + 64000/160 = 401 frames) against 100 video frames.
        let mel = try FrameAlignment(videoFrames: 100, featureFrames: 401, featureRate: 100, frameRate: 25)
        XCTAssertEqual(mel.stride, 4)
        XCTAssertEqual(mel.audioFrames, 100)
        XCTAssertEqual(mel.frames, 100)
        XCTAssertFalse(mel.needsWarning)
        XCTAssertEqual(mel.featureRows(10..<12), 40..<48)
        // 50 Hz Wav2Vec2 frames, audio 3 frames short: trimmed, with a warning.
        let w2v = try FrameAlignment(videoFrames: 100, featureFrames: 195, featureRate: 50, frameRate: 25)
        XCTAssertEqual(w2v.stride, 2)
        XCTAssertEqual(w2v.audioFrames, 97)
        XCTAssertEqual(w2v.frames, 97)
        XCTAssertEqual(w2v.difference, -3)
        XCTAssertTrue(w2v.needsWarning)
        XCTAssertNoThrow(try w2v.check(frameRate: 25, "a"))
        // Two frames apart is normal; more than a second apart is an error naming the files.
        XCTAssertFalse(try FrameAlignment(videoFrames: 100, featureFrames: 408, featureRate: 100, frameRate: 25).needsWarning)
        let far = try FrameAlignment(videoFrames: 100, featureFrames: 4 * 70, featureRate: 100, frameRate: 25)
        XCTAssertThrowsError(try far.check(frameRate: 25, "x/audio.wav and x/frames")) { error in
            XCTAssertTrue("\(error)".contains("x/audio.wav"), "\(error)")
        }
        XCTAssertThrowsError(try FrameAlignment(videoFrames: 10, featureFrames: 40, featureRate: 30, frameRate: 25))
    }

    // MARK: - Split and statistics

    func testHeldOutFramesNeverReachTraining() throws {
        let data = try speaker.trainingData()
        let s = data.speakers[0]
        XCTAssertEqual(s.usable, 0..<150)
        XCTAssertFalse(s.heldOut.isEmpty)
        XCTAssertGreaterThanOrEqual(s.heldOut.lowerBound - s.train.upperBound, 25, "a 1 s gap between train and held-out")
        let examples = data.trainingExamples(windowFrames: 50)
        XCTAssertFalse(examples.isEmpty)
        for example in examples {
            XCTAssertTrue(s.train.lowerBound <= example.frames.lowerBound && example.frames.upperBound <= s.train.upperBound, "\(example.frames)")
        }
        // Every window a batch can crop stays inside the training frames: mark held-out
        // latents and check no batch ever carries the mark.
        let clips = examples.map { s.clip($0.frames) }
        var rng = RandomGenerator(seed: 1)
        for _ in 0..<50 {
            let batch = SpeechToLatentBatch.windows(from: clips, windowFrames: 50, stride: 4, using: &rng)
            let heldOutRows = Set((s.heldOut.lowerBound..<s.heldOut.upperBound).map { s.latents.pointer[$0 * 8] })
            XCTAssertTrue(batch.latents.values.allSatisfy { !heldOutRows.contains($0) || $0 == 0 })
        }
        // The held-out clip is exactly the held-out frames, features included.
        let heldOut = data.heldOutClips()[0]
        XCTAssertEqual(heldOut.latents.values, s.latents.slice(dim: 0, s.heldOut).values)
        XCTAssertEqual(heldOut.features.size(0), 4 * s.heldOut.count)
    }

    func testLatentStatisticsComeFromTrainingFramesOnly() throws {
        let speaker = try self.speaker
        // Held-out rows replaced by 1000: statistics must not see them.
        let n = speaker.zSem.size(0)
        let split = SpeakerDataset.split(frameCount: n, fps: 25, heldOutFraction: 0.1, gapSeconds: 1)
        let poisoned = speaker.zSem.copy()
        for i in split.heldOut { for j in 0..<8 { poisoned.pointer[i * 8 + j] = 1000 } }
        let url = speaker.scratch.file("poisoned.h5")
        try Latents(zSem: poisoned).write(to: url)
        let stats = try speaker.trainingData(latents: url).trainingStatistics()
        let expected = try LatentStatistics(samples: [speaker.zSem.slice(dim: 0, split.train)])
        for j in 0..<8 {
            XCTAssertEqual(stats.latents.mean[j], expected.mean[j], accuracy: 1e-5)
            XCTAssertEqual(stats.latents.std[j], expected.std[j], accuracy: 1e-5)
        }
        let pose = try XCTUnwrap(stats.pose)
        XCTAssertLessThan(pose.mean.map(abs).max()!, 45, "pose statistics in degrees, from pose.csv")
    }

    func testFeaturesAreCachedUntilTheAudioChanges() throws {
        let speaker = try self.speaker
        let copy = speaker.scratch.file("cached")
        try FileManager.default.copyItem(at: speaker.data, to: copy)
        try? FileManager.default.removeItem(at: copy.appendingPathComponent("cache"))
        let audio = copy.appendingPathComponent("audio.wav"), cache = copy.appendingPathComponent("cache")
        let extractor = try SpeechFeatureExtractor()
        let first = try extractor.cachedFeatures(of: audio, cacheFolder: cache)
        let second = try extractor.cachedFeatures(of: audio, cacheFolder: cache)
        XCTAssertFalse(first.fromCache)
        XCTAssertTrue(second.fromCache)
        XCTAssertEqual(first.features.values, second.features.values)
        XCTAssertEqual(first.features.shape, [1 + 6 * 16000 / 160, 80])
        // New audio (a different length) invalidates the cache.
        let clip = try AudioFile.read(audio, sampleRate: 16000)
        try AudioFile.write(AudioClip(samples: Array(clip.samples.prefix(16000 * 5)), sampleRate: 16000), to: audio)
        let third = try extractor.cachedFeatures(of: audio, cacheFolder: cache)
        XCTAssertFalse(third.fromCache)
        XCTAssertEqual(third.features.size(0), 1 + 5 * 16000 / 160)
    }

    // MARK: - End to end

    func testTrainResumePredictOnASyntheticSpeaker() throws {
        let speaker = try self.speaker
        let data = try speaker.trainingData()
        let run = speaker.scratch.file("run")
        let config = SpeechToLatentPreset.tiny.config(featureDimension: 80, featureLayers: 1, featureRate: 100, latentDimension: 8)
        var options = SpeechToLatentTrainingOptions()
        options.steps = 30
        options.batchSize = 4
        options.learningRate = 3e-3
        options.seed = 5
        options.checkpointEvery = 100

        // Loss on fixed training windows, in evaluation mode.
        var rng = RandomGenerator(seed: 8)
        let s = data.speakers[0]
        let fixed = SpeechToLatentBatch.windows(from: [s.clip(s.train)], windowFrames: 50, stride: 4, using: &rng)
        func loss(_ model: SpeechToLatentModel) -> Float {
            model.eval()
            defer { model.train() }
            return withoutGradients { model.loss(fixed).total.item }
        }

        let first = try SpeechToLatentTrainer(data: data, config: config, options: options, runFolder: run, resume: false)
        let initial = loss(first.model)
        XCTAssertEqual(try first.train().step, 30)
        // A second run without --resume refuses to overwrite.
        XCTAssertThrowsError(try SpeechToLatentTrainer(data: data, config: config, options: options, runFolder: run, resume: false)) {
            XCTAssertTrue("\($0)".contains("s2l.h5"), "\($0)")
        }
        // Resuming on different data is refused (its example order would not fit).
        let otherSplit = try SpeechTrainingData(sources: [(speaker.data, speaker.latents)], extractor: SpeechFeatureExtractor(), heldOutFraction: 0.5)
        XCTAssertThrowsError(try SpeechToLatentTrainer(data: otherSplit, config: config, options: options, runFolder: run, resume: true)) {
            XCTAssertTrue("\($0)".contains("s2l.h5") && "\($0)".contains("same --data"), "\($0)")
        }
        options.steps = 60
        let resumed = try SpeechToLatentTrainer(data: data, config: config, options: options, runFolder: run, resume: true)
        XCTAssertEqual(resumed.loop.step, 30)
        XCTAssertEqual(loss(resumed.model), loss(first.model), "the checkpoint restores the model")
        XCTAssertEqual(try resumed.train().step, 60)
        let final = loss(resumed.model)
        print("s2l train on a synthetic speaker: loss \(initial) → \(final)")
        XCTAssertLessThan(final, 0.6 * initial)

        let evaluation = try resumed.evaluate()
        XCTAssertEqual(evaluation.heldOutFrames, s.heldOut.count)
        XCTAssertTrue(evaluation.latentCosine.isFinite && evaluation.normalisedMSE.isFinite)
        XCTAssertEqual(evaluation.poseMAEDegrees?.count, 3)
        XCTAssertEqual(try JSONDecoder().decode(SpeechToLatentEvaluation.self, from: Data(contentsOf: run.appendingPathComponent("eval.json"))),
                       evaluation)

        // Predict on new speech: T = 25 · duration frames, written as a latents file.
        let wav = speaker.scratch.file("new.wav")
        let samples = (0..<51200).map { i in 0.3 * sin(Float(i) * 0.07) * sin(Float(i) * 0.0005) }  // 3.2 s
        try AudioFile.write(AudioClip(samples: samples, sampleRate: 16000), to: wav)
        let predictor = try SpeechToLatentPredictor(model: run.appendingPathComponent("s2l.h5"))
        let predicted = try predictor.predict(audio: wav)
        XCTAssertEqual(predicted.zSem.shape, [80, 8])
        XCTAssertEqual(predicted.pose?.shape, [80, 3])
        let out = speaker.scratch.file("predicted.h5")
        try predicted.write(to: out)
        let back = try Latents.read(out)
        XCTAssertEqual(back.zSem.values, predicted.zSem.values)
        XCTAssertEqual(back.attributes["pose_units"], "radians")
        XCTAssertEqual(back.recordedFrames, Array(0..<80))

        // A given pose is used as is; too short a pose file is an error naming it.
        let pose = PoseTrack(yaw: .init(repeating: 0.1, count: 80), pitch: .init(repeating: 0, count: 80), roll: .init(repeating: -0.05, count: 80))
        let posed = try predictor.predict(audio: wav, pose: pose)
        XCTAssertEqual(posed.pose!.pointer[0], 0.1, accuracy: 1e-6)
        XCTAssertEqual(posed.pose!.pointer[2], -0.05, accuracy: 1e-6)
        let short = PoseTrack(yaw: .init(repeating: 0, count: 50), pitch: .init(repeating: 0, count: 50), roll: .init(repeating: 0, count: 50))
        XCTAssertThrowsError(try predictor.predict(audio: wav, pose: short, poseFile: URL(fileURLWithPath: "/x/short_pose.csv"))) {
            XCTAssertTrue("\($0)".contains("/x/short_pose.csv") && "\($0)".contains("80"), "\($0)")
        }
    }

    // MARK: - Bad inputs

    func testMissingZSemKeyNamesTheFile() throws {
        let speaker = try self.speaker
        let url = speaker.scratch.file("no_zsem.h5")
        try TensorFile.write(["z": speaker.zSem], to: url)
        XCTAssertThrowsError(try speaker.trainingData(latents: url)) { error in
            XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains("z_sem"), "\(error)")
        }
    }

    func testLatentRowsMustMatchTheFrames() throws {
        let speaker = try self.speaker
        let url = speaker.scratch.file("short.h5")
        try Latents(zSem: speaker.zSem.slice(dim: 0, 0..<140)).write(to: url)
        XCTAssertThrowsError(try speaker.trainingData(latents: url)) { error in
            XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains("140"), "\(error)")
        }
        // Within two frames is accepted (and trimmed).
        let close = speaker.scratch.file("close.h5")
        try Latents(zSem: speaker.zSem.slice(dim: 0, 0..<148)).write(to: close)
        XCTAssertEqual(try speaker.trainingData(latents: close).speakers[0].usable, 0..<148)
        // With frame numbers, a file may cover part of the recording (here frames 10..<150).
        let part = speaker.scratch.file("part.h5")
        try Latents(zSem: speaker.zSem.slice(dim: 0, 10..<150), frames: Array(10..<150)).write(to: part)
        let partial = try speaker.trainingData(latents: part).speakers[0]
        XCTAssertEqual(partial.usable, 10..<150)
        XCTAssertEqual(partial.train.lowerBound, 10)
        XCTAssertEqual(partial.latents.slice(dim: 0, 10..<150).values, speaker.zSem.slice(dim: 0, 10..<150).values)
        // Frame numbers with gaps are refused, naming the file.
        let gappy = speaker.scratch.file("gappy.h5")
        try TensorFile.write(["z_sem": speaker.zSem.slice(dim: 0, 0..<3)], integers: ["frames": [0, 2, 4]], to: gappy)
        XCTAssertThrowsError(try speaker.trainingData(latents: gappy)) { XCTAssertTrue("\($0)".contains(gappy.path) && "\($0)".contains("'frames'"), "\($0)") }
    }

    func testAudioFarShorterThanVideoIsAnError() throws {
        let speaker = try self.speaker
        let copy = speaker.scratch.file("cut")
        try FileManager.default.copyItem(at: speaker.data, to: copy)
        try? FileManager.default.removeItem(at: copy.appendingPathComponent("cache"))
        let audio = try AudioFile.read(copy.appendingPathComponent("audio.wav"), sampleRate: 16000)
        try AudioFile.write(AudioClip(samples: Array(audio.samples.prefix(16000 * 4)), sampleRate: 16000), to: copy.appendingPathComponent("audio.wav"))
        XCTAssertThrowsError(try SpeechTrainingData(sources: [(copy, speaker.latents)], extractor: SpeechFeatureExtractor())) { error in
            XCTAssertTrue("\(error)".contains(copy.appendingPathComponent("audio.wav").path), "\(error)")
        }
    }

    func testShortPoseFileNamesTheFile() throws {
        let speaker = try self.speaker
        let copy = speaker.scratch.file("badpose")
        try FileManager.default.copyItem(at: speaker.data, to: copy)
        let poseURL = copy.appendingPathComponent("pose.csv")
        let track = try PoseTrack.read(poseURL)
        try PoseTrack(yaw: Array(track.yaw.prefix(100)), pitch: Array(track.pitch.prefix(100)), roll: Array(track.roll.prefix(100))).write(to: poseURL)
        XCTAssertThrowsError(try SpeechTrainingData(sources: [(copy, speaker.latents)], extractor: SpeechFeatureExtractor())) { error in
            XCTAssertTrue("\(error)".contains(poseURL.path), "\(error)")
        }
    }

    /// The audio encoder runs in pieces that join on the global frame grid: as many frames
    /// as one pass over the whole clip gives.
    func testEncoderPiecesGiveTheOnePassFrameCount() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/speech/wav2vec2_group")
        let extractor = try SpeechFeatureExtractor(.wav2vec2(directory: folder))
        extractor.encoderPieceSeconds = 0.25
        let samples = (0..<(16000 + 123)).map { Float(sin(Double($0) * 0.01)) * 0.3 }
        let pieces = try extractor(samples: samples)
        let frontEnd = try XCTUnwrap(extractor.frontEnd as? SpeechEncoderFrontEnd)
        let whole = try frontEnd.layers(of: samples)
        XCTAssertEqual(pieces.shape, [whole.count, whole[0].size(1), whole[0].size(2)])
        XCTAssertEqual(pieces.size(1), frontEnd.encoder.configuration.frameCount(samples: samples.count))

        // Streamed from a file piece by piece: the same frames, bit for bit.
        let scratch = try TemporaryDirectory()
        let file = scratch.file("speech.wav")
        try AudioFile.write(AudioClip(samples: samples, sampleRate: 16000), to: file)
        let fromFile = try extractor(samples: AudioFile.read(file, sampleRate: 16000).samples)
        var blocks: [Tensor] = []
        try extractor.forEachBlock(ofFile: file) { blocks.append($0) }
        XCTAssertGreaterThan(blocks.count, 2)
        XCTAssertEqual(concat(blocks, dim: 1).values, fromFile.values)
        XCTAssertEqual(try extractor.frameCount(ofFile: file), fromFile.size(1))
    }
}
