import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import TalkingFace
import XCTest
import TestSupport

/// `generateLive`: speech that is still arriving in, each frame out as soon as it is made.
final class LiveGenerationTests: XCTestCase {

    /// Log-mel frames of a clip, as the live pipeline computes them (block by block).
    private func logMelBlocks(_ samples: [Float], block: Int = 1600) -> [Tensor] {
        let stream = LogMelStream()
        var blocks: [Tensor] = []
        var start = 0
        while start < samples.count {
            blocks.append(stream.append(Array(samples[start..<min(samples.count, start + block)])))
            start += block
        }
        blocks.append(try! stream.finish())
        return blocks.filter { $0.size(0) > 0 }
    }

    private func live(_ model: SpeechToLatentModel, _ windowing: LiveWindowing, _ blocks: [Tensor]) throws -> Tensor {
        let stream = SpeechToLatentLiveStream(model: model, windowing: windowing)
        var rows = try blocks.map { try stream.append($0).latents }
        rows.append(try stream.finish().latents)
        return concat(rows.filter { $0.size(0) > 0 }, dim: 0)
    }

    /// One window that covers the whole speech is `predict(features:)` itself.
    func testAWindowOverTheWholeSpeechIsTheWholeUtterance() throws {
        let samples = try AudioFile.read(try speechFile(seconds: 1.2)).samples
        let model = untrainedSpeaker.s2l
        let whole = try model.predict(features: try LogMelSpectrogram()(samples))
        let stitched = try live(model, LiveWindowing(context: 0, hop: 1, lookahead: 100), logMelBlocks(samples))
        XCTAssertEqual(stitched.shape, whole.latents.shape)
        assertClose(stitched, whole.latents, rtol: 1e-5, atol: 1e-5)
    }

