import Foundation

/// The loudness of speech per video frame: the RMS of the samples in each frame's window
/// [i / fps, (i + 1) / fps), log-compressed to dB (full scale = 1) with a floor of
/// `floorDecibels`, and not smoothed. The log keeps loud syllables from dominating a
/// correlation with the mouth, and the floor keeps pauses and digital silence (−∞ dB) at one
/// value.
public enum LoudnessEnvelope {
    public static let defaultFloorDecibels = -60.0

    /// One value per frame whose window starts inside the clip (at most `frames`); a last
    /// window cut short by the clip's end uses the samples it has.
    public static func perFrame(_ clip: AudioClip, fps: Double, frames: Int,
                                floorDecibels: Double = defaultFloorDecibels) -> [Double] {
        precondition(fps > 0 && fps.isFinite, "fps must be positive")
        let rate = Double(clip.sampleRate)
        let floorAmplitude = pow(10, floorDecibels / 20)
        var out: [Double] = []
        for i in 0..<max(frames, 0) {
            let start = Int((Double(i) * rate / fps).rounded()), end = min(Int((Double(i + 1) * rate / fps).rounded()), clip.samples.count)
            guard start < end else { break }
            var sum = 0.0
            for s in clip.samples[start..<end] { sum += Double(s) * Double(s) }
            let rms = (sum / Double(end - start)).squareRoot()
            out.append(20 * log10(max(rms, floorAmplitude)))
        }
        return out
    }
}
