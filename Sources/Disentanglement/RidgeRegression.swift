import DiffusionAutoencoder
/// Linear probe: ridge regression from features x (N, P) to targets y (N, Q), closed form.
///
/// Features are standardised with the training rows' mean and standard deviation (constant
/// features become 0), targets centred; then per target column
///
///     (XᵀX + λ·n·I) w = Xᵀy        (n training rows: λ is per row, independent of n)
///
/// by Cholesky (`choleskySolve`). λ is picked per target from `lambdaGrid` by R² on a
/// validation part, then the model is refitted on training + validation rows.
public struct RidgeRegression: Sendable {
    public let featureMean: [Double]   // (P)
    public let featureScale: [Double]  // (P): 1 / std, 0 for constant features
    public let targetMean: [Double]    // (Q)
    public let targetStd: [Double]     // (Q): of the training targets
    /// On standardised features, in target units: (P, Q).
    public let weights: Matrix
    public let lambdas: [Double]       // (Q)

    public static let lambdaGrid: [Double] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1, 10]

    /// Fits with one fixed λ for every target.
    public init(x: Matrix, y: Matrix, lambda: Double) {
        self.init(x: x, y: y, lambdas: [Double](repeating: lambda, count: y.columns))
    }

    /// Fits with λ per target column.
    public init(x: Matrix, y: Matrix, lambdas: [Double]) {
        precondition(x.rows == y.rows && x.rows > 0, "ridge: \(x.rows) feature rows, \(y.rows) target rows")
        precondition(lambdas.count == y.columns, "ridge: \(lambdas.count) λ for \(y.columns) targets")
        let (mean, scale) = columnStatistics(x)
        let (ymean, ystd) = columnStatistics(y)
        featureMean = mean
        featureScale = scale.map { $0 > 0 ? 1 / $0 : 0 }
        targetMean = ymean
        targetStd = ystd
        self.lambdas = lambdas
        let xs = standardised(x, mean: mean, inverseScale: featureScale)
        var yc = y
        for r in 0..<y.rows { for c in 0..<y.columns { yc[r, c] -= ymean[c] } }
        let gram = xs.multiplied(by: xs, transposeSelf: true)   // (P, P)
        let moment = xs.multiplied(by: yc, transposeSelf: true)  // (P, Q)
        let p = x.columns, n = Double(x.rows)
        var w = Matrix(rows: p, columns: y.columns)
        // One solve per distinct λ, for all the targets that chose it.
        for lambda in Set(lambdas).sorted() {
            let targets = lambdas.indices.filter { lambdas[$0] == lambda }
            var a = gram
            // A floor keeps constant (all-zero) features from making A singular.
            for i in 0..<p { a[i, i] += Swift.max(lambda * n, 1e-9 * n) }
            guard let solution = choleskySolve(a, moment.selectingColumns(targets)) else { continue }
            for (k, t) in targets.enumerated() { for i in 0..<p { w[i, t] = solution[i, k] } }
        }
        weights = w
    }

    /// Fits on `train`, choosing each target's λ by R² on `validation`, then refits on both.
    public init(train: (x: Matrix, y: Matrix), validation: (x: Matrix, y: Matrix), grid: [Double] = RidgeRegression.lambdaGrid) {
        var best = [Double](repeating: grid[0], count: train.y.columns)
        var bestScore = [Double](repeating: -.infinity, count: train.y.columns)
        if validation.x.rows > 1 {
            for lambda in grid {
                let model = RidgeRegression(x: train.x, y: train.y, lambda: lambda)
                let scores = rSquared(prediction: model.predict(validation.x), truth: validation.y)
                for (t, score) in scores.enumerated() where score.isFinite && score > bestScore[t] {
                    bestScore[t] = score
                    best[t] = lambda
                }
            }
        }
        let all = (x: Matrix(rows: train.x.rows + validation.x.rows, columns: train.x.columns, values: train.x.values + validation.x.values),
                   y: Matrix(rows: train.y.rows + validation.y.rows, columns: train.y.columns, values: train.y.values + validation.y.values))
        self.init(x: all.x, y: all.y, lambdas: best)
    }

    /// x (N, P) → predictions (N, Q).
    public func predict(_ x: Matrix) -> Matrix {
        precondition(x.columns == featureMean.count, "ridge: \(x.columns) features for a \(featureMean.count)-feature model")
        var y = standardised(x, mean: featureMean, inverseScale: featureScale).multiplied(by: weights)
        for r in 0..<y.rows { for c in 0..<y.columns { y[r, c] += targetMean[c] } }
        return y
    }

    /// |w| on standardised features per unit of target std: (P, Q) importances for DCI
    /// (0 for constant targets).
    public var importance: Matrix {
        var r = weights
        for i in 0..<r.rows { for c in 0..<r.columns { r[i, c] = targetStd[c] > 0 ? abs(r[i, c]) / targetStd[c] : 0 } }
        return r
    }
}

/// R² per target column, 1 − SS_res / SS_tot about the truth's own mean (scikit-learn's
/// `r2_score`); nan for a constant truth column.
public func rSquared(prediction: Matrix, truth: Matrix) -> [Double] {
    precondition(prediction.rows == truth.rows && prediction.columns == truth.columns, "R² of mismatched matrices")
    let (mean, _) = columnStatistics(truth)
    return (0..<truth.columns).map { c in
        var res = 0.0, tot = 0.0
        for r in 0..<truth.rows {
            let t = truth[r, c]
            res += (t - prediction[r, c]) * (t - prediction[r, c])
            tot += (t - mean[c]) * (t - mean[c])
        }
        return tot > 1e-12 * Double(truth.rows) * Swift.max(1, mean[c] * mean[c]) ? 1 - res / tot : .nan
    }
}

/// Column means and (population) standard deviations.
func columnStatistics(_ m: Matrix) -> (mean: [Double], std: [Double]) {
    let mean = m.columnMeans(), n = Double(Swift.max(m.rows, 1))
    var square = [Double](repeating: 0, count: m.columns)
    for r in 0..<m.rows { for c in 0..<m.columns { square[c] += (m[r, c] - mean[c]) * (m[r, c] - mean[c]) } }
    return (mean, square.map { ($0 / n).squareRoot() })
}

func standardised(_ x: Matrix, mean: [Double], inverseScale: [Double]) -> Matrix {
    var out = x
    for r in 0..<x.rows { for c in 0..<x.columns { out[r, c] = (x[r, c] - mean[c]) * inverseScale[c] } }
    return out
}
