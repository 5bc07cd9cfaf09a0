import Autodiff
import DiffusionAutoencoder
import XCTest

/// The `cpu128` preset: it is valid, builds, has the parameters its comment names, and maps
/// one 128×128 image to a 128×128 noise prediction and a 512-wide z_sem.
final class CPU128PresetTests: XCTestCase {
    func testBuildsWithTheDocumentedParameterCounts() throws {
        let config = DiffAEPreset.cpu128.config
        XCTAssertNoThrow(try config.validate())
        XCTAssertEqual(DiffAEPreset(shapeOf: config.predicting(.v)), .cpu128)
        let model = DiffAE(preset: .cpu128)
        XCTAssertEqual(model.parameterCounts.unet, 8_165_123)     // 8.17M
        XCTAssertEqual(model.parameterCounts.encoder, 1_264_128)  // 1.26M
    }

    func testForwardOnOneImageKeepsItsShape() {
        let model = DiffAE(preset: .cpu128, seed: 3).eval()
        var rng = RandomGenerator(seed: 5)
        let image = Tensor.uniform([1, 3, 128, 128], in: -1...1, using: &rng)
        let zSem = model.encode(image)
        XCTAssertEqual(zSem.shape, [1, 512])
        let noise = withoutGradients { model.predictNoise(image, timesteps: [500], zSem: zSem) }
        XCTAssertEqual(noise.shape, [1, 3, 128, 128])
        XCTAssertTrue(noise.values.allSatisfy(\.isFinite))
    }
}
