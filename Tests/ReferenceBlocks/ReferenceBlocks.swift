import Autodiff

// Functional Swift twins of Tests/Fixtures/reference_blocks.py, composed only from
// Autodiff ops. The golden tests check them against PyTorch; the benchmarks time them
// against the same PyTorch code. Parameters come as a flat list in the script's order.
// (The models of DiffusionAutoencoder and SpeechToLatent are the real users' API; these
// stay as small, checked fixtures of the engine.)

/// DiffAE ResBlock with time and z_sem conditions (diffae model/blocks.py), dropout 0:
/// h = conv(SiLU(GN(x))); h = GN(h)·(1 + t_scale) + t_shift; h = h·(1 + z_scale);
/// out = skip(x) + conv(SiLU(h)).
/// - Parameters: p = [gn1 w, b, conv1 w, b, time linear w, b, z linear w, b, gn2 w, b,
///   conv2 w, b] + [skip conv w, b] when the channel count changes.
/// - Shapes: x (N, Cin, H, W), timeEmbedding (N, E), zSem (N, Z) → (N, Cout, H, W).
public func diffAEResBlock(_ x: Tensor, timeEmbedding: Tensor, zSem: Tensor, parameters p: [Tensor]) -> Tensor {
    let n = x.size(0), channels = p[2].size(0)
    var h = conv2d(silu(groupNorm(x, groups: 32, weight: p[0], bias: p[1])), p[2], bias: p[3], padding: 1)
    let time = linear(silu(timeEmbedding), p[4], p[5]).reshaped([n, 2 * channels, 1, 1]).split([channels, channels], dim: 1)
    let zScale = linear(silu(zSem), p[6], p[7]).reshaped([n, channels, 1, 1])
    h = groupNorm(h, groups: 32, weight: p[8], bias: p[9])
    h = h * (time[0] + 1) + time[1]
    h = h * (zScale + 1)
    h = conv2d(silu(h), p[10], bias: p[11], padding: 1)
    let skip = p.count > 12 ? conv2d(x, p[12], bias: p[13]) : x
    return skip + h
}

/// Parameter shapes of `diffAEResBlock`, in order.
public func diffAEResBlockShapes(in cin: Int, out cout: Int, timeDim: Int, zDim: Int) -> [[Int]] {
    var shapes = [[cin], [cin], [cout, cin, 3, 3], [cout], [2 * cout, timeDim], [2 * cout], [cout, zDim], [cout],
                  [cout], [cout], [cout, cout, 3, 3], [cout]]
    if cin != cout { shapes += [[cout, cin, 1, 1], [cout]] }
    return shapes
}

/// DiffAE AttentionBlock: GN → qkv → softmax(q kᵀ/√d) v per head over the H·W tokens → proj, residual.
/// - Parameters: p = [gn w, b, qkv w (3C, C), b, proj w (C, C), b]; x (N, C, H, W).
public func diffAEAttentionBlock(_ x: Tensor, parameters p: [Tensor], heads: Int) -> Tensor {
    let (n, c, hw) = (x.size(0), x.size(1), x.size(2) * x.size(3)), d = c / heads
    let tokens = groupNorm(x, groups: 32, weight: p[0], bias: p[1]).reshaped([n, c, hw]).transposed(1, 2)  // (N, HW, C)
    let qkv = linear(tokens, p[2], p[3]).reshaped([n, hw, 3, heads, d]).permuted([2, 0, 3, 1, 4])      // (3, N, heads, HW, d)
    let parts = qkv.split([1, 1, 1], dim: 0).map { $0.reshaped([n, heads, hw, d]) }
    let attended = scaledDotProductAttention(parts[0], parts[1], parts[2])                           // (N, heads, HW, d)
    let out = linear(attended.transposed(1, 2).reshaped([n, hw, c]), p[4], p[5])                     // (N, HW, C)
    return x + out.transposed(1, 2).reshaped(x.shape)
}

public func diffAEAttentionBlockShapes(channels c: Int) -> [[Int]] {
    [[c], [c], [3 * c, c], [3 * c], [c, c], [c]]
}

