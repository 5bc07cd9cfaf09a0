/// The windowed real DFT as a matrix, so a block of frames becomes one GEMM:
/// frames (T, n_fft) · basis (n_fft, 2·bins) = [Re | Im] (T, 2·bins), bins = n_fft/2 + 1.
///
/// Why a GEMM and not an FFT: n_fft = 400 is not a power of two, and at this size BLAS
/// runs the 400×402 product near peak speed; 10 s of audio (1001 frames, 0.32 GFLOP)
/// takes a few milliseconds, far below the cost of anything that consumes the features.
/// Basis entries are computed in Double (angles reduced mod n_fft first) so the table
/// itself adds no error beyond Float rounding.
struct SpectrumBasis {
    let size: Int                 // n_fft
    let bins: Int                 // n_fft / 2 + 1
    let matrix: [Float]           // (n_fft, 2·bins): w[n]·cos(2πkn/N) | −w[n]·sin(2πkn/N)

    init(size: Int, window: [Float]) {
        precondition(window.count == size, "window of \(window.count) for n_fft \(size)")
        self.size = size
        bins = size / 2 + 1
        var matrix = [Float](repeating: 0, count: size * 2 * bins)
        for n in 0..<size {
            for k in 0..<bins {
                let angle = 2 * Double.pi * Double((k * n) % size) / Double(size)
                matrix[n * 2 * bins + k] = Float(Double(window[n]) * cos(angle))
                matrix[n * 2 * bins + bins + k] = Float(-Double(window[n]) * sin(angle))
            }
        }
        self.matrix = matrix
    }

    /// Periodic Hann window (torch.hann_window's default): 0.5 − 0.5·cos(2πn/N).
    static func hann(_ size: Int) -> [Float] {
        (0..<size).map { Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(size))) }
    }
}

import Foundation
