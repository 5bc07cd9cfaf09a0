import Autodiff

/// Where each frame's DDIM start x_T comes from (docs/architecture.md §7).
public enum NoiseStart: Equatable, Sendable {
    /// The speaker bundle's reference x_T, shared by every frame: the default.
    case reference
    /// One Gaussian x_T drawn from the seed, shared by every frame.
    case seeded(UInt64)
    /// Fresh Gaussian noise for every frame (from the seed, frame by frame). An ablation
    /// only: the picture changes from frame to frame beyond what z_sem asks, so it flickers.
    case independent(seed: UInt64)
}

/// Draws x_T for consecutive batches of frames: (B, 3, S, S).
struct NoiseSource {
    private let shared: Tensor?             // (1, 3, S, S) when every frame starts alike
    private var rng: RandomGenerator
    private let frameShape: [Int]           // [3, S, S]

    init(_ start: NoiseStart, reference: Tensor) {
        frameShape = Array(reference.shape.dropFirst())
        switch start {
        case .reference:
            shared = reference
            rng = RandomGenerator(seed: 0)
        case .seeded(let seed):
            rng = RandomGenerator(seed: seed)
            shared = Tensor.randn([1] + frameShape, using: &rng)
        case .independent(let seed):
            shared = nil
            rng = RandomGenerator(seed: seed)
        }
    }

    /// x_T for the next `count` frames. Independent noise is drawn frame after frame, so
    /// frame k gets the same noise whatever the batch size.
    mutating func next(_ count: Int) -> Tensor {
        guard let shared else { return Tensor.randn([count] + frameShape, using: &rng) }
        let out = Tensor(uninitializedShape: [count] + frameShape)
        for i in 0..<count { (out.pointer + i * shared.count).update(from: shared.pointer, count: shared.count) }
        return out
    }
}
