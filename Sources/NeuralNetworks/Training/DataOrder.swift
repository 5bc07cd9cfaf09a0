import Autodiff

/// The order a trainer visits its examples in: a fresh shuffle every epoch, derived from
/// (seed, epoch) alone, so the whole position in the data is four integers that a
/// checkpoint can hold and a resumed run continues from exactly.
public struct DataOrder: Equatable, Sendable {
    public let count: Int
    public let seed: UInt64
    public private(set) var epoch: Int
    /// Index of the next example within this epoch's permutation.
    public private(set) var position: Int
    private var permutation: [Int]

    public init(count: Int, seed: UInt64, epoch: Int = 0, position: Int = 0) {
        precondition(count > 0, "DataOrder needs at least one example")
        precondition(epoch >= 0 && (0..<count).contains(position), "DataOrder position \(position) outside 0..<\(count)")
        self.count = count
        self.seed = seed
        self.epoch = epoch
        self.position = position
        permutation = Self.shuffle(count: count, seed: seed, epoch: epoch)
    }

    /// The next example index, starting a new epoch (a new shuffle) when one runs out.
    public mutating func next() -> Int {
        let index = permutation[position]
        position += 1
        if position == count {
            epoch += 1
            position = 0
            permutation = Self.shuffle(count: count, seed: seed, epoch: epoch)
        }
        return index
    }

    /// The next `size` indices (a batch may straddle two epochs).
    public mutating func next(_ size: Int) -> [Int] { (0..<size).map { _ in next() } }

    /// Fisher–Yates with a generator seeded from (seed, epoch).
    private static func shuffle(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var generator = RandomGenerator(seed: seed &+ UInt64(epoch) &* 0x9E37_79B9_7F4A_7C15)
        var order = Array(0..<count)
        for i in stride(from: count - 1, to: 0, by: -1) {
            order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        return order
    }

    // MARK: - As checkpoint integers

    /// [count, seed, epoch, position] (the seed's bits as an Int64).
    public var stateWords: [Int64] { [Int64(count), Int64(bitPattern: seed), Int64(epoch), Int64(position)] }

    public init(stateWords words: [Int64]) throws {
        guard words.count == 4, words[0] > 0, words[2] >= 0, (0..<words[0]).contains(words[3]) else {
            throw TrainingStateError(key: "data_order", reason: "expected [count > 0, seed, epoch ≥ 0, 0 ≤ position < count], got \(words)")
        }
        self.init(count: Int(words[0]), seed: UInt64(bitPattern: words[1]), epoch: Int(words[2]), position: Int(words[3]))
    }
}
