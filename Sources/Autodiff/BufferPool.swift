import Foundation

/// Recycles float buffers by exact element count, so a training step that allocates the
/// same activation shapes every iteration stops going through malloc/free after step one.
///
/// Buffers are 64-byte aligned (one AVX-512 register, one cache line). The pool keeps at
/// most `capacityBytes`; beyond that, returned buffers are freed.
public final class BufferPool: @unchecked Sendable {
    public static let shared = BufferPool(capacityBytes: 4 << 30)

    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var pooledBytes = 0
    private let capacityBytes: Int
    private let lock = NSLock()

    /// Statistics, for tests and benchmarks.
    public private(set) var allocations = 0
    public private(set) var reuses = 0

    /// With TF_POISON_BUFFERS=1 every buffer handed out is filled with NaN, so a kernel that
    /// reads memory it never wrote shows up at once instead of only when the pool recycles.
    private let poison = ProcessInfo.processInfo.environment["TF_POISON_BUFFERS"] == "1"

    public init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

    public func take(_ count: Int) -> UnsafeMutablePointer<Float> {
        lock.lock()
        if var list = free[count], let buffer = list.popLast() {
            free[count] = list
            pooledBytes -= count * 4
            reuses += 1
            lock.unlock()
            if poison { buffer.update(repeating: .nan, count: count) }
            return buffer
        }
        allocations += 1
        lock.unlock()
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 4, alignment: 64)
        let buffer = raw.bindMemory(to: Float.self, capacity: max(count, 1))
        if poison { buffer.update(repeating: .nan, count: count) }
        return buffer
    }

    public func give(_ buffer: UnsafeMutablePointer<Float>, count: Int) {
        lock.lock()
        if pooledBytes + count * 4 <= capacityBytes {
            free[count, default: []].append(buffer)
            pooledBytes += count * 4
            lock.unlock()
        } else {
            lock.unlock()
            UnsafeMutableRawPointer(buffer).deallocate()
        }
    }

    /// Frees every pooled buffer (memory goes back to the system).
    public func drain() {
        lock.lock()
        defer { lock.unlock() }
        for (_, list) in free { for b in list { UnsafeMutableRawPointer(b).deallocate() } }
        free = [:]
        pooledBytes = 0
    }
}

/// The float buffer behind one or more tensors (reshapes share it).
public final class TensorStorage {
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Uninitialised memory from the pool.
    public init(count: Int) {
        self.count = count
        self.pointer = BufferPool.shared.take(count)
    }

    deinit { BufferPool.shared.give(pointer, count: count) }
}
