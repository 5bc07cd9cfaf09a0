import Autodiff
import ReferenceBlocks
import XCTest

/// Two composite blocks built from our ops (Sources/ReferenceBlocks) against the PyTorch
/// references in Tests/Fixtures/reference_blocks.py: forward and every parameter's gradient.
final class BlockGoldenTests: XCTestCase {
    func testDiffAEResBlockMatchesPyTorch() throws {
        try Goldens.load().check("resblock", rtol: 1e-4, atol: 1e-5) { p, _ in
            diffAEResBlock(p[0], timeEmbedding: p[1], zSem: p[2], parameters: Array(p[3...]))
        }
    }

    func testConformerBlockMatchesPyTorch() throws {
        let goldens = try Goldens.load()
        let positions = goldens.tensors["conformer.pos_emb"]!
        XCTAssertEqual(relativePositions(length: 10, dim: 32).values, positions.values, accuracy: 1e-5)
        try goldens.check("conformer", rtol: 1e-4, atol: 1e-5) { p, _ in
            conformerBlock(p[0], positions: positions, parameters: Array(p[1...]), heads: 2)
        }
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(worst, accuracy, file: file, line: line)
}
