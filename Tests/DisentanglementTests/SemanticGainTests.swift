import Autodiff
import DiffusionAutoencoder
import XCTest
import Disentanglement

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
