import Foundation
import DrawnFace

/// A speaker's whole soundtrack: Harvard sentences spoken one after another with pauses,
/// and the phoneme events on one time line.
public struct SpeechTrack: Sendable {
    public var samples: [Float]  // mono, [-1, 1]
    public var sampleRate: Int
    public var phonemes: [PhonemeEvent]
    public var sentences: [(text: String, start: Double, end: Double)]
    public var duration: Double { Double(samples.count) / Double(sampleRate) }

    /// Exactly `seconds` long: sentences in a seeded order until the next one would not fit,
    /// then silence.
    public static func make(voice: SpeakerVoice, seconds: Double, rng: inout SeededRandom) throws -> SpeechTrack {
        let rate = try SpeechSynthesizer.nativeSampleRate()
        let total = Int((seconds * Double(rate)).rounded())
        var track = SpeechTrack(samples: [], sampleRate: rate, phonemes: [], sentences: [])
        track.samples.reserveCapacity(total)
        var order = Array(HarvardSentences.all.indices)
        var next = order.count
        func silence(_ s: Float) { track.samples += [Float](repeating: 0, count: Int(s * Float(rate))) }
        // Pauses are phonemes too ("_", rest), so the mouth settles between sentences.
        track.phonemes.append(PhonemeEvent(name: "_", start: 0))
        silence(rng.uniform(0.2, 0.5))
        while true {
            if next == order.count {  // reshuffle (Fisher–Yates) each pass through the list
                for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, Int(rng.next() % UInt64(i + 1))) }
                next = 0
            }
            let text = HarvardSentences.all[order[next]]
            next += 1
            let u = try SpeechSynthesizer.speak(text, voice: voice)
            guard track.samples.count + u.samples.count <= total else { break }
            let start = Double(track.samples.count) / Double(rate)
            track.phonemes += u.phonemes.map { PhonemeEvent(name: $0.name, start: $0.start + start) }
            track.samples += u.samples
            track.sentences.append((text, start, Double(track.samples.count) / Double(rate)))
            track.phonemes.append(PhonemeEvent(name: "_", start: track.sentences.last!.end))
            silence(rng.uniform(0.25, 0.8))
            if track.samples.count >= total { break }
        }
        if track.samples.count > total { track.samples.removeLast(track.samples.count - total) }
        track.samples += [Float](repeating: 0, count: total - track.samples.count)
        return track
    }

    /// Loudness per video frame in [0, 1]: RMS over a 40 ms window, mapped from −45…−10 dBFS.
    public func loudness(frames: Int, fps: Double) -> [Float] {
        let half = Int(0.02 * Double(sampleRate))
        return (0..<frames).map { f in
            let centre = Int(Double(f) / fps * Double(sampleRate))
            let lo = max(0, centre - half), hi = min(samples.count, centre + half)
            guard hi > lo else { return 0 }
            var energy: Float = 0
            for i in lo..<hi { energy += samples[i] * samples[i] }
            let db = 10 * log10(energy / Float(hi - lo) + 1e-10)
            return min(1, max(0, (db + 45) / 35))
        }
    }
}
