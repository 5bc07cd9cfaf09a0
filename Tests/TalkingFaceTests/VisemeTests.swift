import Foundation
import TalkingFace
import XCTest
import SyntheticSpeaker

/// The mouth trajectory follows espeak-ng's own phoneme timings.
final class VisemeTests: XCTestCase {
    func testPhonemesMapToVisemes() {
        XCTAssertEqual(Viseme(phoneme: "p"), .bilabial)
        XCTAssertEqual(Viseme(phoneme: "m"), .bilabial)
        XCTAssertEqual(Viseme(phoneme: "aI"), .openVowel)
        XCTAssertEqual(Viseme(phoneme: "u:"), .roundedCloseVowel)
        XCTAssertEqual(Viseme(phoneme: "@2"), .midVowel)     // stress digit ignored
        XCTAssertEqual(Viseme(phoneme: "_:"), .rest)
        XCTAssertEqual(Viseme(phoneme: "w"), .roundedGlide)
    }

    func testMouthTimingAgreesWithEspeakEvents() throws {
        let u = try SpeechSynthesizer.speak("Bob bought a map of Paris by the big bay.", voice: SpeakerVoice.palette[0])
        XCTAssertGreaterThan(u.phonemes.count, 20)
        XCTAssertEqual(u.phonemes.map(\.start), u.phonemes.map(\.start).sorted(), "events in time order")
        XCTAssertLessThanOrEqual(u.phonemes.last!.start, u.duration)
        let track = VisemeTrack(phonemes: u.phonemes, end: u.duration)

        // Every lip closure (p, b, m) closes the mouth at its centre; every open vowel opens it
        // well beyond any closure (short vowels between closures do not reach their full target:
        // that is the coarticulation).
        var closureJaw: [Float] = [], openJaw: [Float] = []
        for s in track.segments {
            let jaw = track.mouth(at: s.centre).x
            if s.viseme == .bilabial { closureJaw.append(jaw); XCTAssertLessThan(jaw, 0.12, "\(s.phoneme) at \(s.centre) s") }
            if s.viseme == .openVowel { openJaw.append(jaw); XCTAssertGreaterThan(jaw, 0.3, "\(s.phoneme) at \(s.centre) s") }
        }
        XCTAssertGreaterThanOrEqual(closureJaw.count, 6)
        XCTAssertGreaterThanOrEqual(openJaw.count, 3)
        XCTAssertGreaterThan(openJaw.min()!, 2 * closureJaw.max()!)

        // The jaw signal lines up with the vowel/consonant timing of the events: the lag that
        // best correlates them is within one video frame (40 ms) of zero.
        let dt = 0.005, n = Int(u.duration / dt)
        let jaw = (0..<n).map { Double(track.mouth(at: Double($0) * dt).x) }
        let vowel = (0..<n).map { i -> Double in
            let v = track.viseme(at: Double(i) * dt)
            return [.openVowel, .midVowel, .closeFrontVowel, .roundedCloseVowel, .roundedMidVowel].contains(v) ? 1 : 0
        }
        var best = (lag: 0, r: -1.0)
        for lag in -30...30 {
            let pairs = (0..<n).compactMap { i in (0..<n).contains(i + lag) ? (jaw[i + lag], vowel[i]) : nil }
            let r = Agreement.correlation(pairs.map(\.0), pairs.map(\.1))
            if r > best.r { best = (lag, r) }
        }
        print(String(format: "jaw vs vowel timing: best lag %d ms, r = %.3f", best.lag * 5, best.r))
        XCTAssertLessThanOrEqual(abs(Double(best.lag) * dt), 0.04)
        XCTAssertGreaterThan(best.r, 0.6)
    }
}
