import Autodiff
import XCTest

final class EmbeddingTests: XCTestCase {
    func testLookupAndGradient() {
        let weight = randomTensor([5, 3], seed: 1)
        let indices = [4, 0, 4, 2, 1, 1]
        let y = embedding(indices: indices, shape: [2, 3], weight: weight)
        XCTAssertEqual(y.shape, [2, 3, 3])
        XCTAssertEqual(y.values, indices.flatMap { Array(weight.values[$0 * 3..<$0 * 3 + 3]) })
        // Repeated indices must accumulate; index 3 is never used and gets zero.
        checkGradients([weight]) { embedding(indices: indices, shape: [2, 3], weight: $0[0]) }
        weight.grad = nil
        embedding(indices: indices, shape: [6], weight: weight).sum().backward()
        XCTAssertEqual(weight.grad?.values, [1, 1, 1, 2, 2, 2, 1, 1, 1, 0, 0, 0, 2, 2, 2])
    }
}
