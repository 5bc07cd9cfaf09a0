import DataParallel
import NeuralNetworks

/// This process's place in a data-parallel job: MPI's ranks when `mpirun` (or another MPI
/// launcher) started it, else rank 0 of 1 without any MPI call. Rank 0 logs, shows progress
/// and writes; the other ranks only train (their log level is raised to warnings).
enum Ranks {
    static let communicator: Communicator = DataParallelLaunch.communicator()

    /// MPI_Finalize before a clean exit (every rank must call it).
    static func finish() { (communicator as? MPICommunicator)?.finalize() }
}