/// One Conformer block (espnet layout) with Transformer-XL relative-position attention:
/// x + ½FFN, x + RelPosMHSA, x + ConvModule, x + ½FFN, LayerNorm. BatchNorm in training mode.
/// - Parameters: 37 tensors in the order of `conformerBlockShapes`; x (B, T, D);
///   positions (1, 2T−1, D) from `relativePositions`.
public func conformerBlock(_ x: Tensor, positions: Tensor, parameters p: [Tensor], heads: Int) -> Tensor {
    let (b, t, d) = (x.size(0), x.size(1), x.size(2)), dk = d / heads
    func feedForward(_ h: Tensor, _ q: ArraySlice<Tensor>) -> Tensor {
        let q = Array(q)
        return linear(silu(linear(layerNorm(h, weight: q[0], bias: q[1]), q[2], q[3])), q[4], q[5])
    }
    var x = x + 0.5 * feedForward(x, p[0..<6])

    // Self-attention: the content term through the attention op, the position term as its bias.
    let h = layerNorm(x, weight: p[6], bias: p[7])
    let q = linear(h, p[8], p[9]).reshaped([b, t, heads, dk])                                   // (B, T, H, dk)
    let k = linear(h, p[10], p[11]).reshaped([b, t, heads, dk]).transposed(1, 2)                // (B, H, T, dk)
    let v = linear(h, p[12], p[13]).reshaped([b, t, heads, dk]).transposed(1, 2)
    let pe = linear(positions, p[16], nil).reshaped([1, 2 * t - 1, heads, dk]).transposed(1, 2)  // (1, H, 2T-1, dk)
    let qU = (q + p[17]).transposed(1, 2), qV = (q + p[18]).transposed(1, 2)
    let scale = 1 / Float(dk).squareRoot()
    let positionScores = relativeShift(matmul(qV, pe.transposed(2, 3))) * scale                 // (B, H, T, T)
    let context = scaledDotProductAttention(qU, k, v, bias: positionScores)                    // (B, H, T, dk)
    x = x + linear(context.transposed(1, 2).reshaped([b, t, d]), p[14], p[15])

    // Convolution module on (B, D, T).
    var c = layerNorm(x, weight: p[19], bias: p[20]).transposed(1, 2)
    c = glu(conv1d(c, p[21], bias: p[22]), dim: 1)
    c = conv1d(c, p[23], bias: p[24], padding: (p[23].size(2) - 1) / 2, groups: d)
    c = batchNorm(c, runningMean: .zeros([d]), runningVar: .ones([d]), weight: p[25], bias: p[26], training: true)
    c = conv1d(silu(c), p[27], bias: p[28])
    x = x + c.transposed(1, 2)

    x = x + 0.5 * feedForward(x, p[29..<35])
    return layerNorm(x, weight: p[35], bias: p[36])
}

public func conformerBlockShapes(dim d: Int, feedForward f: Int, heads: Int, kernel: Int) -> [[Int]] {
    let feedForwardShapes = [[d], [d], [f, d], [f], [d, f], [d]]
    let attention = [[d], [d], [d, d], [d], [d, d], [d], [d, d], [d], [d, d], [d], [d, d], [heads, d / heads], [heads, d / heads]]
    let convolution = [[d], [d], [2 * d, d, 1], [2 * d], [d, 1, kernel], [d], [d], [d], [d, d, 1], [d]]
    return feedForwardShapes + attention + convolution + feedForwardShapes + [[d], [d]]
}

/// espnet's RelPositionalEncoding: sinusoids of relative positions T−1 … −(T−1) → (1, 2T−1, D).
public func relativePositions(length t: Int, dim d: Int) -> Tensor {
    var values = [Float](repeating: 0, count: (2 * t - 1) * d)
    for row in 0..<(2 * t - 1) {
        let position = Double(t - 1 - row)
        for i in stride(from: 0, to: d, by: 2) {
            let angle = position * exp(-Double(i) * log(10000.0) / Double(d))
            values[row * d + i] = Float(sin(angle))
            if i + 1 < d { values[row * d + i + 1] = Float(cos(angle)) }
        }
    }
    return Tensor(shape: [1, 2 * t - 1, d], values: values)
}

/// Scores against relative positions T−1 … −(T−1), (B, H, T, 2T−1), re-indexed against
/// key positions, (B, H, T, T): espnet's `rel_shift` (pad a column, fold, drop a row).
public func relativeShift(_ x: Tensor) -> Tensor {
    let (b, h, t, p) = (x.size(0), x.size(1), x.size(2), x.size(3))
    let padded = concat([Tensor.zeros([b, h, t, 1]), x], dim: 3)                 // (B, H, T, P+1)
    let folded = padded.reshaped([b, h, p + 1, t]).slice(dim: 2, 1..<(p + 1))     // (B, H, P, T)
    return folded.reshaped([b, h, t, p]).slice(dim: 3, 0..<t)
}

import Foundation
