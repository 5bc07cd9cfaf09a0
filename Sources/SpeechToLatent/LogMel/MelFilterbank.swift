/// Triangular mel filters on the HTK scale, as torchaudio's `melscale_fbanks` with its
/// `MelSpectrogram` defaults (`mel_scale="htk"`, `norm=None`): filter m rises linearly from
/// mel point m to m + 1 and falls to m + 2, the n_mels + 2 points evenly spaced in mel
/// between f_min and f_max, evaluated at the n_fft/2 + 1 bin frequencies.
enum MelFilterbank {
    static func hertzToMel(_ f: Double) -> Double { 2595 * log10(1 + f / 700) }
    static func melToHertz(_ m: Double) -> Double { 700 * (pow(10, m / 2595) - 1) }

    /// (frequencyBins, mels) row-major, so power (T, bins) · bank gives (T, mels).
    static func make(frequencyBins: Int, mels: Int, sampleRate: Int, minHz: Double, maxHz: Double) -> [Float] {
        let binHz = (0..<frequencyBins).map { Double(sampleRate / 2) * Double($0) / Double(frequencyBins - 1) }
        let lowMel = hertzToMel(minHz), highMel = hertzToMel(maxHz)
        let corners = (0..<(mels + 2)).map { melToHertz(lowMel + (highMel - lowMel) * Double($0) / Double(mels + 1)) }
        var bank = [Float](repeating: 0, count: frequencyBins * mels)
        for m in 0..<mels {
            let (left, centre, right) = (corners[m], corners[m + 1], corners[m + 2])
            for (bin, f) in binHz.enumerated() {
                let rising = (f - left) / (centre - left), falling = (right - f) / (right - centre)
                bank[bin * mels + m] = Float(max(0, min(rising, falling)))
            }
        }
        return bank
    }
}

import Foundation