    /// The shipped speaker's windows (2 s context, 0.2 s hop, 0.4 s look-ahead) stay close
    /// to the whole utterance's z_sem (on 6 s of the test tone: mean cosine above 0.99, the
    /// lowest 0.91; docs/results.md reports the figures on real speech).
    func testShippedSpeakersWindowedLatentsAgreeWithTheWholeUtterance() throws {
        let bundle = repositoryDirectory.appendingPathComponent("Weights/default")
        try XCTSkipUnless(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("s2l.h5").path), "no shipped speaker")
        let speaker = try Speaker(bundle: bundle)
        let samples = try AudioFile.read(try speechFile(seconds: 6)).samples
        let whole = try speaker.s2l.predict(features: try LogMelSpectrogram()(samples)).latents
        let stitched = try live(speaker.s2l, speaker.liveWindowing(), logMelBlocks(samples))
        XCTAssertEqual(stitched.shape, whole.shape)
        let cosines = Self.rowCosines(stitched, whole)
        let mean = cosines.reduce(0, +) / Float(cosines.count)
        XCTAssertGreaterThan(mean, 0.99, "mean cosine \(mean)")
        XCTAssertGreaterThan(cosines.min()!, 0.85, "lowest cosine \(cosines.min()!)")
    }

    /// Raw RGB on a descriptor: S·S·3 bytes a frame, the frames `render` makes of the same
    /// z_sem (one window over the whole second, so the z_sem is the whole utterance's).
    func testRawVideoHasOneFrameOfBytesPerFrameAndTheRenderedPixels() throws {
        let speech = try speechFile(seconds: 1)
        let speaker = untrainedSpeaker
        let size = speaker.meta.imageSize
        let scratch = try TemporaryDirectory()
        let raw = scratch.file("video.rgb")
        XCTAssertTrue(FileManager.default.createFile(atPath: raw.path, contents: nil))
        let handle = try FileHandle(forWritingTo: raw)
        let report = try speaker.generateLive(speech: AudioStream(speech), windowing: LiveWindowing(context: 0, hop: 1, lookahead: 100),
                                              steps: 2, batchSize: 4, into: RawVideoOutput(descriptor: handle.fileDescriptor))
        try handle.close()
        XCTAssertEqual(report.frameCount, 25)
        let bytes = try Data(contentsOf: raw)
        XCTAssertEqual(bytes.count, 25 * size * size * 3)

        let sink = CollectingSink()
        try speaker.render(zSem: try speaker.latents(speech: speech).zSem, steps: 2, batchSize: 4, into: sink)
        let frame7 = sink.frame(7)  // (3, S, S) in [−1, 1]
        let rendered = Tensor(shape: [1, 3, size, size], values: frame7).rgbImages()[0].image8().pixels
        XCTAssertEqual(Array(bytes[(7 * size * size * 3)..<(8 * size * size * 3)]), rendered)
    }

    /// A WAV arriving on a pipe in real time's pieces: every frame comes out, and the first
    /// comes before the speech has ended.
    func testSpeechOnAPipeGivesFramesBeforeItEnds() throws {
        let speech = try speechFile(seconds: 1.5)
        let bytes = try Data(contentsOf: speech)
        let pipe = Pipe()
        let writer = pipe.fileHandleForWriting
        DispatchQueue.global().async {
            var offset = 0
            while offset < bytes.count,  // 0.1 s of speech every 0.1 s, until the reader stops
                  (try? writer.write(contentsOf: bytes.subdata(in: offset..<min(bytes.count, offset + 3200)))) != nil {
                offset += 3200
                usleep(100_000)
            }
            try? writer.close()
        }
        let output = TimedOutput()
        let stream = try LiveAudioStream(source: FileDescriptorSource(descriptor: pipe.fileHandleForReading.fileDescriptor))
        let started = Date()
        let report = try withExtendedLifetime(pipe) { try untrainedSpeaker.generateLive(speech: stream, steps: 2, batchSize: 2, into: output) }
        let ended = Date()
        XCTAssertEqual(report.frameCount, 37)
        XCTAssertEqual(output.frames, 37)
        XCTAssertTrue(output.finished)
        XCTAssertEqual(output.heard, 24000)
        let first = try XCTUnwrap(output.firstFrame)
        XCTAssertLessThan(first.timeIntervalSince(started), ended.timeIntervalSince(started) - 0.3, "the first frame waited for the end")
    }

    func testAFragmentedMP4HasTheFramesAndTheSound() throws {
        try XCTSkipUnless(Video.isAvailable, "no ffmpeg")
        let speech = try speechFile(seconds: 1)
        let scratch = try TemporaryDirectory()
        let video = scratch.file("live.mp4")
        let size = untrainedSpeaker.meta.imageSize
        _ = try untrainedSpeaker.generateLive(speech: AudioStream(speech), steps: 2, batchSize: 8,
                                              into: FragmentedMP4Output(url: video, size: size, fps: untrainedSpeaker.meta.fps))
        XCTAssertTrue(try Video.hasAudio(video))
        let frames = try runTool("ffprobe", ["-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                                             "stream=nb_read_frames", "-of", "csv=p=0", video.path])
        XCTAssertEqual(frames?.trimmingCharacters(in: .whitespacesAndNewlines), "25")
    }

    func testSpeechTooShortForAFrameIsRefused() throws {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("short.wav")
        try AudioFile.write(AudioClip(samples: [Float](repeating: 0.1, count: 300), sampleRate: 16000), to: url)
        XCTAssertThrowsError(try untrainedSpeaker.generateLive(speech: AudioStream(url), steps: 2, into: TimedOutput())) {
            XCTAssertTrue("\($0)".contains("too short"), "\($0)")
        }
    }

    // MARK: - Helpers

    private func speechFile(seconds: Double) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("live-speech-\(seconds)-\(UUID().uuidString).wav")
        try writeTestSpeech(seconds: seconds, to: url)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private static func rowCosines(_ a: Tensor, _ b: Tensor) -> [Float] {
        let (n, c) = (a.size(0), a.size(1))
        let (x, y) = (a.values, b.values)
        return (0..<n).map { i in
            var (dot, xx, yy): (Float, Float, Float) = (0, 0, 0)
            for j in 0..<c { dot += x[i * c + j] * y[i * c + j]; xx += x[i * c + j] * x[i * c + j]; yy += y[i * c + j] * y[i * c + j] }
            return dot / (xx.squareRoot() * yy.squareRoot())
        }
    }
}

/// Counts what a live output receives, and when the first frame came.
private final class TimedOutput: LiveVideoOutput {
    var frames = 0, heard = 0
    var firstFrame: Date?
    var finished = false

    func write(_ batch: Tensor, firstFrame: Int) throws {
        XCTAssertEqual(firstFrame, frames, "frames in order")
        if self.firstFrame == nil { self.firstFrame = Date() }
        frames += batch.size(0)
    }
    func hear(_ samples: [Float]) throws { heard += samples.count }
    func finish() throws { finished = true }
}
