import Foundation
import MediaIO
import NeuralNetworks
import ReferenceBlocks
import SpeechToLatent
import XCTest
import TestSupport

/// The Conformer block as Modules against the functional `ReferenceBlocks.conformerBlock`,
/// which GoldenTests checks against PyTorch (Tests/Fixtures/reference_blocks.py). Both read
/// the same golden weights here (copied into the block by espnet key), so the Module block
/// inherits that golden; it is also checked against the PyTorch numbers directly.
final class ConformerBlockTests: XCTestCase {
    /// espnet keys in the order of the fixture's parameter list (`conformerBlockShapes`).
    static let keysInFixtureOrder: [String] = {
        func feedForward(_ norm: String, _ ffn: String) -> [String] {
            ["\(norm).weight", "\(norm).bias", "\(ffn).w_1.weight", "\(ffn).w_1.bias", "\(ffn).w_2.weight", "\(ffn).w_2.bias"]
        }
        let attention = ["norm_mha.weight", "norm_mha.bias"]
            + ["q", "k", "v", "out"].flatMap { ["self_attn.linear_\($0).weight", "self_attn.linear_\($0).bias"] }
            + ["self_attn.linear_pos.weight", "self_attn.pos_bias_u", "self_attn.pos_bias_v"]
        let convolution = ["norm_conv.weight", "norm_conv.bias",
                           "conv_module.pointwise_conv1.weight", "conv_module.pointwise_conv1.bias",
                           "conv_module.depthwise_conv.weight", "conv_module.depthwise_conv.bias",
                           "conv_module.norm.weight", "conv_module.norm.bias",
                           "conv_module.pointwise_conv2.weight", "conv_module.pointwise_conv2.bias"]
        return feedForward("norm_ff_macaron", "feed_forward_macaron") + attention + convolution
            + feedForward("norm_ff", "feed_forward") + ["norm_final.weight", "norm_final.bias"]
    }()

    private var goldens: [String: Tensor] = [:]

    override func setUpWithError() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/op_goldens.safetensors")
        goldens = try SafeTensors.read(url)
    }

    private func numbered(_ kind: String) -> [Tensor] {
        var list: [Tensor] = []
        while let t = goldens["conformer.\(kind)\(list.count)"] { list.append(t) }
        return list
    }

    /// The fixture's block: D 32, FFN 64, kernel 7, 2 heads, T 10, batch 2.
    private func makeBlock() throws -> ConformerBlock {
        var rng = RandomGenerator(seed: 0)
        let block = ConformerBlock(dimension: 32, heads: 2, feedForward: 64, kernelSize: 7, dropout: 0, rng: &rng)
        let parameters = Array(numbered("in").dropFirst())
        XCTAssertEqual(parameters.count, Self.keysInFixtureOrder.count)
        try block.update(parameters: Dictionary(uniqueKeysWithValues: zip(Self.keysInFixtureOrder, parameters.map { $0.copy() })),
                         verify: .noUnusedKeys)
        return block
    }

    func testKeysAreEspnetsInRegistrationOrder() throws {
        let block = try makeBlock()
        let keys = block.namedParameters().map(\.0)
        XCTAssertEqual(Set(keys), Set(Self.keysInFixtureOrder))
        XCTAssertEqual(Array(keys.prefix(9)), [
            "self_attn.pos_bias_u", "self_attn.pos_bias_v", "self_attn.linear_q.weight", "self_attn.linear_q.bias",
            "self_attn.linear_k.weight", "self_attn.linear_k.bias", "self_attn.linear_v.weight", "self_attn.linear_v.bias",
            "self_attn.linear_out.weight"])
        XCTAssertEqual(block.namedBuffers().map(\.0),
                       ["conv_module.norm.running_mean", "conv_module.norm.running_var", "conv_module.norm.num_batches_tracked"])
    }

    func testPositionSinusoidsMatchPyTorch() throws {
        let expected = try XCTUnwrap(goldens["conformer.pos_emb"])
        let ours = relativePositionSinusoids(length: 10, dimension: 32)
        XCTAssertEqual(ours.shape, expected.shape)
        let worst = zip(ours.values, expected.values).map { abs($0 - $1) }.max()!
        XCTAssertLessThanOrEqual(worst, 1e-5)
    }

    func testModuleBlockEqualsReferenceBlockForwardAndGradients() throws {
        let block = try makeBlock()
        let inputs = numbered("in")
        let positions = try XCTUnwrap(goldens["conformer.pos_emb"])
        let gy = try XCTUnwrap(goldens["conformer.gy"])

        // Reference: the functional block on its own copies of the weights.
        let referenceInputs = inputs.map { $0.copy().requiringGrad() }
        let referenceOut = conformerBlock(referenceInputs[0], positions: positions, parameters: Array(referenceInputs.dropFirst()), heads: 2)
        referenceOut.backward(gradient: gy)

        let x = inputs[0].copy().requiringGrad()
        let out = block(x, positions: positions)
        out.backward(gradient: gy)

        assertClose(out, referenceOut, rtol: 0, atol: 1e-6, atolScale: .largestExpected, "forward")
        assertClose(x.grad!, referenceInputs[0].grad!, rtol: 0, atol: 1e-6, atolScale: .largestExpected, "x gradient")
        let parameters = Dictionary(uniqueKeysWithValues: block.namedParameters())
        for (key, reference) in zip(Self.keysInFixtureOrder, referenceInputs.dropFirst()) {
            guard let grad = parameters[key]?.grad else { XCTFail("\(key): no gradient"); continue }
            assertClose(grad, reference.grad!, rtol: 0, atol: 1e-6, atolScale: .largestExpected, key)
        }

        // And the PyTorch numbers themselves, at the golden tests' tolerance.
        assertClose(out, goldens["conformer.out"]!, rtol: 0, atol: 1e-4, atolScale: .largestExpected, "forward vs PyTorch")
        assertClose(x.grad!, goldens["conformer.grad0"]!, rtol: 0, atol: 1e-4, atolScale: .largestExpected, "x gradient vs PyTorch")
        for (k, key) in Self.keysInFixtureOrder.enumerated() {
            assertClose(parameters[key]!.grad!, goldens["conformer.grad\(k + 1)"]!, rtol: 0, atol: 1e-4, atolScale: .largestExpected, "\(key) vs PyTorch")
        }
    }
}

