import DiffusionAutoencoder
import Foundation

/// DCI disentanglement and completeness (Eastwood & Williams, ICLR 2018) from an importance
/// matrix R (codes × factors, R_ij ≥ 0: how much code i matters for predicting factor j).
///
///     disentanglement  D_i = 1 − H_K(P_i·), P_ij = R_ij / Σ_k R_ik   (K factors)
///                      D   = Σ_i ρ_i D_i,  ρ_i = Σ_j R_ij / Σ_ij R_ij
///     completeness     C_j = 1 − H_D(P̃·j), P̃_ij = R_ij / Σ_k R_kj  (D codes)
///                      C   = mean_j C_j
///
/// H_b is entropy in base b, so each score lies in [0, 1]: 1 when every code serves one
/// factor (D) and every factor is served by one code (C). Codes, or factors, with no
/// importance at all are left out. The paper's importances come from lasso or random
/// forests; ours are |ridge weights| on standardised inputs (`RidgeRegression.importance`).
public struct DCIScores: Codable, Equatable, Sendable {
    public var disentanglement: Double
    public var completeness: Double
    public var perCode: [Double]    // D_i (nan for codes with no importance)
    public var perFactor: [Double]  // C_j (nan for factors with no importance)

    public init(importance r: Matrix) {
        let codes = r.rows, factors = r.columns
        let total = r.values.reduce(0, +)
        perCode = (0..<codes).map { i in
            let row = Array(r.row(i))
            return factors > 1 ? 1 - normalisedEntropy(row, base: factors) : (row.reduce(0, +) > 0 ? 1 : .nan)
        }
        perFactor = (0..<factors).map { j in
            let column = r.column(j)
            return codes > 1 ? 1 - normalisedEntropy(column, base: codes) : (column.reduce(0, +) > 0 ? 1 : .nan)
        }
        var d = 0.0
        if total > 0 {
            for i in 0..<codes where perCode[i].isFinite { d += r.row(i).reduce(0, +) / total * perCode[i] }
        }
        disentanglement = total > 0 ? d : .nan
        let present = perFactor.filter(\.isFinite)
        completeness = present.isEmpty ? .nan : present.reduce(0, +) / Double(present.count)
    }
}

/// Entropy of `weights` normalised to a distribution, in base `base`; nan if they sum to 0.
func normalisedEntropy(_ weights: [Double], base: Int) -> Double {
    let sum = weights.reduce(0, +)
    guard sum > 0 else { return .nan }
    var h = 0.0
    for w in weights where w > 0 {
        let p = w / sum
        h -= p * Foundation.log(p)
    }
    return h / Foundation.log(Double(base))
}
