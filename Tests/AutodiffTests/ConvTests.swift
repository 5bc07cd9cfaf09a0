import Autodiff
import XCTest

/// conv2d / conv1d against a direct seven-loop convolution, and finite-difference gradients.
final class ConvTests: XCTestCase {
    /// The definition, written for clarity not speed (llm.c style reference).
    /// x (N, C, H, W), w (O, C/groups, kH, kW), b (O)? → (N, O, outH, outW).
    static func referenceConv2d(
        _ x: Tensor, _ w: Tensor, _ b: Tensor?,
        stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
    ) -> Tensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (o, cg, kh, kw) = (w.shape[0], w.shape[1], w.shape[2], w.shape[3])
        let og = o / groups
        let oh = (h + 2 * padding.0 - dilation.0 * (kh - 1) - 1) / stride.0 + 1
        let ow = (wd + 2 * padding.1 - dilation.1 * (kw - 1) - 1) / stride.1 + 1
        var y = [Float](repeating: 0, count: n * o * oh * ow)
        for ni in 0..<n {
            for oc in 0..<o {
                let group = oc / og
                for i in 0..<oh {
                    for j in 0..<ow {
                        var s = Double(b?.values[oc] ?? 0)
                        for ci in 0..<cg {
                            let inC = group * cg + ci
                            for ki in 0..<kh {
                                for kj in 0..<kw {
                                    let r = i * stride.0 - padding.0 + ki * dilation.0
                                    let q = j * stride.1 - padding.1 + kj * dilation.1
                                    guard r >= 0, r < h, q >= 0, q < wd else { continue }
                                    s += Double(x.pointer[((ni * c + inC) * h + r) * wd + q])
                                        * Double(w.pointer[((oc * cg + ci) * kh + ki) * kw + kj])
                                }
                            }
                        }
                        y[((ni * o + oc) * oh + i) * ow + j] = Float(s)
                    }
                }
            }
        }
        return Tensor(shape: [n, o, oh, ow], values: y)
    }

    struct Case {
        var input: [Int]            // (N, C, H, W)
        var outChannels: Int
        var kernel: (Int, Int)
        var stride = (1, 1), padding = (0, 0), dilation = (1, 1), groups = 1
        var bias = true
    }

    static let cases: [String: Case] = [
        "3x3 pad 1": Case(input: [2, 3, 6, 5], outChannels: 4, kernel: (3, 3), padding: (1, 1)),
        "3x3 no padding": Case(input: [2, 3, 7, 6], outChannels: 2, kernel: (3, 3)),
        "3x3 pad 2": Case(input: [1, 2, 5, 4], outChannels: 3, kernel: (3, 3), padding: (2, 2)),
        "3x3 pad 1 wide": Case(input: [2, 17, 9, 11], outChannels: 19, kernel: (3, 3), padding: (1, 1)),
        // Rows of ≥ 8 Winograd tiles take the SIMD path; odd widths clip the last tile.
        "3x3 pad 1 long rows": Case(input: [1, 3, 5, 37], outChannels: 2, kernel: (3, 3), padding: (1, 1)),
        "3x3 long rows no padding": Case(input: [2, 2, 6, 34], outChannels: 3, kernel: (3, 3)),
        "3x3 pad 1 many channels": Case(input: [1, 48, 10, 10], outChannels: 8, kernel: (3, 3), padding: (1, 1)),
        // Images of ≥ 32 Winograd tiles (smaller ones go through im2col): odd and even sizes,
        // each padding Winograd takes.
        "3x3 pad 1 Winograd-sized": Case(input: [2, 3, 12, 13], outChannels: 4, kernel: (3, 3), padding: (1, 1)),
        "3x3 pad 2 Winograd-sized": Case(input: [1, 2, 10, 9], outChannels: 3, kernel: (3, 3), padding: (2, 2)),
        "3x3 no padding Winograd-sized": Case(input: [1, 2, 15, 14], outChannels: 3, kernel: (3, 3)),
        // Images of ≥ 64 4×4 tiles go through F(4×4, 3×3): rows of ≥ 8 tiles (the SIMD path),
        // a short last tile column, short last tile rows, each padding.
        "3x3 pad 1 F(4x4)-sized": Case(input: [2, 3, 32, 33], outChannels: 4, kernel: (3, 3), padding: (1, 1)),
        "3x3 pad 2 F(4x4)-sized": Case(input: [1, 2, 30, 29], outChannels: 3, kernel: (3, 3), padding: (2, 2)),
        "3x3 no padding F(4x4)-sized": Case(input: [1, 2, 35, 38], outChannels: 3, kernel: (3, 3)),
        // 576 products per output (≈ 24 in scale): F(4×4)'s rounding must stay within 1e-4.
        "3x3 pad 1 F(4x4) many channels": Case(input: [1, 64, 32, 32], outChannels: 8, kernel: (3, 3), padding: (1, 1)),
        "3x3 pad 1 on 1x1 images": Case(input: [2, 3, 1, 1], outChannels: 2, kernel: (3, 3), padding: (1, 1)),
        "3x3 pad 1 on 2x3 images": Case(input: [1, 2, 2, 3], outChannels: 2, kernel: (3, 3), padding: (1, 1)),
        "no bias": Case(input: [1, 3, 5, 5], outChannels: 2, kernel: (3, 3), padding: (1, 1), bias: false),
        "stride 2": Case(input: [3, 2, 7, 8], outChannels: 3, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        "dilation 2": Case(input: [2, 2, 7, 7], outChannels: 3, kernel: (3, 3), padding: (2, 2), dilation: (2, 2)),
        "groups 2": Case(input: [2, 4, 5, 6], outChannels: 6, kernel: (3, 3), padding: (1, 1), groups: 2),
        "depthwise": Case(input: [2, 3, 6, 7], outChannels: 3, kernel: (3, 3), padding: (1, 1), groups: 3),
        "depthwise stride 2 dilation 2": Case(input: [2, 3, 9, 9], outChannels: 3, kernel: (3, 3), stride: (2, 2), padding: (1, 1), dilation: (2, 2), groups: 3),
        "pointwise": Case(input: [3, 5, 4, 4], outChannels: 4, kernel: (1, 1)),
        "asymmetric": Case(input: [2, 2, 6, 9], outChannels: 3, kernel: (2, 4), stride: (1, 2), padding: (0, 2), dilation: (2, 1)),
        // Narrow, tall images span several ~256-pixel im2col tiles (tile edges inside the padding).
        "several tiles": Case(input: [2, 2, 150, 4], outChannels: 3, kernel: (3, 3), padding: (1, 1)),
        "several tiles stride 2": Case(input: [1, 2, 300, 3], outChannels: 2, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
        "pointwise several tiles": Case(input: [1, 3, 100, 5], outChannels: 2, kernel: (1, 1)),
        "4x4 stride 2 no padding": Case(input: [1, 2, 8, 8], outChannels: 2, kernel: (4, 4), stride: (2, 2)),
    ]

    func makeInputs(_ c: Case, seed: UInt64) -> (Tensor, Tensor, Tensor?) {
        let x = randomTensor(c.input, seed: seed)
        let w = randomTensor([c.outChannels, c.input[1] / c.groups, c.kernel.0, c.kernel.1], seed: seed + 1)
        let b = c.bias ? randomTensor([c.outChannels], seed: seed + 2) : nil
        return (x, w, b)
    }

    func testConv2dForwardMatchesReference() {
        for (name, c) in Self.cases {
            let (x, w, b) = makeInputs(c, seed: 10)
            let y = conv2d(x, w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            let r = Self.referenceConv2d(x, w, b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
            XCTAssertEqual(y.shape, r.shape, name)
            // F(4×4, 3×3)'s rounding is ≈ 2e-5 of the output's scale (its transforms have
            // coefficients up to 8 and 1/24), ≈ 20× F(2×2)'s; the other kernels' stays ≪ 1e-4.
            let rms = (r.values.reduce(0) { $0 + Double($1 * $1) } / Double(max(1, r.count))).squareRoot()
            let tolerance = max(1e-4, 3e-5 * Float(rms))
            for i in 0..<min(y.count, r.count) {
                XCTAssertEqual(y.pointer[i], r.pointer[i], accuracy: tolerance, "\(name) element \(i)")
            }
        }
    }

    func testConv2dIntOverloadMatchesTupleForm() {
        let (x, w, b) = makeInputs(Self.cases["stride 2"]!, seed: 3)
        let a = conv2d(x, w, bias: b, stride: 2, padding: 1, dilation: 1)
        let t = conv2d(x, w, bias: b, stride: (2, 2), padding: (1, 1))
        XCTAssertEqual(a.shape, t.shape)
        XCTAssertEqual(a.values, t.values)
    }

    func testConv2dGradients() {
        for (name, c) in Self.cases.sorted(by: { $0.key < $1.key }) {
            let (x, w, b) = makeInputs(c, seed: 20)
            let inputs = [x, w] + (b.map { [$0] } ?? [])
            checkGradients(inputs) { t in
                conv2d(t[0], t[1], bias: c.bias ? t[2] : nil, stride: c.stride, padding: c.padding,
                       dilation: c.dilation, groups: c.groups)
            }
            if x.grad == nil { XCTFail("no gradient for \(name)") }
        }
    }

    func testConv2dGradientOnlyForWeight() {
        // x is a constant here: its gradient must not be computed, the weight's must be right.
        let (x, w, _) = makeInputs(Self.cases["3x3 pad 1"]!, seed: 5)
        checkGradients([w]) { t in conv2d(x, t[0], padding: 1) }
        XCTAssertNil(x.grad)
    }

    func testConv2dGradientOnlyForInput() {
        // A frozen weight, several images (so several per-core runs): only gx is computed.
        for name in ["3x3 pad 1", "stride 2", "depthwise", "pointwise"] {
            let (x, w, b) = makeInputs(Self.cases[name]!, seed: 6)
            let c = Self.cases[name]!
            checkGradients([x]) { t in conv2d(t[0], w, bias: b, stride: c.stride, padding: c.padding, groups: c.groups) }
            XCTAssertNil(w.grad)
        }
    }

    func testLargeBatchSplitsAcrossCoresIdentically() {
        // Five images split into uneven per-core runs; each output image must equal the
        // convolution of that image alone, and weight gradients must sum over all runs.
        let x = randomTensor([5, 4, 6, 6], seed: 7)
        let w = randomTensor([3, 4, 3, 3], seed: 8).requiringGrad()
        let y = conv2d(x, w, padding: 1)
        for n in 0..<5 {
            let xn = Tensor(shape: [1, 4, 6, 6], values: Array(x.values[n * 144..<(n + 1) * 144]))
            let yn = withoutGradients { conv2d(xn, w, padding: 1) }
            XCTAssertEqual(Array(y.values[n * 108..<(n + 1) * 108]), yn.values)
        }
        y.sum().backward()
        var expected = [Float](repeating: 0, count: w.count)
        for n in 0..<5 {
            let wn = w.detached().copy().requiringGrad()
            let xn = Tensor(shape: [1, 4, 6, 6], values: Array(x.values[n * 144..<(n + 1) * 144]))
            conv2d(xn, wn, padding: 1).sum().backward()
            for i in 0..<w.count { expected[i] += wn.grad!.pointer[i] }
        }
        for i in 0..<w.count { XCTAssertEqual(w.grad!.pointer[i], expected[i], accuracy: 1e-3) }
    }

    // MARK: - conv1d

    /// x (N, C, L), w (O, C/groups, K): the 1-D definition, written directly.
    static func referenceConv1d(_ x: Tensor, _ w: Tensor, _ b: Tensor?, stride: Int, padding: Int, dilation: Int, groups: Int) -> Tensor {
        let (n, c, l) = (x.shape[0], x.shape[1], x.shape[2])
        let (o, cg, k) = (w.shape[0], w.shape[1], w.shape[2])
        let og = o / groups
        let ol = (l + 2 * padding - dilation * (k - 1) - 1) / stride + 1
        var y = [Float](repeating: 0, count: n * o * ol)
        for ni in 0..<n {
            for oc in 0..<o {
                for t in 0..<ol {
                    var s = Double(b?.values[oc] ?? 0)
                    for ci in 0..<cg {
                        for ki in 0..<k {
                            let p = t * stride - padding + ki * dilation
                            guard p >= 0, p < l else { continue }
                            s += Double(x.pointer[(ni * c + (oc / og) * cg + ci) * l + p]) * Double(w.pointer[(oc * cg + ci) * k + ki])
                        }
                    }
                    y[(ni * o + oc) * ol + t] = Float(s)
                }
            }
        }
        return Tensor(shape: [n, o, ol], values: y)
    }

    // (N, C, L, O, K, stride, padding, dilation, groups, bias)
    static let cases1d: [(String, [Int], Int, Int, Int, Int, Int, Int, Bool)] = [
        ("plain", [2, 3, 11], 4, 3, 1, 1, 1, 1, true),
        ("stride 2 no bias", [2, 3, 12], 2, 4, 2, 0, 1, 1, false),
        ("dilation 3", [1, 2, 15], 3, 3, 1, 3, 3, 1, true),
        ("groups 2", [2, 4, 9], 6, 3, 1, 1, 1, 2, true),
        ("depthwise k31 same padding", [2, 4, 40], 4, 31, 1, 15, 1, 4, true),
        ("depthwise stride 2", [2, 3, 20], 3, 5, 2, 2, 1, 3, false),
        ("depthwise dilation 2", [1, 3, 17], 3, 3, 1, 2, 2, 3, true),
        ("pointwise", [2, 5, 7], 3, 1, 1, 0, 1, 1, true),
    ]

    func testConv1dForwardMatchesReference() {
        for (name, shape, o, k, s, p, d, groups, hasBias) in Self.cases1d {
            let x = randomTensor(shape, seed: 30)
            let w = randomTensor([o, shape[1] / groups, k], seed: 31)
            let b = hasBias ? randomTensor([o], seed: 32) : nil
            let y = conv1d(x, w, bias: b, stride: s, padding: p, dilation: d, groups: groups)
            let r = Self.referenceConv1d(x, w, b, stride: s, padding: p, dilation: d, groups: groups)
            XCTAssertEqual(y.shape, r.shape, name)
            for i in 0..<min(y.count, r.count) {
                XCTAssertEqual(y.pointer[i], r.pointer[i], accuracy: 1e-4, "\(name) element \(i)")
            }
        }
    }

    func testConv1dLongOutputsInColumnTiles() {
        // Outputs long and deep enough to be cut into column tiles (as Wav2Vec2's are): a ragged
        // last tile, padding at both ends, stride 1 and stride 2 (its SIMD gather), groups.
        // (N, C, L, O, K, stride, padding, groups)
        let cases: [(String, [Int], Int, Int, Int, Int, Int)] = [
            ("stride 1 padded", [1, 64, 400], 6, 64, 1, 32, 1),
            ("stride 2", [2, 128, 2100], 4, 12, 2, 3, 1),
            ("groups 2", [1, 128, 700], 4, 48, 1, 24, 2),
        ]
        for (name, shape, o, k, s, p, groups) in cases {
            let x = randomTensor(shape, seed: 50, in: -0.2...0.2)
            let w = randomTensor([o, shape[1] / groups, k], seed: 51, in: -0.2...0.2), b = randomTensor([o], seed: 52)
            let y = conv1d(x, w, bias: b, stride: s, padding: p, groups: groups)
            let r = Self.referenceConv1d(x, w, b, stride: s, padding: p, dilation: 1, groups: groups)
            XCTAssertEqual(y.shape, r.shape, name)
            for i in 0..<min(y.count, r.count) {
                XCTAssertEqual(y.pointer[i], r.pointer[i], accuracy: 1e-4, "\(name) element \(i)")
            }
            checkGradients([x, w]) { t in conv1d(t[0], t[1], bias: b, stride: s, padding: p, groups: groups) }
        }
    }

    func testConv1dGradients() {
        for (_, shape, o, k, s, p, d, groups, hasBias) in Self.cases1d {
            let x = randomTensor(shape, seed: 40)
            let w = randomTensor([o, shape[1] / groups, k], seed: 41)
            let inputs = [x, w] + (hasBias ? [randomTensor([o], seed: 42)] : [])
            checkGradients(inputs) { t in
                conv1d(t[0], t[1], bias: hasBias ? t[2] : nil, stride: s, padding: p, dilation: d, groups: groups)
            }
        }
    }
}
