import Foundation

/// Runs `body` with the Winograd transforms of 3×3 convolution weights kept from one
/// convolution call to the next, and drops them when `body` returns.
///
/// For inference loops that run the same network many times (DDIM sampling: 20 UNet passes
/// with the same weights): each weight is transformed once per scope instead of once per
/// call. The results are bit for bit those of the uncached path (the same transform, only
/// done earlier). Only convolutions run without gradients use the cache, so a recorded
/// (training) forward never sees it; weights must not be changed inside the scope, since
/// nothing notices a change. A nested call joins the scope already open.
public func withCachedConvolutionWeights<T>(_ body: () throws -> T) rethrows -> T {
    if ConvolutionWeightCache.current != nil { return try body() }
    ConvolutionWeightCache.current = ConvolutionWeightCache()
    defer { ConvolutionWeightCache.current = nil }
    return try body()
}

/// The prepared weights of one `withCachedConvolutionWeights` scope, filled lazily.
final class ConvolutionWeightCache: @unchecked Sendable {
    /// The open scope's cache; nil outside any scope.
    nonisolated(unsafe) static var current: ConvolutionWeightCache?

    /// The cache a convolution may use now: the open scope's, and only while no gradients
    /// are recorded.
    static var active: ConvolutionWeightCache? { GradientMode.isEnabled ? nil : current }

    /// A weight is known by its storage (the same floats under any tensor that shares them),
    /// its shape and the transform made of it.
    private struct Key: Hashable {
        let storage: ObjectIdentifier
        let shape: [Int]
        let variant: WinogradVariant   // whose transform: (36 or 16, O, C)
    }

    private struct Entry {
        /// Held so that the storage cannot be freed, and its identity reused by another
        /// tensor, while the scope is open.
        let storage: TensorStorage
        let prepared: UnsafeMutablePointer<Float>
        let count: Int
    }

    private var entries: [Key: Entry] = [:]
    private let lock = NSLock()

    /// The Winograd transform of a (O, C, 3, 3) weight for the variant that takes geometry `g`
    /// (`WinogradVariant`: U (36 or 16, O, C)), made on first use; nil when no variant takes it.
    func winogradKernels(of weight: Tensor, for g: ConvGeometry) -> UnsafePointer<Float>? {
        guard let variant = WinogradVariant(g) else { return nil }
        precondition(weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3, "Winograd kernels of weight \(weight.shape)")
        let key = Key(storage: ObjectIdentifier(weight.storage), shape: weight.shape, variant: variant)
        return lock.withLock {
            if let entry = entries[key] { return UnsafePointer(entry.prepared) }
            let (o, c) = (weight.shape[0], weight.shape[1])
            let count = variant.points * o * c
            let u = UnsafeMutablePointer<Float>.allocate(capacity: count)
            variant.transformWeights(weight.pointer, outChannels: o, inChannels: c, into: u)
            entries[key] = Entry(storage: weight.storage, prepared: u, count: count)
            return UnsafePointer(u)
        }
    }

    /// Prepared weights held, for tests.
    var count: Int { lock.withLock { entries.count } }

    deinit { for entry in entries.values { entry.prepared.deallocate() } }
}
