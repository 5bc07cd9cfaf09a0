import Foundation
import MediaIO
import NeuralNetworks
import XCTest

/// Files written by Tests/Fixtures/make_speech_goldens.py (torchaudio, transformers).
enum SpeechFixtures {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static let speechClip = folder.appendingPathComponent("speech_librivox_16k.wav")
    static func url(_ name: String) -> URL { folder.appendingPathComponent("speech/\(name)") }
    static func goldens(_ name: String) throws -> [String: Tensor] { try SafeTensors.read(url(name)) }
}

/// Largest |a − b| (for messages and speed reports).
func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.buffer, b.buffer).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
}
