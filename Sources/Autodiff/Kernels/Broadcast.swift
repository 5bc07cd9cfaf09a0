/// NumPy broadcasting, reduced to "rows": the output is walked as `rowCount` contiguous
/// rows of `innerSize` elements, and each input is either contiguous along a row
/// (inner stride 1) or constant along it (inner stride 0).
///
/// Dimensions of size 1 are dropped, and neighbouring dimensions are merged whenever every
/// input continues contiguously (or stays broadcast) across them. So the cases that
/// matter collapse to one or two dimensions and need no index arithmetic per element:
///   same shape             (N)       strides a (1), b (1)
///   tensor ∘ scalar        (N)       strides a (1), b (0)
///   (N,C,H,W) ∘ (N,C,1,1)  (NC, HW)  strides a (HW, 1), b (1, 0)
///   (B,T,C) ∘ (C)          (BT, C)   strides a (C, 1), b (0, 1)
struct BroadcastPlan {
    /// Collapsed output dimensions, outermost first; the last is the row.
    private(set) var sizes: [Int] = []
    /// Per input, the element stride of each collapsed dimension (0 = broadcast).
    private(set) var strides: [[Int]]

    init(outShape: [Int], inputs: [[Int]]) {
        strides = Array(repeating: [], count: inputs.count)
        let rank = outShape.count
        // Contiguous strides of each input, aligned to the output's trailing dimensions.
        var inputStrides = inputs.map { _ in [Int](repeating: 0, count: rank) }
        for (k, shape) in inputs.enumerated() {
            precondition(shape.count <= rank, "shape \(shape) does not broadcast to \(outShape)")
            var step = 1
            for j in stride(from: shape.count - 1, through: 0, by: -1) {
                let d = rank - shape.count + j
                precondition(shape[j] == outShape[d] || shape[j] == 1, "shape \(shape) does not broadcast to \(outShape)")
                inputStrides[k][d] = shape[j] == 1 ? 0 : step
                step *= shape[j]
            }
        }
        for d in 0..<rank where outShape[d] != 1 {
            let size = outShape[d]
            if let last = sizes.indices.last,
                (0..<inputs.count).allSatisfy({ strides[$0][last] == inputStrides[$0][d] * size })
            {
                sizes[last] *= size
                for k in 0..<inputs.count { strides[k][last] = inputStrides[k][d] }
            } else {
                sizes.append(size)
                for k in 0..<inputs.count { strides[k].append(inputStrides[k][d]) }
            }
        }
        if sizes.isEmpty {  // a one-element output: every input is one element too
            sizes = [1]
            for k in 0..<inputs.count { strides[k] = [1] }
        }
    }

    var innerSize: Int { sizes.last! }
    var rowCount: Int { sizes.dropLast().reduce(1, *) }

    /// Where row `row` of the output starts in input `input`.
    @inline(__always)
    func offset(_ row: Int, input: Int) -> Int {
        let s = strides[input]
        if sizes.count == 2 { return row * s[0] }
        var rest = row, offset = 0
        for d in stride(from: sizes.count - 2, through: 0, by: -1) {
            offset += (rest % sizes[d]) * s[d]
            rest /= sizes[d]
        }
        return offset
    }
}

/// The NumPy broadcast of two shapes.
public func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    return (0..<rank).map { i in
        let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
        let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
        precondition(da == db || da == 1 || db == 1, "shapes \(a) and \(b) do not broadcast")
        return da == 1 ? db : da
    }
}

/// Sums `x` down to `target`, which must broadcast to `x.shape` (no tape).
///
/// Threads never share an output element, so the result does not depend on the core
/// count: when rows are kept along their length (e.g. (B,T,C) → (C)) each thread owns a
/// block of columns and walks every row; when rows collapse to one number each (e.g.
/// (N,C,H,W) → (N,C,1,1)) the row sums are formed in parallel, then added in row order.
func sumToShape(_ x: Tensor, _ target: [Int]) -> Tensor {
    let y = Tensor(shape: target, repeating: 0)  // (target)
    guard x.count > 0 else { return y }
    let plan = BroadcastPlan(outShape: x.shape, inputs: [x.shape, target])
    let inner = plan.innerSize, rows = plan.rowCount, innerKept = plan.strides[1].last! == 1
    nonisolated(unsafe) let src = x.pointer, dst = y.pointer
    if innerKept {
        let columnBlocks = (inner + 15) / 16
        Parallel.forRanges(columnBlocks, minimum: max(1, parallelElementThreshold / 16 / max(rows, 1))) { blocks in
            let start = blocks.lowerBound * 16, n = min(inner, blocks.upperBound * 16) - start
            for row in 0..<rows {
                let ps = src + plan.offset(row, input: 0) + start, pd = dst + plan.offset(row, input: 1) + start
                mapBinary(AddKernel(), pd, ps, pd, n)
            }
        }
    } else {
        var rowSums = [Float](repeating: 0, count: rows)
        rowSums.withUnsafeMutableBufferPointer { sums in
            nonisolated(unsafe) let sums = sums.baseAddress!
            Parallel.forRanges(rows, minimum: max(1, parallelElementThreshold / max(inner, 1))) { range in
                for row in range { sums[row] = horizontalSum(src + plan.offset(row, input: 0), inner) }
            }
        }
        for row in 0..<rows { dst[plan.offset(row, input: 1)] += rowSums[row] }
    }
    return y
}

/// Σ p[0..<n] with 16 partial sums (also more accurate than one running sum).
@inline(__always)
func horizontalSum(_ p: UnsafePointer<Float>, _ n: Int) -> Float {
    var acc = SIMD16<Float>(repeating: 0)
    var i = 0
    while i + 16 <= n {
        acc += loadVector(p + i)
        i += 16
    }
    var total = acc.sum()
    while i < n { total += p[i]; i += 1 }
    return total
}
