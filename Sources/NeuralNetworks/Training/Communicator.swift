import Foundation

/// The processes of a data-parallel training run, as the training loop sees them: each
/// process (a rank, 0 ..< size) computes the gradient of its share of every batch, and the
/// ranks average their gradients so that every rank takes the same optimizer step.
///
/// `SingleProcess` is the whole job in one process; the `DataParallel` module has the MPI
/// one. A trainer draws the whole global batch from the shared seed on every rank and keeps
/// `shard(of:)`, so N ranks give the same steps as one process with the same global batch.
public protocol Communicator: AnyObject {
    /// This process's index, 0 ..< size; rank 0 logs and writes the checkpoints.
    var rank: Int { get }
    var size: Int { get }
    /// Replaces `buffer` on every rank by the mean of all ranks' buffers (same length on all).
    func allreduceAverage(_ buffer: UnsafeMutableBufferPointer<Float>) throws
    /// Copies `buffer` from rank `root` into every other rank's buffer (same length on all).
    func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws
    /// Returns once every rank has called it.
    func barrier() throws
    /// Ends every rank of the job at once, after printing `message`; for an error that one
    /// rank cannot recover from without leaving the others waiting for it.
    func abort(_ message: String) -> Never
}

extension Communicator {
    public var isRoot: Bool { rank == 0 }

    /// This rank's contiguous part of a global batch of `count` items: `count / size` each
    /// (`count` must be a multiple of `size`; `checkDivides` says so in words).
    public func shard(of count: Int) -> Range<Int> {
        precondition(count % size == 0, "a global batch of \(count) does not split over \(size) ranks")
        let each = count / size
        return rank * each ..< (rank + 1) * each
    }

    /// Throws unless a global batch of `count` items splits evenly over the ranks.
    public func checkDivides(batch count: Int, option: String = "--batch") throws {
        guard count % size == 0 else {
            throw CommunicatorError("\(option) \(count) is the global batch, split evenly over the \(size) ranks; give a multiple of \(size)")
        }
    }
}

/// The whole job in this one process: rank 0 of 1, no messages.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceAverage(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws {}
    public func barrier() throws {}
    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }
}

/// A collective operation that failed, or ranks that disagree.
public struct CommunicatorError: Error, CustomStringConvertible, LocalizedError {
    public let description: String
    public init(_ description: String) { self.description = description }
    public var errorDescription: String? { description }
}
