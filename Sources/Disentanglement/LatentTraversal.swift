import DiffusionAutoencoder
import Foundation
import Datasets

/// Traversal grids (docs/architecture.md §8): move one latent part along its principal direction, keep the
/// rest of z_sem, and decode every cell from the same x_T, so only the part's meaning changes
/// across a row.
public enum LatentTraversal {
    /// The unit direction of largest variance of the rows of z (N, d) and the standard
    /// deviation along it: power iteration on the covariance (d is small; 200 rounds from a
    /// fixed start are plenty for a report figure).
    public static func principalDirection(_ z: Matrix) -> (direction: [Double], sigma: Double) {
        let d = z.columns
        let (mean, _) = columnStatistics(z)
        var centred = z
        for r in 0..<z.rows { for c in 0..<d { centred[r, c] -= mean[c] } }
        let covariance = centred.multiplied(by: centred, transposeSelf: true)  // (d, d), × N
        var v = (0..<d).map { 1 + 0.01 * Double($0) }  // not orthogonal to any likely eigenvector
        var eigenvalue = 0.0
        for _ in 0..<200 {
            var w = [Double](repeating: 0, count: d)
            for i in 0..<d { for j in 0..<d { w[i] += covariance[i, j] * v[j] } }
            let norm = w.map { $0 * $0 }.reduce(0, +).squareRoot()
            guard norm > 0 else { break }
            eigenvalue = norm
            v = w.map { $0 / norm }
        }
        let length = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        return (v.map { $0 / length }, (eigenvalue / Double(Swift.max(z.rows, 1))).squareRoot())
    }

    /// One grid: a row per base (zBase (B, zSem), xT (B, 3, S, S)), `steps` columns with the
    /// part `range` moved by −span·σ … +span·σ along `direction`. DDIM with `decodeSteps`.
    public static func grid(model: DiffAE, range: Range<Int>, direction: [Double], sigma: Double,
                            zBase: Tensor, xT: Tensor, steps: Int = 7, span: Double = 2, decodeSteps: Int = 20) -> RGBImage {
        precondition(direction.count == range.count && steps >= 2, "traversal of \(range) along \(direction.count) dims, \(steps) steps")
        let bases = zBase.shape[0], width = zBase.shape[1]
        var z = [Float](), noise = [Float]()
        let xTValues = xT.values, imageSize = xT.count / bases
        for b in 0..<bases {
            for k in 0..<steps {
                let offset = span * sigma * (2 * Double(k) / Double(steps - 1) - 1)
                var row = Array(zBase.values[(b * width)..<((b + 1) * width)])
                for (j, i) in range.enumerated() { row[i] += Float(offset * direction[j]) }
                z += row
                noise += xTValues[(b * imageSize)..<((b + 1) * imageSize)]
            }
        }
        let images = model.decode(Tensor(shape: [bases * steps, width], values: z),
                                  noise: Tensor(shape: [bases * steps] + Array(xT.shape.dropFirst()), values: noise),
                                  steps: decodeSteps).rgbImages()
        return contactSheet((0..<bases).map { b in Array(images[(b * steps)..<((b + 1) * steps)]) })
    }
}
