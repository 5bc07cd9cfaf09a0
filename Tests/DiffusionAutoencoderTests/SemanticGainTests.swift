import Autodiff
import DiffusionAutoencoder
import XCTest

final class SemanticGainTests: XCTestCase {
    func testAmplifyingSpreadsTheCodeAroundTheMean() {
        let model = DiffAE(preset: .tiny, seed: 4).eval()
        var rng = RandomGenerator(seed: 5)
        let images = Tensor.uniform([6, 3, 32, 32], in: -1...1, using: &rng)
        let before = model.encode(images)  // (6, 32)
        let mean = before.mean(dims: [0], keepDims: true)
        model.encoder.amplifySemanticCode(by: 10, around: mean)
        let after = model.encode(images)
        let z = before.shape[1]
        for n in 0..<6 {
            for j in 0..<z {
                let expected = mean.pointer[j] + 10 * (before.pointer[n * z + j] - mean.pointer[j])
                XCTAssertEqual(after.pointer[n * z + j], expected, accuracy: 1e-4 * max(1, abs(expected)))
            }
        }
    }
}

final class TrainingTimestepTests: XCTestCase {
    func testUniformDrawIsDiffAEsOneNumberPerImage() {
        let model = DiffAE(preset: .tiny, seed: 1)
        var a = RandomGenerator(seed: 9), b = RandomGenerator(seed: 9)
        XCTAssertEqual(model.trainingTimesteps(64, rng: &a), (0..<64).map { _ in Int(b.next() % 1000) })
        XCTAssertEqual(a.next(), b.next(), "no extra numbers drawn, so old runs resume identically")
    }

    func testHighNoiseShareDrawsThatShareFromTheNoisierHalf() {
        let model = DiffAE(preset: .tiny, seed: 1)
        var rng = RandomGenerator(seed: 3)
        XCTAssertTrue(model.trainingTimesteps(500, rng: &rng, highNoiseShare: 1).allSatisfy { (500..<1000).contains($0) })
        let mixed = model.trainingTimesteps(4000, rng: &rng, highNoiseShare: 0.5)
        let high = Double(mixed.filter { $0 >= 500 }.count) / 4000  // expected 0.5 + 0.5 · 0.5
        XCTAssertEqual(high, 0.75, accuracy: 0.03)
        XCTAssertTrue(mixed.allSatisfy { (0..<1000).contains($0) })
    }
}
