import Foundation
import NeuralNetworks

/// The communicator of this process: MPI's when an MPI launcher started it, else a single
/// process (rank 0 of 1) that makes no MPI call at all, so every command runs without
/// `mpirun` and without an MPI runtime's start-up.
public enum DataParallelLaunch {
    /// Variables that Open MPI's launcher (and PMIx-based ones: srun, prterun) set in each rank.
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK"]

    public static func isLaunchedByMPI(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        launcherVariables.contains { environment[$0] != nil }
    }

    /// MPI's communicator under a launcher, else `SingleProcess()`; MPI_Init's failure
    /// is fatal, told in one line.
    public static func communicator() -> Communicator {
        guard isLaunchedByMPI() else { return SingleProcess() }
        do { return try MPICommunicator() } catch {
            FileHandle.standardError.write(Data("talkingface: could not start MPI: \(error)\n".utf8))
            exit(1)
        }
    }
}
