import DiffusionAutoencoder
import COpenBLAS

/// A dense row-major Double matrix: the working form of the probes and of the split's linear
/// adversaries (normal equations want Double).
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]  // (rows, columns)

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "\(values.count) values for a \(rows)×\(columns) matrix")
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.init(rows: rows, columns: columns, values: [Double](repeating: value, count: rows * columns))
    }

    /// Rows given as arrays of equal length.
    public init(_ rowArrays: [[Double]]) {
        let columns = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == columns }, "rows of different lengths")
        self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
    }

    public subscript(r: Int, c: Int) -> Double {
        get { values[r * columns + c] }
        set { values[r * columns + c] = newValue }
    }

    public func row(_ r: Int) -> ArraySlice<Double> { values[(r * columns)..<((r + 1) * columns)] }
    public func column(_ c: Int) -> [Double] { (0..<rows).map { values[$0 * columns + c] } }

    /// The mean of each column (zeros for no rows).
    public func columnMeans() -> [Double] {
        var mean = [Double](repeating: 0, count: columns)
        for r in 0..<rows { for c in 0..<columns { mean[c] += self[r, c] } }
        let n = Double(Swift.max(rows, 1))
        return mean.map { $0 / n }
    }

    /// The listed rows, in order.
    public func selectingRows<S: Sequence>(_ indices: S) -> Matrix where S.Element == Int {
        var out: [Double] = []
        for r in indices { out += row(r) }
        return Matrix(rows: out.count / Swift.max(columns, 1), columns: columns, values: out)
    }

    /// The listed columns, in order.
    public func selectingColumns<C: Collection>(_ indices: C) -> Matrix where C.Element == Int {
        var out: [Double] = []
        out.reserveCapacity(rows * indices.count)
        for r in 0..<rows { for c in indices { out.append(values[r * columns + c]) } }
        return Matrix(rows: rows, columns: indices.count, values: out)
    }

    /// self (M, K) · other (K, N) → (M, N), optionally transposing either (BLAS dgemm).
    public func multiplied(by other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let m = transposeSelf ? columns : rows, k = transposeSelf ? rows : columns
        let n = transposeOther ? other.rows : other.columns
        precondition((transposeOther ? other.columns : other.rows) == k, "matrix product \(rows)×\(columns) · \(other.rows)×\(other.columns)")
        var out = [Double](repeating: 0, count: m * n)
        guard m > 0 && n > 0 && k > 0 else { return Matrix(rows: m, columns: n, values: out) }
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.withUnsafeMutableBufferPointer { c in
                    cblas_dgemm(CblasRowMajor, transposeSelf ? CblasTrans : CblasNoTrans, transposeOther ? CblasTrans : CblasNoTrans,
                                Int32(m), Int32(n), Int32(k), 1, a.baseAddress, Int32(columns),
                                b.baseAddress, Int32(other.columns), 0, c.baseAddress, Int32(n))
                }
            }
        }
        return Matrix(rows: m, columns: n, values: out)
    }
}

/// Solves A X = B for a symmetric positive definite A (P, P) by Cholesky, A = L Lᵀ, then two
/// triangular solves per right-hand side; B (P, Q). Nil when A is not positive definite.
public func choleskySolve(_ a: Matrix, _ b: Matrix) -> Matrix? {
    let p = a.rows
    precondition(a.columns == p && b.rows == p, "choleskySolve: A \(a.rows)×\(a.columns), B \(b.rows)×\(b.columns)")
    var l = [Double](repeating: 0, count: p * p)  // (P, P), lower triangle
    for j in 0..<p {
        var diagonal = a[j, j]
        for k in 0..<j { diagonal -= l[j * p + k] * l[j * p + k] }
        guard diagonal > 0 else { return nil }
        let ljj = diagonal.squareRoot()
        l[j * p + j] = ljj
        for i in (j + 1)..<Swift.max(j + 1, p) {
            var s = a[i, j]
            for k in 0..<j { s -= l[i * p + k] * l[j * p + k] }
            l[i * p + j] = s / ljj
        }
    }
    var x = b
    let q = b.columns
    for c in 0..<q {
        // L y = b (forward), then Lᵀ x = y (backward), in place in column c.
        for i in 0..<p {
            var s = x[i, c]
            for k in 0..<i { s -= l[i * p + k] * x[k, c] }
            x[i, c] = s / l[i * p + i]
        }
        for i in stride(from: p - 1, through: 0, by: -1) {
            var s = x[i, c]
            for k in (i + 1)..<Swift.max(i + 1, p) { s -= l[k * p + i] * x[k, c] }
            x[i, c] = s / l[i * p + i]
        }
    }
    return x
}
