import Autodiff
import DiffusionAutoencoder
import Foundation
import XCTest
import TestSupport

/// A v-model (`DiffusionPrediction.v`): same network, another training target, and every
/// sampler still sees ε.
final class VelocityPredictionTests: XCTestCase {
    /// ᾱ_t from the linear schedule written out here, not read from GaussianDiffusion.
    private func alphaBar(_ t: Int) -> Float {
        var product = 1.0
        for s in 0...t { product *= 1 - (1e-4 + (0.02 - 1e-4) * Double(s) / 999) }
        return Float(product)
    }

    /// A tiny v-model whose zero-initialised output convolution is redrawn, so its output
    /// is not zero (a zero v̂ would hide a wrong conversion).
    private func model() -> DiffAE {
        var rng = RandomGenerator(seed: 5)
        let model = DiffAE(config: DiffAEPreset.tiny.config.predicting(.v), rng: &rng).eval()
        let outConv = model.out.layers[2] as! Conv2d
        let redrawn = Tensor.uniform(outConv.weight.shape, in: -0.05...0.05, using: &rng)
        outConv.weight.pointer.update(from: redrawn.pointer, count: redrawn.count)
        return model
    }

    func testPredictNoiseConvertsTheVelocity() {
        let model = model()
        var rng = RandomGenerator(seed: 1)
        let x = Tensor.randn([2, 3, 32, 32], using: &rng), z = Tensor.randn([2, 32], using: &rng)
        let timesteps = [100, 900]
        let v = withoutGradients { model.predict(x, timesteps: timesteps, zSem: z) }
        let eps = withoutGradients { model.predictNoise(x, timesteps: timesteps, zSem: z) }
        XCTAssertGreaterThan(v.values.map(abs).max()!, 0.01)
        let per = x.count / 2
        for n in 0..<2 {
            let a = alphaBar(timesteps[n])
            for i in Swift.stride(from: n * per, to: (n + 1) * per, by: 97) {
                XCTAssertEqual(eps.pointer[i], a.squareRoot() * v.pointer[i] + (1 - a).squareRoot() * x.pointer[i], accuracy: 1e-5)
            }
        }
    }

    func testLossTargetIsTheVelocity() {
        let model = model()
        var rng = RandomGenerator(seed: 2)
        let x0 = Tensor.uniform([2, 3, 32, 32], in: -1...1, using: &rng), noise = Tensor.randn([2, 3, 32, 32], using: &rng)
        let timesteps = [30, 700]
        let loss = withoutGradients { model.loss(x0: x0, timesteps: timesteps, noise: noise) }.item
        // Built here from the definitions: x_t = √ᾱ·x0 + √(1−ᾱ)·ε, v = √ᾱ·ε − √(1−ᾱ)·x0.
        let per = x0.count / 2
        var xt = [Float](repeating: 0, count: x0.count), v = xt
        for i in 0..<x0.count {
            let a = alphaBar(timesteps[i / per])
            xt[i] = a.squareRoot() * x0.pointer[i] + (1 - a).squareRoot() * noise.pointer[i]
            v[i] = a.squareRoot() * noise.pointer[i] - (1 - a).squareRoot() * x0.pointer[i]
        }
        let encoded = withoutGradients { model.encoder(x0) }
        let output = withoutGradients { model.predict(Tensor(shape: x0.shape, values: xt), timesteps: timesteps, zSem: encoded) }
        var sum = 0.0
        for i in 0..<x0.count { sum += Double((output.pointer[i] - v[i]) * (output.pointer[i] - v[i])) }
        XCTAssertEqual(Double(loss), sum / Double(x0.count), accuracy: 1e-4 * sum / Double(x0.count))
        // … which is not the ε loss.
        var epsSum = 0.0
        for i in 0..<x0.count { epsSum += Double((output.pointer[i] - noise.pointer[i]) * (output.pointer[i] - noise.pointer[i])) }
        XCTAssertGreaterThan(abs(epsSum / Double(x0.count) - Double(loss)), 0.01)
    }

    func testRoundTripOfAVModel() throws {
        try XCTSkipIf(isDebugBuild, "UNet passes: run in release (make test)")
        // The output scaled down as in RoundTripTests, so ε is smooth in x.
        let model = model()
        let outConv = model.out.layers[2] as! Conv2d
        for i in 0..<outConv.weight.count { outConv.weight.pointer[i] *= 1e-3 }
        var rng = RandomGenerator(seed: 3)
        let images = Tensor.uniform([1, 3, 32, 32], in: -0.9...0.9, using: &rng)
        let z = model.encode(images)
        let errors = [0, 2].map { k in
            maxAbsDifference(model.decode(z, noise: model.stochasticEncode(images, zSem: z, steps: 10, refinements: k), steps: 10), images)
        }
        // Here ε = √ᾱ·v̂ + √(1−ᾱ)·x_t leans on x_t itself, so the plain inversion's mismatch is
        // large (measured 0.28) and the refined one small (0.020).
        XCTAssertGreaterThan(errors[0], 0.1, "\(errors)")
        XCTAssertLessThan(errors[1], errors[0] / 5, "\(errors)")
    }

    func testConfigWithoutPredictionReadsAsEpsilon() throws {
        var json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(DiffAEPreset.tiny.config)) as! [String: Any]
        XCTAssertEqual(json["prediction"] as? String, "epsilon")
        json["prediction"] = nil
        let old = try JSONDecoder().decode(DiffAEConfig.self, from: JSONSerialization.data(withJSONObject: json))
        XCTAssertEqual(old, DiffAEPreset.tiny.config)
        let v = try JSONDecoder().decode(DiffAEConfig.self, from: JSONEncoder().encode(DiffAEPreset.tiny.config.predicting(.v)))
        XCTAssertEqual(v.prediction, .v)
        XCTAssertNotEqual(v, DiffAEPreset.tiny.config)
    }
}
