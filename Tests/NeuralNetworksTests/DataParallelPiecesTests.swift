import Foundation
import NeuralNetworks
import XCTest

/// The pieces of data-parallel training that need no MPI: a rank's part of the batch, the
/// dropout masks of ranks that together make one process's, and the threads per rank.
final class DataParallelPiecesTests: XCTestCase {
    /// Rank `rank` of `size`, for what a rank computes alone.
    final class Rank: Communicator {
        let rank: Int, size: Int
        init(_ rank: Int, of size: Int) { (self.rank, self.size) = (rank, size) }
        func allreduceAverage(_ buffer: UnsafeMutableBufferPointer<Float>) throws {}
        func broadcast(_ buffer: UnsafeMutableRawBufferPointer, from root: Int) throws {}
        func barrier() throws {}
        func abort(_ message: String) -> Never { fatalError(message) }
    }

    func testEachRankTakesItsContiguousPartOfTheGlobalBatch() throws {
        XCTAssertEqual(SingleProcess().shard(of: 8), 0..<8)
        XCTAssertEqual((0..<4).map { Rank($0, of: 4).shard(of: 8) }, [0..<2, 2..<4, 4..<6, 6..<8])
        XCTAssertThrowsError(try Rank(0, of: 3).checkDivides(batch: 8)) { error in
            XCTAssertEqual("\(error)", "--batch 8 is the global batch, split evenly over the 3 ranks; give a multiple of 3")
        }
        XCTAssertNoThrow(try Rank(2, of: 3).checkDivides(batch: 9))
    }

    /// Two ranks' dropout, each on its half of a batch, masks as one process's dropout on
    /// the whole batch, and leaves each rank's generator where that process's ends.
    func testShardedDropoutMasksAsOneProcess() {
        var seed = RandomGenerator(seed: 11)
        let whole = Dropout(p: 0.3, rng: &seed)
        let x = Tensor(shape: [4, 5, 3], repeating: 1)
        let expected = whole(x).values
        var halves: [Float] = []
        for rank in 0..<2 {
            var again = RandomGenerator(seed: 11)
            let layer = Dropout(p: 0.3, rng: &again)
            layer.shard = (rank, 2)
            halves += layer(x.slice(dim: 0, 2 * rank ..< 2 * rank + 2)).values
            XCTAssertEqual(layer.generator.state, whole.generator.state, "rank \(rank)'s generator after the step")
        }
        XCTAssertEqual(halves, expected)
    }

    func testThreadsAreSharedAmongTheRanksOfAMachine() {
        XCTAssertEqual(Parallel.threadCount(environment: [:], cores: 8), 8)
        XCTAssertEqual(Parallel.threadCount(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"], cores: 2), 1)
        XCTAssertEqual(Parallel.threadCount(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "3"], cores: 8), 2)
        XCTAssertEqual(Parallel.threadCount(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "4"], cores: 2), 1)
        XCTAssertEqual(Parallel.threadCount(environment: ["MPI_LOCALNRANKS": "2"], cores: 8), 4)
        XCTAssertEqual(Parallel.threadCount(environment: ["TALKINGFACE_THREADS": "3", "OMPI_COMM_WORLD_LOCAL_SIZE": "2"], cores: 2), 3)
        XCTAssertEqual(Parallel.threadCount(environment: ["TALKINGFACE_THREADS": "0"], cores: 2), 2)
    }
}
