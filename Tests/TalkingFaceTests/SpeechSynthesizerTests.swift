import XCTest
import TalkingFace

final class SpeechSynthesizerTests: XCTestCase {
    func testSpeaksWithPhonemeEvents() throws {
        let u = try SpeechSynthesizer.speak("The birch canoe slid on the smooth planks.", voice: SpeakerVoice.palette[0])
        print(u.sampleRate, u.samples.count, u.duration)
        print(u.phonemes.map { "\($0.name)@\($0.start)" }.joined(separator: " "))
        XCTAssertGreaterThan(u.duration, 1)
        XCTAssertGreaterThan(u.phonemes.count, 20)
    }
}
