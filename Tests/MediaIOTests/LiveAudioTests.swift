import Foundation
import XCTest

import MediaIO
import TestSupport

/// `LiveAudioStream` reads a WAV or raw PCM as its bytes arrive (a pipe, a growing file)
/// and gives the samples `AudioStream` gives for the finished file.
final class LiveAudioTests: XCTestCase {
    private var pipes: [Pipe] = []  // open until the test ends

    override func setUp() {
        signal(SIGPIPE, SIG_IGN)  // a writer thread outliving a failed read gets EPIPE, not a kill
    }

    override func tearDown() { pipes = [] }

    /// A stereo 16-bit clip at 44.1 kHz: mixing and resampling are both exercised.
    private func clip(bits: Int = 16, channels: Int = 2, sampleRate: Int = 44100, seconds: Double = 0.5) -> Data {
        let left = sine(frequency: 220, sampleRate: sampleRate, seconds: seconds), right = sine(frequency: 330, sampleRate: sampleRate, seconds: seconds)
        let scale = Float((1 << (bits - 1)) - 1)
        let frames = zip(left, right).map { l, r in (channels == 1 ? [l] : [l, r]).map { Int32(($0 * scale).rounded()) } }
        return makeWAV(sampleRate: sampleRate, bitsPerSample: bits, frames: frames, channels: channels)
    }

    /// The bytes on a pipe, written by another thread in small pieces.
    private func pipe(_ bytes: Data, piece: Int = 1000) -> FileDescriptorSource {
        let pipe = Pipe()
        pipes.append(pipe)
        let writer = pipe.fileHandleForWriting
        DispatchQueue.global().async {
            var offset = 0
            // A reader that refuses the stream stops reading: the write then fails (broken pipe).
            while offset < bytes.count, (try? writer.write(contentsOf: bytes.subdata(in: offset..<min(bytes.count, offset + piece)))) != nil {
                offset += piece
            }
            try? writer.close()
        }
        return FileDescriptorSource(descriptor: pipe.fileHandleForReading.fileDescriptor)
    }

    private func readAll(_ stream: LiveAudioStream) throws -> [Float] {
        var samples: [Float] = []
        while let block = try stream.nextBlock() { samples += block }
        return samples
    }

    private func fileSamples(_ bytes: Data) throws -> [Float] {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("clip.wav")
        try bytes.write(to: url)
        return try AudioStream(url, sampleRate: 16000).readAll()
    }

    func testWAVOnAPipeGivesTheFilesSamples() throws {
        for (bits, channels, rate) in [(16, 2, 44100), (8, 1, 16000), (24, 2, 16000), (32, 1, 22050)] {
            let bytes = clip(bits: bits, channels: channels, sampleRate: rate)
            let expected = try fileSamples(bytes)
            let live = try readAll(LiveAudioStream(source: pipe(bytes, piece: 777)))
            XCTAssertEqual(live.count, expected.count, "\(bits) bit, \(channels) channels, \(rate) Hz")
            XCTAssertEqual(zip(live, expected).map { abs($0 - $1) }.max() ?? 0, 0, accuracy: 1e-4, "\(bits) bit, \(channels) channels, \(rate) Hz")
        }
    }

    /// A writer that cannot seek back leaves the data size unknown (0xFFFFFFFF): the samples
    /// run to the end. A known size is honoured: a chunk after the data is not read as sound.
    func testDataSizeUnknownRunsToTheEndKnownStopsThere() throws {
        let bytes = clip(channels: 1, sampleRate: 16000)
        let expected = try fileSamples(bytes)
        var unknown = bytes
        let dataSize = bytes.count - 44
        unknown.replaceSubrange(40..<44, with: [0xFF, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(try readAll(LiveAudioStream(source: pipe(unknown))), expected)
        var trailed = bytes
        trailed.append(contentsOf: Array("LIST".utf8) + [8, 0, 0, 0] + Array(repeating: 0x7F, count: 8))
        let live = try readAll(LiveAudioStream(source: pipe(trailed)))
        XCTAssertEqual(live.count, dataSize / 2)
        XCTAssertEqual(live, expected)
    }

    func testRawPCMWithItsFormat() throws {
        let wav = clip(channels: 2, sampleRate: 44100)
        let expected = try fileSamples(wav)
        let raw = wav.subdata(in: 44..<wav.count)
        let format = PCMFormat(encoding: .s16le, channels: 2, sampleRate: 44100)
        let live = try readAll(LiveAudioStream(source: pipe(raw, piece: 333), raw: format))
        XCTAssertEqual(live.count, expected.count)
        XCTAssertEqual(zip(live, expected).map { abs($0 - $1) }.max() ?? 0, 0, accuracy: 1e-4)
        let floats = sine(frequency: 220, sampleRate: 16000, seconds: 0.1)
        let floatBytes = floats.withUnsafeBytes { Data($0) }
        XCTAssertEqual(try readAll(LiveAudioStream(source: pipe(floatBytes), raw: PCMFormat(encoding: .f32le, channels: 1, sampleRate: 16000))), floats)
    }

    func testNotAWAVAnEmptyStreamAndACutHeaderAreRefused() throws {
        func refusal(_ bytes: Data) -> MediaIOError? {
            do { _ = try readAll(LiveAudioStream(source: pipe(bytes))); return nil } catch { return error as? MediaIOError }
        }
        let flac = refusal(Data("fLaC".utf8) + Data(repeating: 0, count: 100))
        XCTAssertEqual(flac?.kind, .unsupported)
        XCTAssertTrue(flac?.reason.contains("not a WAV stream") ?? false, "\(String(describing: flac))")
        XCTAssertEqual(refusal(Data())?.kind, .emptyAudio)
        XCTAssertEqual(refusal(clip().prefix(30))?.kind, .corrupt)
        var adpcm = clip(channels: 1, sampleRate: 16000)
        adpcm[20] = 2  // format tag 2: MS ADPCM
        XCTAssertEqual(refusal(adpcm)?.kind, .unsupported)
    }

    /// A file still being written (its data size not yet filled in) is followed as it grows
    /// and ends once it stops growing.
    func testGrowingFileIsFollowedUntilItStopsGrowing() throws {
        let scratch = try TemporaryDirectory()
        let url = scratch.file("growing.wav")
        var bytes = clip(channels: 1, sampleRate: 16000)
        let expected = try fileSamples(bytes)
        bytes.replaceSubrange(40..<44, with: [0, 0, 0, 0])
        let growing = bytes
        XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil))
        let writer = try FileHandle(forWritingTo: url)
        let written = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            var offset = 0
            while offset < growing.count {  // 0.5 s of audio in 11 pieces, 30 ms apart
                writer.write(growing.subdata(in: offset..<min(growing.count, offset + 1602)))
                offset += 1602
                usleep(30_000)
            }
            try? writer.close()
            written.signal()
        }
        let start = Date()
        let live = try readAll(LiveAudioStream(source: GrowingFileSource(url, idleSeconds: 0.3)))
        written.wait()
        XCTAssertEqual(live, expected)
        XCTAssertGreaterThan(Date().timeIntervalSince(start), 0.3 + 0.25, "it waited for the writer, then for the idle time")
        XCTAssertThrowsError(try GrowingFileSource(scratch.file("missing.wav"), idleSeconds: 1))
    }
}
