import Autodiff
import XCTest
import TestSupport

/// groupNorm, layerNorm and batchNorm against direct Double-precision definitions, and gradients.
final class NormalizationTests: XCTestCase {
    /// Normalises each listed set of flat indices by its own mean and biased variance.
    static func normalise(_ x: Tensor, sets: [[Int]], eps: Double) -> [Double] {
        var out = [Double](repeating: 0, count: x.count)
        for set in sets {
            let values = set.map { Double(x.pointer[$0]) }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
            for (k, i) in set.enumerated() { out[i] = (values[k] - mean) / (variance + eps).squareRoot() }
        }
        return out
    }

    func assertClose(_ y: Tensor, _ expected: [Double], accuracy: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(y.count, expected.count, file: file, line: line)
        for i in 0..<min(y.count, expected.count) {
            XCTAssertEqual(y.pointer[i], Float(expected[i]), accuracy: accuracy, "element \(i)", file: file, line: line)
        }
    }

    // MARK: - GroupNorm

    /// x (N, C, S…) flattened: per (n, group) normalisation, then per-channel affine.
    static func referenceGroupNorm(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?) -> [Double] {
        let (n, c) = (x.shape[0], x.shape[1])
        let spatial = x.count / (n * c), cg = c / groups
        var sets: [[Int]] = []
        for b in 0..<n { for g in 0..<groups { sets.append(Array((b * c + g * cg) * spatial..<(b * c + (g + 1) * cg) * spatial)) } }
        var y = normalise(x, sets: sets, eps: 1e-5)
        for i in 0..<y.count {
            let ch = (i / spatial) % c
            y[i] = y[i] * Double(weight?.pointer[ch] ?? 1) + Double(bias?.pointer[ch] ?? 0)
        }
        return y
    }

    func testGroupNormMatchesReference() {
        for (shape, groups, affine) in [([2, 6, 4, 5], 3, true), ([3, 4, 7], 2, false), ([2, 8, 3, 3], 8, true), ([2, 4], 1, true)] {
            let x = randomTensor(shape, seed: 1, in: -2...3)
            let w = affine ? randomTensor([shape[1]], seed: 2) : nil, b = affine ? randomTensor([shape[1]], seed: 3) : nil
            assertClose(groupNorm(x, groups: groups, weight: w, bias: b), Self.referenceGroupNorm(x, groups: groups, weight: w, bias: b))
        }
    }

    func testGroupNormLargeOffsetStaysAccurate() {
        // A large common offset breaks one-pass E[x²] − E[x]² in Float; two-pass must not care.
        let x = randomTensor([1, 4, 32, 32], seed: 4, in: 999...1001)
        assertClose(groupNorm(x, groups: 2, weight: nil, bias: nil), Self.referenceGroupNorm(x, groups: 2, weight: nil, bias: nil), accuracy: 2e-3)
    }

    func testGroupNormSplitAcrossCores() {
        // Blocks of 8192 elements: big enough that forward and backward run as parallel ranges.
        let x = randomTensor([4, 8, 64, 64], seed: 32, in: -2...2)
        let w = randomTensor([8], seed: 33), b = randomTensor([8], seed: 34)
        assertClose(groupNorm(x, groups: 4, weight: w, bias: b), Self.referenceGroupNorm(x, groups: 4, weight: w, bias: b))
        checkGradients([x, w, b], maxElementsPerInput: 16) { t in groupNorm(t[0], groups: 4, weight: t[1], bias: t[2]) }
    }

    func testGroupNormGradients() {
        let x = randomTensor([2, 6, 3, 4], seed: 5)
        checkGradients([x, randomTensor([6], seed: 6), randomTensor([6], seed: 7)]) { t in
            groupNorm(t[0], groups: 3, weight: t[1], bias: t[2])
        }
        checkGradients([randomTensor([2, 4, 5], seed: 8)]) { t in groupNorm(t[0], groups: 2, weight: nil, bias: nil) }
    }

    // MARK: - LayerNorm

    func testLayerNormMatchesReference() {
        for affine in [true, false] {
            let x = randomTensor([2, 5, 24], seed: 9, in: -1...2)   // (B, T, C)
            let w = affine ? randomTensor([24], seed: 10) : nil, b = affine ? randomTensor([24], seed: 11) : nil
            var expected = Self.normalise(x, sets: (0..<10).map { Array($0 * 24..<($0 + 1) * 24) }, eps: 1e-5)
            for i in 0..<expected.count {
                expected[i] = expected[i] * Double(w?.pointer[i % 24] ?? 1) + Double(b?.pointer[i % 24] ?? 0)
            }
            assertClose(layerNorm(x, weight: w, bias: b), expected)
        }
    }

