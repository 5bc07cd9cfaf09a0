import Foundation
import XCTest

import MediaIO
import TestSupport

/// A PCM WAV built byte by byte, independent of libsndfile. `frames[i]` holds one integer
/// sample per channel, in the range of `bitsPerSample` (8-bit WAV is unsigned, offset 128).
func makeWAV(sampleRate: Int, bitsPerSample: Int, frames: [[Int32]], channels: Int) -> Data {
    let bytesPerSample = bitsPerSample / 8
    var data = Data()
    func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    let dataBytes = frames.count * channels * bytesPerSample
    data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + dataBytes))
    data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16))
    append(UInt16(1)); append(UInt16(channels)); append(UInt32(sampleRate))
    append(UInt32(sampleRate * channels * bytesPerSample)); append(UInt16(channels * bytesPerSample)); append(UInt16(bitsPerSample))
    data.append(contentsOf: Array("data".utf8)); append(UInt32(dataBytes))
    for frame in frames {
        for sample in frame {
            let stored = bitsPerSample == 8 ? sample + 128 : sample
            withUnsafeBytes(of: stored.littleEndian) { data.append(contentsOf: $0.prefix(bytesPerSample)) }
        }
    }
    return data
}

func sine(frequency: Double, sampleRate: Int, seconds: Double, amplitude: Float = 0.5) -> [Float] {
    (0..<Int(Double(sampleRate) * seconds)).map { amplitude * Float(sin(2 * .pi * frequency * Double($0) / Double(sampleRate))) }
}

/// Magnitude of the DFT of `x` at `frequency` Hz (one bin, computed directly).
func dftMagnitude(_ x: [Float], at frequency: Double, sampleRate: Int) -> Double {
    var re = 0.0, im = 0.0
    for (n, v) in x.enumerated() {
        let phase = 2 * .pi * frequency * Double(n) / Double(sampleRate)
        re += Double(v) * cos(phase)
        im -= Double(v) * sin(phase)
    }
    return (re * re + im * im).squareRoot() / Double(x.count)
}

