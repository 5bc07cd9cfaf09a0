import Autodiff
import NeuralNetworks
import XCTest
import TestSupport

// Mirrors `KeyTestNet` in Tests/Fixtures/make_nn_fixture.py, written as a Swift user would.

private final class FeedForward: Module {
    let w1: Linear
    let w2: Linear
    init(rng: inout RandomGenerator) {
        w1 = Linear(8, 16, rng: &rng)
        w2 = Linear(16, 8, rng: &rng)
    }
    override class var keyOverrides: [String: String] { ["w1": "w_1", "w2": "w_2"] }
}

private final class Block: Module {
    let normFF: LayerNorm
    let feedForward: FeedForward
    let selfAttn: MultiHeadAttention
    let depthwiseConv: Conv1d
    let batchNorm: BatchNorm1d
    init(rng: inout RandomGenerator) {
        normFF = LayerNorm(8)
        feedForward = FeedForward(rng: &rng)
        selfAttn = MultiHeadAttention(dimensions: 8, heads: 2, rng: &rng)
        depthwiseConv = Conv1d(8, 8, kernelSize: 3, padding: 1, groups: 8, rng: &rng)
        batchNorm = BatchNorm1d(8)
    }
    override class var keyOverrides: [String: String] { ["normFF": "norm_ff"] }
}

private final class KeyTestNet: Module {
    let embed: Embedding
    let blocks: [Block]
    let groupNorm: GroupNorm
    let outConv: Conv2d
    let scale: Tensor
    init(rng: inout RandomGenerator) {
        embed = Embedding(10, 8, rng: &rng)
        blocks = [Block(rng: &rng), Block(rng: &rng)]
        groupNorm = GroupNorm(groups: 2, channels: 8)
        outConv = Conv2d(8, 3, kernelSize: 3, padding: 1, bias: false, rng: &rng)
        scale = .ones([8])
    }
}

final class LayerTests: XCTestCase {
    private func keysAndShapes(_ json: Any) -> [String] {
        (json as! [[Any]]).map { "\($0[0] as! String) \(($0[1] as! [NSNumber]).map(\.intValue))" }
    }

    func testNestedModuleKeysMatchTorchStateDict() {
        var rng = RandomGenerator(seed: 0)
        let net = KeyTestNet(rng: &rng)
        let golden = Fixture["keys"] as! [String: Any]
        XCTAssertEqual(net.namedParameters().map { "\($0.0) \($0.1.shape)" }, keysAndShapes(golden["parameters"]!))
        XCTAssertEqual(net.namedState().map { "\($0.0) \($0.1.shape)" }, keysAndShapes(golden["state"]!))
        XCTAssertFalse(net.namedTrainableParameters().contains { $0.0.contains("running") })
    }

    func testMultiHeadAttentionMatchesEspnetWithTorchWeights() throws {
        let golden = Fixture["attention"] as! [String: Any]
        var rng = RandomGenerator(seed: 1)
        let attention = MultiHeadAttention(dimensions: 8, heads: (golden["heads"] as! NSNumber).intValue, rng: &rng)
        let weights = (golden["weights"] as! [String: Any]).mapValues(Fixture.tensor)
        try attention.update(parameters: weights, verify: .all)  // espnet's keys, as they are
        let keyValue = Fixture.tensor(golden["key_value"]!)
        let output = attention(
            Fixture.tensor(golden["query"]!), keyValue, keyValue,
            mask: Fixture.tensor(golden["mask"]!), bias: Fixture.tensor(golden["bias"]!))
        assertClose(output, Fixture.tensor(golden["output"]!), rtol: 1e-5, atol: 1e-6, "attention output")
    }

    func testDefaultInitialisationBoundsAreTorchs() {
        var rng = RandomGenerator(seed: 2)
        let linear = Linear(300, 50, rng: &rng)
        let conv = Conv2d(16, 32, kernelSize: 3, groups: 2, rng: &rng)
        for (tensor, fanIn) in [(linear.weight, 300), (linear.bias!, 300), (conv.weight, 8 * 9), (conv.bias!, 8 * 9)] {
            let bound = 1 / Float(fanIn).squareRoot()
            let values = tensor.values
            XCTAssertLessThanOrEqual(values.map(abs).max()!, bound)
            // Uniform(±b) has mean 0 and mean square b²/3.
            let meanSquare = values.reduce(0) { $0 + $1 * $1 } / Float(values.count)
            XCTAssertEqual(meanSquare, bound * bound / 3, accuracy: bound * bound * (tensor.count > 1000 ? 0.05 : 0.3))
        }
        XCTAssertEqual(conv.weight.shape, [32, 8, 3, 3])
        let again = Linear(300, 50, rng: &rng)
        XCTAssertNotEqual(again.weight.values, linear.weight.values, "the stream advances")
        var same = RandomGenerator(seed: 2)
        XCTAssertEqual(Linear(300, 50, rng: &same).weight.values, linear.weight.values, "seeded: reproducible")
    }

    func testSequentialUsesPyTorchIndicesAndChains() {
        var rng = RandomGenerator(seed: 3)
        let mlp = Sequential([Linear(4, 6, rng: &rng), SiLU(), Linear(6, 2, rng: &rng)])
        XCTAssertEqual(mlp.namedParameters().map(\.0), ["0.weight", "0.bias", "2.weight", "2.bias"])
        let x = Tensor.uniform([5, 4], in: -1...1, using: &rng)
        let first = mlp.layers[0] as! Linear, last = mlp.layers[2] as! Linear
        assertClose(mlp(x), last(silu(first(x))), rtol: 0, atol: 0, "sequential")
    }

    func testBatchNormCountsBatchesAndUsesRunningStatisticsInEval() {
        var rng = RandomGenerator(seed: 4)
        let norm = BatchNorm1d(3)
        let x = Tensor.uniform([4, 3, 5], in: 0...2, using: &rng)
        _ = norm(x)
        XCTAssertEqual(norm.numBatchesTracked.item, 1)
        XCTAssertNotEqual(norm.runningMean.values, [0, 0, 0], "training updates running statistics")
        norm.eval()
        let saved = norm.runningMean.values
        _ = norm(x)
        XCTAssertEqual(norm.runningMean.values, saved, "evaluation leaves them alone")
        XCTAssertEqual(norm.numBatchesTracked.item, 1)
        XCTAssertEqual(norm.namedTrainableParameters().map(\.0), ["weight", "bias"])
    }

    func testDropoutOnlyInTraining() {
        var rng = RandomGenerator(seed: 5)
        let drop = Dropout(p: 0.5, rng: &rng)
        let x = Tensor.ones([1000])
        let zeros = drop(x).values.filter { $0 == 0 }.count
        XCTAssertTrue((400...600).contains(zeros), "\(zeros) of 1000 dropped at p = 0.5")
        drop.eval()
        XCTAssertEqual(drop(x).values, x.values)
    }
}
