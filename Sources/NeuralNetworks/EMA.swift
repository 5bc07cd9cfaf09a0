import Autodiff

/// Exponential moving average of a model's weights, for evaluation and shipping
/// (DiffAE keeps one with decay 0.9999):
///
///     average ← decay · average + (1 − decay) · parameter    after every optimizer step
///
/// Buffers (running statistics) are not averaged but copied. The first `update` starts the
/// average at the current weights; call it once before training to start from the
/// initial weights as DiffAE does.
public final class EMA {
    public var decay: Float
    /// The averaged state, keyed like `Module.namedState()`.
    public private(set) var average: [String: Tensor] = [:]

    public init(decay: Float) { self.decay = decay }

    public func update(_ model: Module) {
        withoutGradients {
            let buffers = Set(model.namedBuffers().map(\.0))
            for (key, value) in model.namedState() {
                guard let avg = average[key], avg.shape == value.shape, !buffers.contains(key) else {
                    average[key] = value.copy()
                    continue
                }
                blend(avg, toward: value)
            }
        }
    }

    /// avg ← decay·avg + (1 − decay)·x, DiffAE's order of operations.
    private func blend(_ avg: Tensor, toward x: Tensor) {
        let keep = decay, take = 1 - decay
        let a = avg.pointer, p = x.pointer
        Parallel.forRanges(avg.count) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let av = UnsafeRawPointer(a + i).loadUnaligned(as: SIMD16<Float>.self)
                let pv = UnsafeRawPointer(p + i).loadUnaligned(as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(a + i).storeBytes(of: av * keep + pv * take, as: SIMD16<Float>.self)
                i += 16
            }
            while i < range.upperBound {
                a[i] = a[i] * keep + p[i] * take
                i += 1
            }
        }
    }

    /// Runs `body` with the averaged weights in `model`, then puts the trained ones back.
    public func withAveragedWeights<T>(in model: Module, _ body: () throws -> T) rethrows -> T {
        swap(with: model)
        defer { swap(with: model) }
        return try body()
    }

    /// Overwrites the model's weights with the average (e.g. before shipping).
    public func copy(to model: Module) throws {
        try model.update(parameters: average, verify: .all)
    }

    private func swap(with model: Module) {
        var seen = Set<ObjectIdentifier>()  // a tied weight must be swapped once, not twice
        for (key, value) in model.namedState() where seen.insert(ObjectIdentifier(value)).inserted {
            guard let avg = average[key] else { continue }
            precondition(avg.shape == value.shape, "EMA of '\(key)' has shape \(avg.shape), model \(value.shape)")
            let a = avg.pointer, p = value.pointer
            for i in 0..<value.count { (a[i], p[i]) = (p[i], a[i]) }
        }
    }

    // MARK: - State for checkpoints

    public func stateTensors() -> [String: Tensor] { average.mapValues { $0.copy() } }

    /// Restores an average saved with `stateTensors()`; every key of the model's state
    /// must be there with its shape, and nothing else.
    public func loadState(_ tensors: [String: Tensor], for model: Module) throws {
        let state = model.namedState()
        for (key, value) in state {
            guard let saved = tensors[key] else { throw TrainingStateError(key: key, reason: "missing from the EMA state") }
            guard saved.shape == value.shape else {
                throw TrainingStateError(key: key, reason: "EMA shape \(saved.shape), model \(value.shape)")
            }
        }
        let known = Set(state.map(\.0))
        if let stray = tensors.keys.sorted().first(where: { !known.contains($0) }) {
            throw TrainingStateError(key: stray, reason: "not a key of the model")
        }
        average = tensors.mapValues { $0.copy() }
    }
}
