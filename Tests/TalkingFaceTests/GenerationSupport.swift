import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent
import TalkingFace

/// One untrained tiny speaker for all generation tests (building it inverts a frame).
let untrainedSpeaker: Speaker = try! Speaker.makeUntrained(preset: .tiny, name: "test", seed: 1, steps: testSteps)

/// Few DDIM steps keep the tests fast; the reference x_T is inverted with the same count.
let testSteps = 4

/// A speech-like test clip: a 16 kHz tone whose loudness and pitch wander, `seconds` long.
func writeTestSpeech(seconds: Double, to url: URL) throws {
    let n = Int(seconds * 16000)
    let samples = (0..<n).map { i -> Float in
        let t = Float(i) / 16000
        return 0.3 * (0.6 + 0.4 * sin(2 * .pi * 3 * t)) * sin(2 * .pi * (180 + 40 * sin(2 * .pi * t)) * t)
    }
    try AudioFile.write(AudioClip(samples: samples, sampleRate: 16000), to: url)
}

/// Keeps every batch it receives (for tests of the streaming order and of frame equality).
final class CollectingSink: FrameSink {
    var batches: [(first: Int, frames: Tensor)] = []

    func write(_ batch: Tensor, firstFrame: Int) throws { batches.append((firstFrame, batch.copy())) }

    /// Frame `i` as a flat array of its values.
    func frame(_ i: Int) -> [Float] {
        for (first, frames) in batches where (first..<(first + frames.size(0))).contains(i) {
            return frames.slice(dim: 0, (i - first)..<(i - first + 1)).values
        }
        fatalError("frame \(i) was never written")
    }
}

/// Runs a command-line tool and returns its standard output (nil when it is not installed).
func runTool(_ name: String, _ arguments: [String]) throws -> String? {
    guard let tool = try? Video.locate(name) else { return nil }
    let process = Process()
    process.executableURL = tool
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
