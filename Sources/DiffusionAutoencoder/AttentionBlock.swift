import NeuralNetworks

/// DiffAE's spatial self-attention block (`AttentionBlock` with the legacy head split):
/// x + proj_out(attention(qkv(norm(x)))) over the H·W positions.
///
/// Keys: `norm` (GroupNorm), `qkv` (Conv1d C → 3C, kernel 1), `proj_out` (Conv1d C → C,
/// kernel 1, zero-initialised). The qkv channels are grouped per head as (head, [q|k|v], ch).
public final class AttentionBlock: Module {
    public let norm: GroupNorm
    public let qkv: Conv1d
    public let projOut: Conv1d
    public let heads: Int

    public init(channels: Int, heads: Int, rng: inout RandomGenerator) {
        precondition(channels % heads == 0, "attention: \(channels) channels for \(heads) heads")
        norm = DiffAENormalization(channels)
        qkv = Conv1d(channels, 3 * channels, kernelSize: 1, rng: &rng)
        projOut = Conv1d(channels, channels, kernelSize: 1, rng: &rng).zeroed()
        self.heads = heads
        super.init()
    }

    /// x (N, C, H, W) → (N, C, H, W)
    public func callAsFunction(_ x: Tensor) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let length = x.count / (n * c), ch = c / heads
        let flat = x.reshaped([n, c, length])                                   // (N, C, T)
        let qkvOut = qkv(norm(flat))                                             // (N, 3C, T)
        // (N·heads, 3, ch, T) → (3, N·heads, T, ch): q, k, v with positions as rows.
        let parts = qkvOut.reshaped([n * heads, 3, ch, length]).permuted([1, 0, 3, 2])
        let q = parts.slice(dim: 0, 0..<1).reshaped([n * heads, length, ch])
        let k = parts.slice(dim: 0, 1..<2).reshaped([n * heads, length, ch])
        let v = parts.slice(dim: 0, 2..<3).reshaped([n * heads, length, ch])
        let attended = scaledDotProductAttention(q, k, v)                       // (N·heads, T, ch)
        let h = attended.reshaped([n, heads, length, ch]).permuted([0, 1, 3, 2]).reshaped([n, c, length])
        return (flat + projOut(h)).reshaped(x.shape)
    }
}
