import XCTest
import TalkingFace
import SyntheticSpeaker

final class SpeechSynthesizerTests: XCTestCase {
    func testEveryPaletteVoiceSpeaks() throws {
        for voice in SpeakerVoice.palette {
            do {
                let u = try SpeechSynthesizer.speak("The birch canoe slid on the smooth planks.", voice: voice)
                XCTAssertGreaterThan(u.duration, 1, voice.name)
                XCTAssertGreaterThan(u.phonemes.count, 20, voice.name)
            } catch { XCTFail("\(voice.name): \(error)") }
        }
    }

    /// Same text, same voice: same phonemes and (to within espeak's carry-over between calls
    /// in one process, which depends on what was spoken before: 76 samples seen after other
    /// suites' speech, hence 10 ms) the same length. Across processes `synth` is byte-identical
    /// (SyntheticSpeakerTests).
    func testSameTextAndVoiceGiveSameSpeech() throws {
        let text = "Glue the sheet to the dark blue background."
        let a = try SpeechSynthesizer.speak(text, voice: SpeakerVoice.palette[1])
        _ = try SpeechSynthesizer.speak("Something else in between.", voice: SpeakerVoice.palette[3])
        let b = try SpeechSynthesizer.speak(text, voice: SpeakerVoice.palette[1])
        XCTAssertEqual(a.phonemes.map(\.name), b.phonemes.map(\.name))
        XCTAssertEqual(Double(a.samples.count), Double(b.samples.count), accuracy: 160)
        for (x, y) in zip(a.phonemes, b.phonemes) { XCTAssertEqual(x.start, y.start, accuracy: 0.005) }
    }
}
