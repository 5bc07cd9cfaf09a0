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

/// |a − b| ≤ atol + rtol·|b| everywhere; the message names the worst element.
func assertClose(
    _ a: Tensor, _ b: Tensor, rtol: Float, atol: Float, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
    guard a.shape == b.shape else { return }
    var worst = (index: 0, excess: -Float.infinity)
    for i in 0..<a.count {
        let excess = abs(a.pointer[i] - b.pointer[i]) - (atol + rtol * abs(b.pointer[i]))
        if !(excess <= worst.excess) { worst = (i, excess) }  // NaN counts as worst
    }
    XCTAssertLessThanOrEqual(
        worst.excess, 0,
        "\(what): element \(worst.index) of \(a.shape) is \(a.pointer[worst.index]), expected \(b.pointer[worst.index])",
        file: file, line: line)
}

/// Largest |a − b| (for messages and speed reports).
func maxDifference(_ a: Tensor, _ b: Tensor) -> Float {
    zip(a.buffer, b.buffer).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
}
