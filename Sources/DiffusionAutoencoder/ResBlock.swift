import NeuralNetworks

/// DiffAE's ResBlock (`model/blocks.py`), keys as in its state dict:
///
///     in_layers        GN → SiLU → [resample] → conv3×3        (0, 2)
///     emb_layers       SiLU → Linear(time, 2·out)  → (t_scale, t_shift)   (1)
///     cond_emb_layers  SiLU → Linear(z_sem, out)   → z_scale               (1)
///     out_layers       GN → ·(1+t_scale)+t_shift → ·(1+z_scale) → SiLU → Dropout → conv3×3 (0, 3)
///     skip_connection  1×1 conv when the width changes, else identity
///
/// Without conditioning (the semantic encoder) there are no emb/out layers: the block is
/// skip(x) + in_layers(x). A resampling block halves (average pool) or doubles (nearest)
/// both paths, the main one between SiLU and the convolution. A decoder block with a
/// lateral input concatenates the skip feature map to x first.
public final class ResBlock: Module {
    public enum Resample: Sendable { case none, down, up }

    public let inLayers: Sequential
    public let embLayers: Sequential?
    public let condEmbLayers: Sequential?
    public let outLayers: Sequential?
    public let skipConnection: Conv2d?

    public let resample: Resample
    public let hasLateral: Bool
    public let outChannels: Int

    // Typed views of the layers above (same objects; the underscore keeps them out of the state dict).
    private let _inNorm: GroupNorm, _inConv: Conv2d
    private let _timeLinear: Linear?, _condLinear: Linear?
    private let _outNorm: GroupNorm?, _outDropout: Dropout?, _outConv: Conv2d?

    /// `condition` nil: an encoder block (no time or z_sem input). Otherwise the widths of
    /// the time embedding and of z_sem.
    public init(
        channels: Int, outChannels: Int, condition: (time: Int, zSem: Int)?, dropout: Float,
        resample: Resample = .none, hasLateral: Bool = false, rng: inout RandomGenerator
    ) {
        _inNorm = DiffAENormalization(channels)
        _inConv = Conv2d(channels, outChannels, kernelSize: 3, padding: 1, rng: &rng)
        inLayers = Sequential([_inNorm, SiLU(), _inConv])
        if let condition {
            let timeLinear = Linear(condition.time, 2 * outChannels, rng: &rng)
            let condLinear = Linear(condition.zSem, outChannels, rng: &rng)
            let outNorm = DiffAENormalization(outChannels)
            let outDropout = Dropout(p: dropout, rng: &rng)
            let outConv = Conv2d(outChannels, outChannels, kernelSize: 3, padding: 1, rng: &rng).zeroed()
            (_timeLinear, _condLinear, _outNorm, _outDropout, _outConv) = (timeLinear, condLinear, outNorm, outDropout, outConv)
            embLayers = Sequential([SiLU(), timeLinear])
            condEmbLayers = Sequential([SiLU(), condLinear])
            outLayers = Sequential([outNorm, SiLU(), outDropout, outConv])
        } else {
            (_timeLinear, _condLinear, _outNorm, _outDropout, _outConv) = (nil, nil, nil, nil, nil)
            (embLayers, condEmbLayers, outLayers) = (nil, nil, nil)
        }
        skipConnection = outChannels == channels ? nil : Conv2d(channels, outChannels, kernelSize: 1, rng: &rng)
        self.resample = resample
        self.hasLateral = hasLateral
        self.outChannels = outChannels
        super.init()
    }

    /// x (N, C, H, W) [+ lateral (N, C', H, W)] → (N, out, H', W').
    /// `conditioning` holds SiLU(time embedding) (N, time) and SiLU(z_sem) (N, zSem): the
    /// first layer of emb_layers / cond_emb_layers, applied once for all blocks.
    public func callAsFunction(_ x: Tensor, conditioning: Conditioning?, lateral: Tensor? = nil) -> Tensor {
        var x = x
        if hasLateral {
            guard let lateral else { preconditionFailure("ResBlock with a lateral input called without one") }
            x = concat([x, lateral], dim: 1)
        }
        var h = _inNorm.thenSiLU(x)
        switch resample {
        case .none: break
        case .down: (h, x) = (avgPool2d(h, kernel: 2, stride: 2), avgPool2d(x, kernel: 2, stride: 2))
        case .up: (h, x) = (upsampleNearest2d(h), upsampleNearest2d(x))
        }
        h = _inConv(h)
        if let skipConnection { x = skipConnection(x) }

        if let outNorm = _outNorm, let timeLinear = _timeLinear, let condLinear = _condLinear,
           let outDropout = _outDropout, let outConv = _outConv {
            guard let conditioning else { preconditionFailure("conditioned ResBlock called without time and z_sem") }
            let c = outChannels
            let ts = timeLinear(conditioning.activatedTime).split([c, c], dim: 1)    // 2 × (N, C)
            let zScale = condLinear(conditioning.activatedZSem)                       // (N, C)
            // GN(h)·(1+t_scale)+t_shift, then ·(1+z_scale): one scale and one shift per (n, c).
            let zFactor = 1 + zScale
            h = normalizedModulatedSiLU(h, norm: outNorm, scale: (1 + ts[0]) * zFactor, shift: ts[1] * zFactor)
            return outConv(outDropout(h), adding: x)   // x + outConv(…)
        }
        return x + h
    }
}

/// The time and z_sem inputs of every conditioned ResBlock, after the SiLU that opens
/// each block's emb_layers / cond_emb_layers (the same for all blocks, so computed once).
public struct Conditioning {
    public let activatedTime: Tensor  // (N, embed)
    public let activatedZSem: Tensor  // (N, zSem)

    public init(timeEmbedding: Tensor, zSem: Tensor) {
        activatedTime = silu(timeEmbedding)
        activatedZSem = silu(zSem)
    }
}

/// DiffAE's `normalization(C)`: GroupNorm with min(32, C) groups, eps 1e-5.
func DiffAENormalization(_ channels: Int) -> GroupNorm {
    GroupNorm(groups: min(32, channels), channels: channels)
}

extension Module {
    /// DiffAE's `zero_module`: every parameter zero (a new block then starts as the identity).
    @discardableResult
    public func zeroed() -> Self {
        for (_, p) in namedParameters() { p.pointer.update(repeating: 0, count: p.count) }
        return self
    }
}
