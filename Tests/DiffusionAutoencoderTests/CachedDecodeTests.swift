import DiffusionAutoencoder
import XCTest

/// `decode` runs its UNet passes inside `withCachedConvolutionWeights` (each weight's Winograd
/// transform made once); its frames must be the bits of the same DDIM loop run without it.
final class CachedDecodeTests: XCTestCase {
    func testDecodeGivesTheBitsOfAnUncachedLoop() throws {
        // The golden weights: no zeroed output convolutions, so every 3×3 convolution counts.
        let (model, _) = try Goldens.model()
        let (z, size) = (model.config.zSemChannels, model.config.imageSize)
        var rng = RandomGenerator(seed: 7)
        let zSem = Tensor.randn([2, z], using: &rng), noise = Tensor.randn([2, 3, size, size], using: &rng)
        let decoded = model.decode(zSem, noise: noise, steps: 4)

        let times = model.diffusion.samplingTimesteps(4), ab = model.diffusion.alphasCumprod
        var x = noise
        withoutGradients {
            for i in times.indices.reversed() {
                let eps = model.predictNoise(x, timesteps: [times[i], times[i]], zSem: zSem)
                x = model.diffusion.ddimMove(x, eps: eps, alphaBar: ab[times[i]], targetAlphaBar: i > 0 ? ab[times[i - 1]] : 1).x
            }
        }
        XCTAssertEqual(decoded.values.map(\.bitPattern), x.values.map(\.bitPattern))
    }
}
