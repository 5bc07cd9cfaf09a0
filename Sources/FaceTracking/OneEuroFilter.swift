/// The One-Euro filter (Casiez, Roussel and Vogel, CHI 2012): a low-pass filter whose cutoff
/// rises with the signal's speed, so a still landmark stops jittering while a moving one
/// follows without lag. One filter smooths one scalar series sampled at `rate` Hz.
public struct OneEuroFilter: Sendable {
    /// The cutoff at rest (Hz): lower means less jitter on a still face.
    public var minimumCutoff: Float
    /// How fast the cutoff rises with speed: higher means less lag on a moving face.
    public var speedCoefficient: Float
    /// The cutoff of the speed estimate itself (Hz).
    public var derivativeCutoff: Float
    public let rate: Float

    private var previous: Float?
    private var previousDerivative: Float = 0

    public init(rate: Float, minimumCutoff: Float = 1, speedCoefficient: Float = 0.05, derivativeCutoff: Float = 1) {
        self.rate = rate
        self.minimumCutoff = minimumCutoff
        self.speedCoefficient = speedCoefficient
        self.derivativeCutoff = derivativeCutoff
    }

    /// The smoothing factor of a first-order low-pass with `cutoff` Hz at this rate.
    private func alpha(_ cutoff: Float) -> Float {
        let tau = 1 / (2 * Float.pi * cutoff)
        return 1 / (1 + tau * rate)
    }

    /// The next sample, filtered.
    public mutating func callAsFunction(_ x: Float) -> Float {
        guard let last = previous else {
            previous = x
            return x
        }
        let derivative = (x - last) * rate
        let aD = alpha(derivativeCutoff)
        previousDerivative = aD * derivative + (1 - aD) * previousDerivative
        let cutoff = minimumCutoff + speedCoefficient * abs(previousDerivative)
        let a = alpha(cutoff)
        let y = a * x + (1 - a) * last
        previous = y
        return y
    }
}

extension OneEuroFilter {
    /// Every landmark's x and y of a sequence, each smoothed on its own.
    public static func smooth(_ sequence: [FaceLandmarks], rate: Float, minimumCutoff: Float = 1,
                              speedCoefficient: Float = 0.05) -> [FaceLandmarks] {
        var filters = [OneEuroFilter](repeating: OneEuroFilter(rate: rate, minimumCutoff: minimumCutoff,
                                                               speedCoefficient: speedCoefficient),
                                      count: 2 * FaceLandmarks.count)
        return sequence.map { frame in
            FaceLandmarks(points: frame.points.enumerated().map { i, p in
                SIMD2(filters[2 * i](p.x), filters[2 * i + 1](p.y))
            })
        }
    }
}
