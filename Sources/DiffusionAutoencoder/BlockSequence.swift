import NeuralNetworks

/// DiffAE's `TimestepEmbedSequential`: layers applied in order, keyed "0.…", "1.…", where
/// ResBlocks also receive the conditioning and the lateral (skip) input.
public final class BlockSequence: Module {
    public let layers: [Module]

    public init(_ layers: [Module]) {
        for layer in layers {
            precondition(layer is ResBlock || layer is AttentionBlock || layer is any UnaryLayer,
                         "BlockSequence cannot run \(type(of: layer))")
        }
        self.layers = layers
        super.init()
    }

    public override class var keyOverrides: [String: String] { ["layers": ""] }

    public func callAsFunction(_ x: Tensor, conditioning: Conditioning?, lateral: Tensor? = nil) -> Tensor {
        var h = x
        for layer in layers {
            switch layer {
            case let block as ResBlock: h = block(h, conditioning: conditioning, lateral: lateral)
            case let attention as AttentionBlock: h = attention(h)
            case let unary as any UnaryLayer: h = unary(h)
            default: preconditionFailure("unreachable: checked in init")
            }
        }
        return h
    }
}
