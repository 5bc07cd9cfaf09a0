import MediaIO
import NeuralNetworks
import SpeechToLatent
import XCTest
import TestSupport

final class LayerWeightedSumTests: XCTestCase {
    /// Mixture and the gradient of the layer weights vs torch (softmax-weighted stack sum).
    func testMatchesTorch() throws {
        let goldens = try SpeechFixtures.goldens("wav2vec2_group/goldens.safetensors")
        let states = (0..<3).map { goldens["hidden_states.\($0)"]! }
        let mix = LayerWeightedSum(layers: 3)
        XCTAssertEqual(mix.namedParameters().map(\.0), ["layer_weights"])
        try mix.update(parameters: ["layer_weights": XCTUnwrap(goldens["mix.weights"])])
        let output = mix(states)
        assertClose(output, try XCTUnwrap(goldens["mix.output"]), rtol: 1e-5, atol: 1e-6, "mixture")
        let ramp = try XCTUnwrap(goldens["mix.ramp"])
        (output * ramp).sum().backward()
        assertClose(try XCTUnwrap(mix.layerWeights.grad), try XCTUnwrap(goldens["mix.weights_grad"]),
                    rtol: 1e-4, atol: 1e-5, "layer weight gradient")
    }

    func testStartsAsTheMean() {
        let states = [Tensor(shape: [1, 2, 2], values: [1, 2, 3, 4]), Tensor(shape: [1, 2, 2], values: [3, 2, 1, 0])]
        XCTAssertEqual(LayerWeightedSum(layers: 2)(states).values, [2, 2, 2, 2])
    }
}
