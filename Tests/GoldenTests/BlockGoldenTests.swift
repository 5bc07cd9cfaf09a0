import Autodiff
import XCTest

/// Two composite blocks built from our ops against the PyTorch references in
/// Tests/Fixtures/make_op_goldens.py: forward and every parameter's gradient.
final class BlockGoldenTests: XCTestCase {
    func testDiffAEResBlockMatchesPyTorch() throws {
        try Goldens.load().check("resblock", rtol: 1e-4, atol: 1e-5) { p, _ in
            Self.resBlock(x: p[0], timeEmbedding: p[1], zSem: p[2], parameters: Array(p[3...]))
        }
    }

    func testConformerBlockMatchesPyTorch() throws {
        let goldens = try Goldens.load()
        let positions = goldens.tensors["conformer.pos_emb"]!
        try goldens.check("conformer", rtol: 1e-4, atol: 1e-5) { p, _ in
            Self.conformerBlock(x: p[0], positions: positions, parameters: Array(p[1...]), heads: 2)
        }
    }

    /// DiffAE ResBlock with time and z_sem conditions (diffae model/blocks.py), dropout 0:
    /// h = conv(SiLU(GN(x))); h = GN(h)·(1 + t_scale) + t_shift; h = h·(1 + z_scale);
    /// out = skip(x) + conv(SiLU(h)).
    static func resBlock(x: Tensor, timeEmbedding: Tensor, zSem: Tensor, parameters p: [Tensor]) -> Tensor {
        let n = x.size(0), channels = p[2].size(0)
        var h = conv2d(silu(groupNorm(x, groups: 32, weight: p[0], bias: p[1])), p[2], bias: p[3], padding: 1)
        let time = linear(silu(timeEmbedding), p[4], p[5]).reshaped([n, 2 * channels, 1, 1])
        let (tScale, tShift) = { (s: [Tensor]) in (s[0], s[1]) }(time.split([channels, channels], dim: 1))
        let zScale = linear(silu(zSem), p[6], p[7]).reshaped([n, channels, 1, 1])
        h = groupNorm(h, groups: 32, weight: p[8], bias: p[9])
        h = h * (tScale + 1) + tShift
        h = h * (zScale + 1)
        h = conv2d(silu(h), p[10], bias: p[11], padding: 1)
        return conv2d(x, p[12], bias: p[13]) + h
    }

    /// One Conformer block (espnet layout) with Transformer-XL relative-position attention.
    static func conformerBlock(x: Tensor, positions: Tensor, parameters p: [Tensor], heads: Int) -> Tensor {
        let (b, t, d) = (x.size(0), x.size(1), x.size(2)), dk = d / heads
        func ffn(_ h: Tensor, _ q: ArraySlice<Tensor>) -> Tensor {
            let q = Array(q)
            return linear(silu(linear(layerNorm(h, weight: q[0], bias: q[1]), q[2], q[3])), q[4], q[5])
        }
        var x = x + 0.5 * ffn(x, p[0..<6])

        // Self-attention: content term through the attention op, position term as its bias.
        let h = layerNorm(x, weight: p[6], bias: p[7])
        let q = linear(h, p[8], p[9]).reshaped([b, t, heads, dk])                             // (B, T, H, dk)
        let k = linear(h, p[10], p[11]).reshaped([b, t, heads, dk]).transposed(1, 2)          // (B, H, T, dk)
        let v = linear(h, p[12], p[13]).reshaped([b, t, heads, dk]).transposed(1, 2)
        let pe = linear(positions, p[16], nil).reshaped([1, 2 * t - 1, heads, dk]).transposed(1, 2)  // (1, H, 2T-1, dk)
        let qU = (q + p[17]).transposed(1, 2), qV = (q + p[18]).transposed(1, 2)
        let scale = 1 / Float(dk).squareRoot()
        let positionScores = relativeShift(matmul(qV, pe.transposed(2, 3))) * scale           // (B, H, T, T)
        let context = scaledDotProductAttention(qU, k, v, bias: positionScores)              // (B, H, T, dk)
        x = x + linear(context.transposed(1, 2).reshaped([b, t, d]), p[14], p[15])

        // Convolution module on (B, D, T).
        var c = layerNorm(x, weight: p[19], bias: p[20]).transposed(1, 2)
        c = glu(conv1d(c, p[21], bias: p[22]), dim: 1)
        c = conv1d(c, p[23], bias: p[24], padding: (p[23].size(2) - 1) / 2, groups: d)
        c = batchNorm(c, runningMean: .zeros([d]), runningVar: .ones([d]), weight: p[25], bias: p[26], training: true)
        c = conv1d(silu(c), p[27], bias: p[28])
        x = x + c.transposed(1, 2)

        x = x + 0.5 * ffn(x, p[29..<35])
        return layerNorm(x, weight: p[35], bias: p[36])
    }

    /// Scores against relative positions T−1 … −(T−1), (B, H, T, 2T−1), re-indexed
    /// against key positions, (B, H, T, T): espnet's `rel_shift` (pad, fold, drop a row).
    static func relativeShift(_ x: Tensor) -> Tensor {
        let (b, h, t, p) = (x.size(0), x.size(1), x.size(2), x.size(3))
        let padded = concat([Tensor.zeros([b, h, t, 1]), x], dim: 3)           // (B, H, T, P+1)
        let folded = padded.reshaped([b, h, p + 1, t]).slice(dim: 2, 1..<(p + 1))
        return folded.reshaped([b, h, t, p]).slice(dim: 3, 0..<t)
    }
}