final class AudioFileTests: XCTestCase {
    func testWAV16RoundTripIsWithinOneQuantizationStep() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("tone.wav")
        let clip = AudioClip(samples: sine(frequency: 440, sampleRate: 16000, seconds: 0.5), sampleRate: 16000)
        try AudioFile.write(clip, to: url)
        let read = try AudioFile.read(url, sampleRate: nil)
        XCTAssertEqual(read.sampleRate, 16000)
        XCTAssertEqual(read.samples.count, clip.samples.count)
        XCTAssertEqual(read.duration, 0.5)
        let worst = zip(read.samples, clip.samples).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, 1 / 32768 + 1e-7)
        XCTAssertGreaterThan(worst, 0)  // really quantized to 16 bits
        XCTAssertEqual(try dir.contents(), ["tone.wav"])
    }

    func testFloatWAVRoundTripIsExactAndClippingOnlyAffects16Bit() throws {
        let dir = try TemporaryDirectory()
        let samples: [Float] = [0, 0.25, -0.125, 0.999, -1, 1.5, -3]
        let clip = AudioClip(samples: samples, sampleRate: 8000)
        try AudioFile.write(clip, to: dir.file("f.wav"), format: .wavFloat32)
        XCTAssertEqual(try AudioFile.read(dir.file("f.wav"), sampleRate: nil).samples, samples)
        try AudioFile.write(clip, to: dir.file("i.wav"))
        let clipped = try AudioFile.read(dir.file("i.wav"), sampleRate: nil).samples
        XCTAssertEqual(clipped[5], 32767 / 32768, accuracy: 1e-6)  // clipped, not wrapped
        XCTAssertEqual(clipped[6], -1)
    }

    func testFLACWrittenByLibsndfileReadsBack() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("tone.flac")
        let clip = AudioClip(samples: sine(frequency: 300, sampleRate: 22050, seconds: 0.3), sampleRate: 22050)
        try AudioFile.write(clip, to: url, format: .flac16)
        XCTAssertEqual(try Data(contentsOf: url).prefix(4), Data("fLaC".utf8))
        let read = try AudioFile.read(url, sampleRate: nil)
        XCTAssertEqual(read.sampleRate, 22050)
        XCTAssertEqual(read.samples.count, clip.samples.count)
        XCTAssertLessThanOrEqual(zip(read.samples, clip.samples).map { abs($0 - $1) }.max()!, 1 / 32768 + 1e-7)
    }

    func testOggVorbisWrittenByLibsndfileReadsBackAtTheSameFrequency() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("tone.ogg")
        try AudioFile.write(AudioClip(samples: sine(frequency: 500, sampleRate: 16000, seconds: 1), sampleRate: 16000), to: url, format: .oggVorbis)
        XCTAssertEqual(try Data(contentsOf: url).prefix(4), Data("OggS".utf8))
        let read = try AudioFile.read(url)
        XCTAssertEqual(read.samples.count, 16000)
        // Lossy, so compare spectra rather than samples.
        XCTAssertEqual(dftMagnitude(read.samples, at: 500, sampleRate: 16000), 0.25, accuracy: 0.01)
        XCTAssertLessThan(dftMagnitude(read.samples, at: 700, sampleRate: 16000), 0.005)
    }

    func testStereoIsMixedDownByAveragingChannels() throws {
        let dir = try TemporaryDirectory()
        // Left a ramp, right a constant: 16-bit and 24-bit files built without libsndfile.
        let frames16: [[Int32]] = (0..<100).map { [Int32($0 * 300), -8000] }
        try makeWAV(sampleRate: 16000, bitsPerSample: 16, frames: frames16, channels: 2).write(to: dir.file("s16.wav"))
        let mono16 = try AudioFile.read(dir.file("s16.wav")).samples
        XCTAssertEqual(mono16.count, 100)
        for (i, frame) in frames16.enumerated() {
            XCTAssertEqual(mono16[i], Float(frame[0] + frame[1]) / 2 / 32768, accuracy: 1e-7)
        }
        let frames24: [[Int32]] = (0..<100).map { [Int32($0 * 80_000 - 4_000_000), 1_000_000] }
        try makeWAV(sampleRate: 16000, bitsPerSample: 24, frames: frames24, channels: 2).write(to: dir.file("s24.wav"))
        let mono24 = try AudioFile.read(dir.file("s24.wav")).samples
        for (i, frame) in frames24.enumerated() {
            XCTAssertEqual(mono24[i], Float(frame[0] + frame[1]) / 2 / 8_388_608, accuracy: 1e-7)
        }
        // 8-bit unsigned, three channels.
        let frames8: [[Int32]] = (0..<10).map { [Int32($0 * 10), -60, 30] }
        try makeWAV(sampleRate: 8000, bitsPerSample: 8, frames: frames8, channels: 3).write(to: dir.file("u8.wav"))
        let mono8 = try AudioFile.read(dir.file("u8.wav"), sampleRate: nil).samples
        for (i, frame) in frames8.enumerated() {
            XCTAssertEqual(mono8[i], Float(frame.reduce(0, +)) / 3 / 128, accuracy: 1e-6)
        }
    }

    func testResample44_1kTo16kKeepsTheSineFrequency() throws {
        let input = sine(frequency: 1000, sampleRate: 44100, seconds: 1)
        let output = try resample(input, from: 44100, to: 16000)
        XCTAssertEqual(output.count, 16000)
        // The energy stays at 1 kHz: DFT bin there ≈ amplitude / 2, neighbours empty.
        let steady = Array(output[500..<15500])  // away from the filter's edge transients
        XCTAssertEqual(dftMagnitude(steady, at: 1000, sampleRate: 16000), 0.25, accuracy: 0.005)
        XCTAssertLessThan(dftMagnitude(steady, at: 1100, sampleRate: 16000), 0.002)
        XCTAssertLessThan(dftMagnitude(steady, at: 900, sampleRate: 16000), 0.002)
        // And 2000 zero crossings per second, as 1 kHz must have.
        let crossings = zip(output, output.dropFirst()).filter { ($0 < 0) != ($1 < 0) }.count
        XCTAssertEqual(crossings, 2000, accuracy: 2)
        // Time-aligned: the output follows the ideal 16 kHz sine sample by sample.
        let ideal = sine(frequency: 1000, sampleRate: 16000, seconds: 1)
        XCTAssertLessThan(zip(steady, ideal[500..<15500]).map { abs($0 - $1) }.max()!, 1e-3)
    }

    func testReadResamplesAndStreamingMatchesWholeRead() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("tone44k.wav")
        try AudioFile.write(AudioClip(samples: sine(frequency: 1000, sampleRate: 44100, seconds: 1.5), sampleRate: 44100), to: url, format: .wavFloat32)
        let clip = try AudioFile.read(url)  // default 16 kHz
        XCTAssertEqual(clip.sampleRate, 16000)
        XCTAssertEqual(clip.samples.count, 24000)
        XCTAssertEqual(clip.duration, 1.5)
        XCTAssertEqual(dftMagnitude(Array(clip.samples[1000..<23000]), at: 1000, sampleRate: 16000), 0.25, accuracy: 0.005)

        let stream = try AudioStream(url, blockFrames: 1000)
        XCTAssertEqual(stream.sourceSampleRate, 44100)
        XCTAssertEqual(stream.duration, 1.5)
        var blocks = 0
        var streamed: [Float] = []
        while let block = try stream.nextBlock() {
            blocks += 1
            streamed += block
        }
        XCTAssertGreaterThan(blocks, 30)  // ~66 source blocks; the first few fill the filter
        XCTAssertEqual(streamed.count, clip.samples.count)
        XCTAssertLessThan(zip(streamed, clip.samples).map { abs($0 - $1) }.max()!, 1e-6)
        XCTAssertNil(try stream.nextBlock())
    }

    func testSpeechRecordingReadsWithTheRightDurationAndSamples() throws {
        let url = fixturesDirectory.appendingPathComponent("speech_librivox_16k.wav")
        struct Expected: Decodable { let frames: Int; let sample_rate: Int; let duration: Double; let samples: [String: Float]; let peak: Float }
        let expected = try JSONDecoder().decode(
            Expected.self, from: Data(contentsOf: fixturesDirectory.appendingPathComponent("speech_librivox_16k_expected.json")))
        let clip = try AudioFile.read(url)
        XCTAssertEqual(clip.sampleRate, expected.sample_rate)
        XCTAssertEqual(clip.samples.count, expected.frames)
        XCTAssertEqual(clip.duration, expected.duration, accuracy: 1e-9)
        for (index, value) in expected.samples { XCTAssertEqual(clip.samples[Int(index)!], value, "sample \(index)") }
        XCTAssertEqual(clip.peak, expected.peak)
        XCTAssertFalse(clip.isSilent)
        let at8k = try AudioFile.read(url, sampleRate: 8000)
        XCTAssertEqual(at8k.samples.count, expected.frames / 2)
        XCTAssertEqual(at8k.duration, expected.duration, accuracy: 1e-9)
    }

    func testSilenceIsReadableAndFlagged() throws {
        let dir = try TemporaryDirectory()
        let url = dir.file("silence.wav")
        try AudioFile.write(AudioClip(samples: [Float](repeating: 0, count: 1600), sampleRate: 16000), to: url)
        let clip = try AudioFile.read(url)
        XCTAssertEqual(clip.samples.count, 1600)
        XCTAssertTrue(clip.isSilent)
        XCTAssertFalse(AudioClip(samples: [0, 0.001, 0], sampleRate: 16000).isSilent)
    }

    func testBadFilesThrowTypedErrorsNamingTheFile() throws {
        let dir = try TemporaryDirectory()
        let missing = dir.file("missing.wav")
        assertMediaIOError(.fileNotFound, file: missing) { try AudioFile.read(missing) }

        let empty = dir.file("empty.wav")
        XCTAssertTrue(FileManager.default.createFile(atPath: empty.path, contents: Data()))
        assertMediaIOError(.emptyFile, file: empty) { try AudioFile.read(empty) }

        let garbage = dir.file("garbage.wav")
        try Data((0..<4000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: garbage)
        assertMediaIOError(.corrupt, file: garbage) { try AudioFile.read(garbage) }

        let cutHeader = dir.file("cut.wav")
        try makeWAV(sampleRate: 16000, bitsPerSample: 16, frames: [[1], [2]], channels: 1).prefix(20).write(to: cutHeader)
        assertMediaIOError(.corrupt, file: cutHeader) { try AudioFile.read(cutHeader) }

        let noFrames = dir.file("zero-length.wav")
        try makeWAV(sampleRate: 16000, bitsPerSample: 16, frames: [], channels: 1).write(to: noFrames)
        assertMediaIOError(.emptyAudio, file: noFrames) { try AudioFile.read(noFrames) }
        assertMediaIOError(.emptyAudio, file: noFrames) { try AudioStream(noFrames) }

        let nowhere = dir.file("no-such-dir/out.wav")
        assertMediaIOError(.io, file: nowhere) { try AudioFile.write(AudioClip(samples: [0], sampleRate: 16000), to: nowhere) }

        XCTAssertThrowsError(try resample([1, 2], from: 0, to: 16000)) { error in
            XCTAssertEqual((error as? MediaIOError)?.kind, .invalidArgument)
        }
    }
}
