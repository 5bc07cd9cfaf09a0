import Autodiff
import XCTest

final class DropoutTests: XCTestCase {
    func testMaskScaleAndDeterminism() {
        let x = randomTensor([64, 64], seed: 1, in: 0.5...1)
        var rngA = RandomGenerator(seed: 3), rngB = RandomGenerator(seed: 3)
        let a = dropout(x, p: 0.25, using: &rngA), b = dropout(x, p: 0.25, using: &rngB)
        XCTAssertEqual(a.values, b.values, "same seed, same mask")
        let kept = zip(a.values, x.values).filter { $0.0 != 0 }
        for (y, xv) in kept { XCTAssertEqual(y, xv / 0.75, accuracy: 1e-6) }
        XCTAssertEqual(Float(kept.count) / Float(x.count), 0.75, accuracy: 0.03)
        var rng = RandomGenerator(seed: 4)
        XCTAssertTrue(dropout(x, p: 0.5, using: &rng, training: false) === x)
        XCTAssertEqual(dropout(x, p: 1, using: &rng).values, [Float](repeating: 0, count: x.count))
    }

    func testGradientWithFixedGenerator() {
        let x = randomTensor([4, 9], seed: 2)
        // Each call restarts from the same seed, so every evaluation draws the same mask.
        checkGradients([x]) { t in
            var rng = RandomGenerator(seed: 5)
            return dropout(t[0], p: 0.4, using: &rng)
        }
    }
}
