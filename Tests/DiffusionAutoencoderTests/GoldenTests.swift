import DiffusionAutoencoder
import XCTest
import TestSupport

/// The tiny preset against its PyTorch reference (Tests/Fixtures/make_dae_goldens.py).
final class GoldenTests: XCTestCase {
    func testWeightsLoadByDiffAEKeysWithEveryShapeChecked() throws {
        let (weights, _) = try Goldens.load()
        let model = DiffAE(preset: .tiny)
        XCTAssertEqual(Set(model.namedState().map(\.0)), Set(weights.keys))
        XCTAssertNoThrow(try model.update(parameters: weights, verify: .all))
        XCTAssertTrue(weights.keys.contains("time_embed.time_embed.2.weight"))
        XCTAssertTrue(weights.keys.contains("encoder.out.3.weight"))
    }

    func testEncoderMatchesReference() throws {
        let (model, g) = try Goldens.model()
        assertClose(model.encode(g["images"]!), g["z_sem"]!, rtol: 1e-4, atol: 1e-5, "z_sem")
    }

    func testNoisePredictionMatchesReference() throws {
        let (model, g) = try Goldens.model()
        let timesteps = g["timesteps"]!.values.map { Int($0) }
        let eps = withoutGradients { model.predictNoise(g["x_t"]!, timesteps: timesteps, zSem: g["z_sem"]!) }
        assertClose(eps, g["eps"]!, rtol: 1e-4, atol: 1e-5, "eps at t = \(timesteps)")
    }

    func testScheduleAndQSampleMatchReference() throws {
        let (_, g) = try Goldens.load()
        let d = GaussianDiffusion()
        assertClose(Tensor(shape: [1000], values: d.alphasCumprod.map { Float($0) }), g["alphas_cumprod"]!, rtol: 1e-6, atol: 0, "ᾱ")
        let timesteps = g["timesteps"]!.values.map { Int($0) }
        assertClose(d.qSample(g["images"]!, timesteps: timesteps, noise: g["noise"]!), g["x_t"]!, rtol: 1e-6, atol: 1e-6, "x_t")
        XCTAssertEqual(d.samplingTimesteps(20), Array(stride(from: 0, to: 1000, by: 50)))  // DiffAE's "ddim20"
        XCTAssertEqual(d.samplingTimesteps(1000), Array(0..<1000))
    }

    func testOneDDIMStepMatchesReference() throws {
        let (model, g) = try Goldens.model()
        let ab = model.diffusion.alphasCumprod
        let eps = withoutGradients { model.predictNoise(g["ddim_x"]!, timesteps: [500, 500], zSem: g["z_sem"]!) }
        assertClose(eps, g["ddim_eps"]!, rtol: 1e-4, atol: 1e-5, "eps at t = 500")
        let next = model.diffusion.ddimMove(g["ddim_x"]!, eps: g["ddim_eps"]!, alphaBar: ab[500], targetAlphaBar: ab[450]).x
        assertClose(next, g["ddim_next"]!, rtol: 1e-4, atol: 1e-5, "x at t = 450")
    }

    func testOneInversionStepMatchesReference() throws {
        let (model, g) = try Goldens.model()
        let ab = model.diffusion.alphasCumprod
        let eps = withoutGradients { model.predictNoise(g["images"]!, timesteps: [0, 0], zSem: g["z_sem"]!) }
        assertClose(eps, g["inversion_eps"]!, rtol: 1e-4, atol: 1e-5, "eps at t = 0")
        let next = model.diffusion.ddimMove(g["images"]!, eps: g["inversion_eps"]!, alphaBar: ab[0], targetAlphaBar: ab[50]).x
        assertClose(next, g["inversion_next"]!, rtol: 1e-4, atol: 1e-5, "x at t = 50")
    }

    func testTrainingLossAndGradientsMatchReference() throws {
        let (model, g) = try Goldens.model()  // eval mode: dropout off, as in the reference
        let timesteps = g["timesteps"]!.values.map { Int($0) }
        let loss = model.loss(x0: g["images"]!, timesteps: timesteps, noise: g["noise"]!)
        XCTAssertEqual(loss.item, g["loss"]!.item, accuracy: 1e-5 * g["loss"]!.item)
        loss.backward()
        let parameters = Dictionary(uniqueKeysWithValues: model.namedParameters())
        let gradientKeys = g.keys.filter { $0.hasPrefix("grad.") }
        XCTAssertEqual(gradientKeys.count, 12)
        for key in gradientKeys {
            let name = String(key.dropFirst("grad.".count))
            let expected = g[key]!
            let scale = expected.values.map(abs).max() ?? 0
            assertClose(try XCTUnwrap(parameters[name]?.grad, name), expected, rtol: 1e-4, atol: 1e-4 * scale, "∂loss/∂\(name)")
        }
    }
}
