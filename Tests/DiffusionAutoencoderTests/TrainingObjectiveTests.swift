import Autodiff
import DiffusionAutoencoder
import Foundation
import XCTest

/// What the trainer optimises: which timesteps it draws and how it weighs each image's loss.
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

final class LossWeightingTests: XCTestCase {
    /// ᾱ_t from the linear schedule written out here, not read from GaussianDiffusion.
    private func alphaBar(_ t: Int) -> Double {
        var product = 1.0
        for s in 0...t {
            let beta: Double = 1e-4 + (0.02 - 1e-4) * Double(s) / 999
            product *= 1 - beta
        }
        return product
    }

    func testP2WeightIsOneOverOnePlusSNRToTheGamma() {
        let diffusion = DiffAE(preset: .tiny, seed: 1).diffusion
        for t in [0, 10, 100, 250, 500, 750, 999] {
            let snr = alphaBar(t) / (1 - alphaBar(t))
            XCTAssertEqual(diffusion.signalToNoise(t), snr, accuracy: 1e-9 * max(1, snr))
            XCTAssertEqual(diffusion.p2Weight(t, gamma: 1), 1 / (1 + snr), accuracy: 1e-9)
            XCTAssertEqual(diffusion.p2Weight(t, gamma: 0.5), 1 / (1 + snr).squareRoot(), accuracy: 1e-9)
            XCTAssertEqual(diffusion.p2Weight(t, gamma: 0), 1)
        }
        // the clean end loses almost all weight, the noisy end keeps nearly all of it
        XCTAssertLessThan(diffusion.p2Weight(0, gamma: 1), 1e-3)
        XCTAssertGreaterThan(diffusion.p2Weight(999, gamma: 1), 0.999)
    }

    func testWeightedLossIsTheWeightedMeanOfEachImagesLoss() {
        let model = DiffAE(preset: .tiny, seed: 2).eval()
        var rng = RandomGenerator(seed: 7)
        let x0 = Tensor.uniform([3, 3, 32, 32], in: -1...1, using: &rng)
        let noise = Tensor.randn([3, 3, 32, 32], using: &rng)
        let timesteps = [20, 400, 900]
        let weights: [Float] = [0.1, 1, 2.5]
        let single = (0..<3).map { n in
            model.loss(x0: x0.slice(dim: 0, n..<(n + 1)), timesteps: [timesteps[n]],
                       noise: noise.slice(dim: 0, n..<(n + 1))).item
        }
        let expected = zip(weights, single).map { $0 * $1 }.reduce(0, +) / weights.reduce(0, +)
        let weighted = model.loss(x0: x0, timesteps: timesteps, noise: noise, weights: weights).item
        XCTAssertEqual(weighted, expected, accuracy: 1e-5 * expected)
        let equal = model.loss(x0: x0, timesteps: timesteps, noise: noise).item
        XCTAssertEqual(equal, single.reduce(0, +) / 3, accuracy: 1e-5 * equal)
        XCTAssertNotEqual(weighted, equal, accuracy: 1e-3 * equal, "the weights change the loss")
    }
}

final class PixelWeightingTests: XCTestCase {
    func testPixelWeightsGiveTheWeightedMeanOverPixels() {
        let model = DiffAE(preset: .tiny, seed: 4).eval()
        var rng = RandomGenerator(seed: 11)
        let (b, s) = (2, 32)
        let x0 = Tensor.uniform([b, 3, s, s], in: -1...1, using: &rng)
        let noise = Tensor.randn([b, 3, s, s], using: &rng)
        let timesteps = [150, 700]
        let pixel = (0..<(s * s)).map { Float($0 % 7) * 0.5 }  // some pixels weigh 0, some 3
        let imageWeights: [Float] = [0.5, 2]

        // The squared error of each element, from the model's own prediction of ε.
        let (prediction, xt) = withoutGradients { () -> (Tensor, Tensor) in
            let xt = model.diffusion.qSample(x0, timesteps: timesteps, noise: noise)
            return (model.predict(xt, timesteps: timesteps, zSem: model.encoder(x0)), xt)
        }
        XCTAssertEqual(xt.shape, x0.shape)
        let p = prediction.values, e = noise.values
        var (weighted, total, plain) = (0.0, 0.0, 0.0)
        for n in 0..<b {
            for c in 0..<3 {
                for k in 0..<(s * s) {
                    let i = (n * 3 + c) * s * s + k
                    let error = Double(p[i] - e[i]) * Double(p[i] - e[i])
                    let w = Double(imageWeights[n] * pixel[k])
                    weighted += w * error
                    total += w
                    plain += error
                }
            }
        }
        let map = Tensor(shape: [1, 1, s, s], values: pixel)
        let both = model.loss(x0: x0, timesteps: timesteps, noise: noise, weights: imageWeights, pixelWeights: map).item
        XCTAssertEqual(Double(both), weighted / total, accuracy: 1e-5 * weighted / total)

        let unweighted = model.loss(x0: x0, timesteps: timesteps, noise: noise).item
        XCTAssertEqual(Double(unweighted), plain / Double(b * 3 * s * s), accuracy: 1e-5 * Double(unweighted))
        let ones = Tensor(shape: [1, 1, s, s], values: Array(repeating: 1, count: s * s))
        XCTAssertEqual(model.loss(x0: x0, timesteps: timesteps, noise: noise, pixelWeights: ones).item, unweighted,
                       accuracy: 1e-6 * unweighted, "equal pixel weights are DiffAE's loss")
    }
}
