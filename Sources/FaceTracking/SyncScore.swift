import Datasets

/// How well a mouth follows its speech: Pearson's correlation of the per-frame mouth opening
/// with the per-frame loudness, at lag 0 and at every lag within ±`maximumLag` frames.
///
/// Sign convention: a positive lag means the mouth moves after the sound. At lag k the
/// pairs are (mouth[t + k], loudness[t]), so a mouth that follows the sound by k frames
/// peaks at +k, and one that leads it (lips part before the voice starts) at −k.
public struct SyncScore: Codable, Equatable, Sendable {
    public var correlationAtZeroLag: Double
    /// The lag of the highest correlation (the smallest |lag| among equals), and that correlation.
    public var bestLag: Int
    public var bestCorrelation: Double
    public var maximumLag: Int
    /// Lags −maximumLag … +maximumLag in order.
    public var correlationByLag: [Double]
    /// Frames whose mouth and loudness both exist (the pairs at lag 0).
    public var frames: Int

    enum CodingKeys: String, CodingKey {
        case frames
        case correlationAtZeroLag = "r_lag0"
        case bestLag = "best_lag"
        case bestCorrelation = "r_best_lag"
        case maximumLag = "max_lag"
        case correlationByLag = "r_by_lag"
    }

    /// `mouth[t]` is nil where no face was found: such frames leave the pairs out at every lag.
    public init(mouth: [Double?], loudness: [Double], maximumLag: Int = 8) {
        precondition(maximumLag >= 0, "the lag range is ±maximumLag")
        func pairs(_ lag: Int) -> (mouth: [Double], loudness: [Double]) {
            var m: [Double] = [], l: [Double] = []
            for t in loudness.indices where t + lag >= 0 && t + lag < mouth.count {
                if let value = mouth[t + lag], value.isFinite, loudness[t].isFinite {
                    m.append(value)
                    l.append(loudness[t])
                }
            }
            return (m, l)
        }
        let lags = Array(-maximumLag...maximumLag)
        let paired = lags.map(pairs)
        correlationByLag = paired.map { pearsonCorrelation($0.mouth, $0.loudness) }
        correlationAtZeroLag = correlationByLag[maximumLag]
        frames = paired[maximumLag].mouth.count
        self.maximumLag = maximumLag
        bestLag = 0
        bestCorrelation = correlationAtZeroLag
        for (lag, r) in zip(lags, correlationByLag) where r.isFinite {
            if !bestCorrelation.isFinite || r > bestCorrelation || (r == bestCorrelation && abs(lag) < abs(bestLag)) {
                bestLag = lag
                bestCorrelation = r
            }
        }
    }
}
