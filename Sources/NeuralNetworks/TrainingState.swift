import Autodiff

/// What a training run needs besides the weights to continue exactly where it stopped.
public struct TrainingState {
    /// Optimizer moments, EMA weights, … (always stored as float32).
    public var tensors: [String: Tensor]
    /// Step counters and RNG states (a `UInt64` word as `Int64(bitPattern:)`).
    public var integers: [String: [Int64]]

    public init(tensors: [String: Tensor] = [:], integers: [String: [Int64]] = [:]) {
        self.tensors = tensors
        self.integers = integers
    }

    public var isEmpty: Bool { tensors.isEmpty && integers.isEmpty }
}

/// Optimizer state or other training state that does not fit the expected layout.
public struct TrainingStateError: Error, CustomStringConvertible {
    public let key: String
    public let reason: String
    public var description: String { "training state '\(key)': \(reason)" }
}

extension TrainingState {
    /// Adds `tensors` under "prefix.key" (e.g. "optimizer", "ema"), so parts do not collide.
    public mutating func setTensors(_ tensors: [String: Tensor], prefix: String) {
        for (key, value) in tensors { self.tensors["\(prefix).\(key)"] = value }
    }

    /// The tensors stored under "prefix.", with the prefix removed.
    public func tensors(prefix: String) -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (key, value) in tensors where key.hasPrefix(prefix + ".") {
            out[String(key.dropFirst(prefix.count + 1))] = value
        }
        return out
    }

    /// Stores a generator's full state (for an exact resume of shuffling, noise, dropout).
    public mutating func setGenerator(_ generator: RandomGenerator, forKey key: String) {
        integers[key] = generator.state.map { Int64(bitPattern: $0) }
    }

    /// The generator stored under `key`, or nil if there is none.
    public func generator(forKey key: String) throws -> RandomGenerator? {
        guard let words = integers[key] else { return nil }
        guard words.count == 4 || words.count == 6 else {
            throw TrainingStateError(key: key, reason: "a generator state has 4 or 6 words, not \(words.count)")
        }
        var generator = RandomGenerator(seed: 0)
        generator.state = words.map { UInt64(bitPattern: $0) }
        return generator
    }
}
