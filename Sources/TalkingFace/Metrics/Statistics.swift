import Datasets
import Foundation

/// Agreement between a measured series and its truth.
public enum Agreement {
    /// Pearson correlation (nan when either series is constant).
    public static func correlation(_ x: [Double], _ y: [Double]) -> Double { pearsonCorrelation(x, y) }

    public static func meanAbsoluteError(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count, "series differ in length")
        guard !x.isEmpty else { return .nan }
        return zip(x, y).map { abs($0 - $1) }.reduce(0, +) / Double(x.count)
    }

    /// Coefficient of determination of `prediction` as a direct estimate of `truth`
    /// (1 − SS_res / SS_tot; no refitting, so a wrong scale or offset counts against it).
    public static func rSquared(prediction: [Double], truth: [Double]) -> Double {
        precondition(prediction.count == truth.count, "series differ in length")
        let mean = truth.reduce(0, +) / Double(truth.count)
        var res = 0.0, tot = 0.0
        for i in truth.indices { res += (truth[i] - prediction[i]) * (truth[i] - prediction[i]); tot += (truth[i] - mean) * (truth[i] - mean) }
        return tot > 0 ? 1 - res / tot : .nan
    }
}
