import NeuralNetworks
import XCTest

/// Tied weights and frozen sub-modules through parameters, EMA and the optimizer.
final class SharingAndFreezingTests: XCTestCase {
    func testTiedWeightsAreOneParameter() throws {
        var rng = RandomGenerator(seed: 3)
        let shared = Linear(3, 3, rng: &rng)
        let tied = Sequential([shared, SiLU(), shared])
        XCTAssertEqual(tied.namedParameters().map(\.0), ["0.weight", "0.bias"])
        XCTAssertEqual(tied.namedState().map(\.0), ["0.weight", "0.bias", "2.weight", "2.bias"])

        let ema = EMA(decay: 0.5)
        ema.update(tied)
        try tied.update(parameters: ["0.weight": .zeros([3, 3]), "0.bias": .zeros([3])], verify: .noUnusedKeys)
        ema.update(tied)
        let trained = shared.weight.values, averaged = ema.average["0.weight"]!.values
        XCTAssertNotEqual(trained, averaged)
        ema.withAveragedWeights(in: tied) { XCTAssertEqual(shared.weight.values, averaged) }
        XCTAssertEqual(shared.weight.values, trained, "swapping a tied weight back restores it")
    }

    func testFrozenChildStaysFrozenInsideANewParentAndGetsNoGradient() {
        var rng = RandomGenerator(seed: 4)
        let frozen = Linear(3, 3, rng: &rng)
        frozen.freeze()
        let model = Sequential([frozen, SiLU(), Linear(3, 1, rng: &rng)])
        XCTAssertEqual(model.namedTrainableParameters().map(\.0), ["2.weight", "2.bias"])
        let before = frozen.weight.values
        let optimizer = AdamW(learningRate: 0.1)
        valueAndGrad(model) { model(Tensor.uniform([2, 3], in: -1...1, using: &rng)).sum() }
        XCTAssertNil(frozen.weight.grad)
        XCTAssertNotNil((model.layers[2] as! Linear).weight.grad)
        optimizer.update(model: model)
        XCTAssertEqual(frozen.weight.values, before)
    }
}
