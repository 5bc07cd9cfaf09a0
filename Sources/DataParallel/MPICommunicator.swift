import CMPI
import Foundation
import NeuralNetworks

/// The ranks of a job started by an MPI launcher (`mpirun -np N …`), over MPI_COMM_WORLD.
///
/// Errors come back as Swift errors (MPI_ERRORS_RETURN) instead of MPI's default of ending
/// the job without a word; the caller then ends the job with `abort`. A collective that
/// (an allreduce or a broadcast of a training step) that waits longer than
/// `CollectiveWatchdog.timeout` for the other ranks ends the job too, so a rank that hangs
/// in training can never leave the others waiting for ever.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    private let world = tf_mpi_comm_world()
    private let watchdog: CollectiveWatchdog
    private var finalized = false

    /// MPI_Init; call once, in a process that an MPI launcher started.
    public init() throws {
        var provided: Int32 = 0
        try Self.check(MPI_Init_thread(nil, nil, Int32(MPI_THREAD_FUNNELED), &provided), "MPI_Init_thread")
        MPI_Comm_set_errhandler(tf_mpi_comm_world(), tf_mpi_errors_return())
        var r: Int32 = 0, n: Int32 = 0
        try Self.check(MPI_Comm_rank(tf_mpi_comm_world(), &r), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(tf_mpi_comm_world(), &n), "MPI_Comm_size")
        rank = Int(r)
        size = Int(n)
        watchdog = CollectiveWatchdog(rank: rank, size: size)
    }

    public func allreduceAverage(_ buffer: UnsafeMutableBufferPointer<Float>) throws {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        var offset = 0
        while offset < buffer.count {  // MPI counts are Int32
            let count = Swift.min(buffer.count - offset, Int(Int32.max))
            try watchdog.guarding("MPI_Allreduce") {
                try Self.check(MPI_Allreduce(tf_mpi_in_place(), base + offset, Int32(count), tf_mpi_float(), tf_mpi_sum(), world),
                               "MPI_Allreduce")
            }
            offset += count
        }
        let scale = 1 / Float(size)
        for i in 0..<buffer.count { base[i] *= scale }
    }

    public func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        var offset = 0
        while offset < buffer.count {
            let count = Swift.min(buffer.count - offset, Int(Int32.max))
            try watchdog.guarding("MPI_Bcast") {
                try Self.check(MPI_Bcast(base + offset, Int32(count), tf_mpi_byte(), Int32(root), world), "MPI_Bcast")
            }
            offset += count
        }
    }

    /// Not watched: a barrier waits for whatever one rank does alone (encoding, preparing a
    /// video) for as long as that takes. A rank that dies meanwhile is the launcher's to notice.
    public func barrier() throws {
        try Self.check(MPI_Barrier(world), "MPI_Barrier")
    }

    public func abort(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        MPI_Abort(world, 1)
        exit(1)  // MPI_Abort does not return; this satisfies the type checker
    }

    /// MPI_Finalize, once; every rank calls it before a clean exit.
    public func finalize() {
        guard !finalized else { return }
        finalized = true
        MPI_Finalize()
    }

    private static func check(_ code: Int32, _ call: String) throws {
        guard code != tf_mpi_success() else { return }
        var text = [CChar](repeating: 0, count: Int(tf_mpi_max_error_string()) + 1)
        var length: Int32 = 0
        MPI_Error_string(code, &text, &length)
        throw CommunicatorError("\(call) failed: \(String(cString: text)) (another rank has probably failed or been killed)")
    }
}
