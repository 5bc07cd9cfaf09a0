import Foundation
import DrawnFace

/// Non-speech motion of a synthetic speaker: head pose, blinks, brows and smile.
enum Motion {
    /// A smooth random walk: a damped oscillator (natural frequency `hertz`, damping 0.8)
    /// driven by white noise whose strength follows `energy` (≈1 on average), so the head
    /// moves more while the speaker talks loudly. `spread` is the stationary standard
    /// deviation at energy 1; `limit` bounds it softly (tanh).
    static func walk(frames: Int, fps: Float, energy: [Float], spread: Float, limit: Float, hertz: Float = 0.3,
                     kicks: [Float]? = nil, rng: inout SeededRandom) -> [Float] {
        let dt = 1 / fps, omega = 2 * Float.pi * hertz, zeta: Float = 0.8
        let sigma = spread * (4 * zeta * omega * omega * omega).squareRoot()
        var x = spread * rng.normal() * 0.5, v: Float = 0
        var out = [Float](repeating: 0, count: frames)
        for f in 0..<frames {
            let a = -omega * omega * x - 2 * zeta * omega * v + sigma * energy[f] * rng.normal() / dt.squareRoot()
            v += a * dt + (kicks?[f] ?? 0)
            x += v * dt
            out[f] = limit * tanh(x / limit)
        }
        return out
    }

    /// Blinks at natural intervals (2–3 s typical, at least 1.2 s apart): a fast close
    /// (80 ms), a short hold, a slower opening (150 ms). 0 open … 1 closed.
    static func blinks(frames: Int, fps: Float, rng: inout SeededRandom) -> [Float] {
        var out = [Float](repeating: 0, count: frames)
        var t = rng.uniform(0.5, 2.5)
        let duration = Float(frames) / fps
        while t < duration {
            let close: Float = 0.08, hold: Float = 0.04, open: Float = 0.15
            let first = max(0, Int((t * fps).rounded(.down))), last = min(frames - 1, Int(((t + close + hold + open) * fps).rounded(.up)))
            if first <= last {
                for f in first...last {
                    let s = Float(f) / fps - t
                    let value: Float = s < 0 ? 0 : s < close ? s / close : s < close + hold ? 1 : max(0, 1 - (s - close - hold) / open)
                    out[f] = max(out[f], value)
                }
            }
            t += 1.2 + -log(max(1e-6, 1 - rng.unit())) * 2.0  // 1.2 s refractory + exponential, mean ≈ 3.2 s
        }
        return out
    }

    /// Moving average over `window` frames (centred), for envelopes.
    static func smooth(_ x: [Float], window: Int) -> [Float] {
        let half = window / 2
        return x.indices.map { i in
            let lo = max(0, i - half), hi = min(x.count, i + half + 1)
            return x[lo..<hi].reduce(0, +) / Float(hi - lo)
        }
    }
}