    func testLayerNormGradients() {
        // (B, T, C) with a last dimension that is not a multiple of 16 (exercises SIMD tails).
        checkGradients([randomTensor([2, 3, 19], seed: 12), randomTensor([19], seed: 13), randomTensor([19], seed: 14)]) { t in
            layerNorm(t[0], weight: t[1], bias: t[2])
        }
        checkGradients([randomTensor([3, 33], seed: 15)]) { t in layerNorm(t[0], weight: nil, bias: nil) }
    }

    // MARK: - BatchNorm

    /// Per-channel sets of flat indices over (N, L).
    static func channelSets(_ shape: [Int]) -> [[Int]] {
        let (n, c, l) = (shape[0], shape[1], shape.count == 3 ? shape[2] : 1)
        var sets = [[Int]](repeating: [], count: c)
        for b in 0..<n { for ch in 0..<c { sets[ch] += Array((b * c + ch) * l..<(b * c + ch + 1) * l) } }
        return sets
    }

    func testBatchNormTrainingMatchesReferenceAndUpdatesRunningStatistics() {
        for shape in [[4, 3], [3, 2, 5]] {
            let c = shape[1]
            let x = randomTensor(shape, seed: 16, in: -1...3)
            let w = randomTensor([c], seed: 17), b = randomTensor([c], seed: 18)
            let runningMean = randomTensor([c], seed: 19), runningVar = randomTensor([c], seed: 20, in: 0.5...2)
            let (oldMean, oldVar) = (runningMean.values, runningVar.values)
            let y = batchNorm(x, runningMean: runningMean, runningVar: runningVar, weight: w, bias: b, training: true, momentum: 0.1)
            let sets = Self.channelSets(shape)
            var expected = Self.normalise(x, sets: sets, eps: 1e-5)
            for (ch, set) in sets.enumerated() {
                for i in set { expected[i] = expected[i] * Double(w.pointer[ch]) + Double(b.pointer[ch]) }
                let values = set.map { Double(x.pointer[$0]) }
                let mean = values.reduce(0, +) / Double(values.count)
                let unbiased = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
                XCTAssertEqual(runningMean.pointer[ch], Float(0.9 * Double(oldMean[ch]) + 0.1 * mean), accuracy: 1e-5)
                XCTAssertEqual(runningVar.pointer[ch], Float(0.9 * Double(oldVar[ch]) + 0.1 * unbiased), accuracy: 1e-5)
            }
            assertClose(y, expected)
        }
    }

    func testBatchNormEvaluationUsesRunningStatistics() {
        let x = randomTensor([3, 2, 4], seed: 21)
        let runningMean = randomTensor([2], seed: 22), runningVar = randomTensor([2], seed: 23, in: 0.5...2)
        let w = randomTensor([2], seed: 24), b = randomTensor([2], seed: 25)
        let before = runningMean.values
        let y = batchNorm(x, runningMean: runningMean, runningVar: runningVar, weight: w, bias: b, training: false)
        XCTAssertEqual(runningMean.values, before)
        for i in 0..<x.count {
            let ch = (i / 4) % 2
            let e = (Double(x.pointer[i]) - Double(runningMean.pointer[ch])) / (Double(runningVar.pointer[ch]) + 1e-5).squareRoot()
            XCTAssertEqual(y.pointer[i], Float(e * Double(w.pointer[ch]) + Double(b.pointer[ch])), accuracy: 1e-5)
        }
    }

    func testBatchNormGradients() {
        for training in [true, false] {
            let runningMean = randomTensor([3], seed: 26), runningVar = randomTensor([3], seed: 27, in: 0.5...2)
            checkGradients([randomTensor([4, 3, 5], seed: 28), randomTensor([3], seed: 29), randomTensor([3], seed: 30)]) { t in
                batchNorm(t[0], runningMean: runningMean, runningVar: runningVar, weight: t[1], bias: t[2], training: training)
            }
        }
        checkGradients([randomTensor([5, 4], seed: 31)]) { t in
            batchNorm(t[0], runningMean: nil, runningVar: nil, weight: nil, bias: nil, training: true)
        }
    }
}
