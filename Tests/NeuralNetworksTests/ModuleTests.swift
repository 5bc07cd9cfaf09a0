import Autodiff
import NeuralNetworks
import XCTest

/// Small hand-made modules exercising every kind of property reflection understands.
private final class Leaf: Module {
    let weight: Tensor
    let bias: Tensor?
    @Buffer var runningMean: Tensor
    let _scratch = Tensor.zeros([2])  // leading underscore: not state
    let width = 3                       // configuration: ignored
    lazy var cache = Tensor.zeros([5])  // lazy: ignored

    init(bias: Bool) {
        weight = Tensor(shape: [2, 3], repeating: 1)
        self.bias = bias ? Tensor(shape: [2], repeating: 2) : nil
        runningMean = Tensor.zeros([2])
    }
}

private final class Tree: Module {
    let feedForward: Leaf
    let blocks: [Leaf]
    let optionalChild: Leaf?
    let missingChild: Leaf? = nil
    let taps: [Tensor]
    let gain: Tensor

    override init() {
        feedForward = Leaf(bias: true)
        blocks = [Leaf(bias: false), Leaf(bias: true)]
        optionalChild = Leaf(bias: false)
        taps = [Tensor.ones([1]), Tensor.ones([4])]
        gain = Tensor.ones([1])
    }

    override class var keyOverrides: [String: String] { ["optionalChild": "extra"] }
}

final class ModuleTests: XCTestCase {
    func testKeysFollowPyTorchOrderAndNaming() {
        let tree = Tree()
        _ = tree.feedForward.cache  // a filled lazy property is still not state
        XCTAssertEqual(tree.namedParameters().map(\.0), [
            "taps.0", "taps.1", "gain",
            "feed_forward.weight", "feed_forward.bias",
            "blocks.0.weight",
            "blocks.1.weight", "blocks.1.bias",
            "extra.weight",
        ])
        XCTAssertEqual(tree.namedBuffers().map(\.0), [
            "feed_forward.running_mean", "blocks.0.running_mean", "blocks.1.running_mean", "extra.running_mean",
        ])
        XCTAssertEqual(tree.namedState().map(\.0).prefix(6), [
            "taps.0", "taps.1", "gain", "feed_forward.weight", "feed_forward.bias", "feed_forward.running_mean",
        ])
        XCTAssertEqual(tree.parameterCount, 1 + 4 + 1 + 6 + 2 + 6 + 6 + 2 + 6)
    }

    func testParametersStartTrainableAndFreezeStopsThem() {
        let tree = Tree()
        XCTAssertTrue(tree.parameters().allSatisfy(\.requiresGrad))
        XCTAssertTrue(tree.namedBuffers().allSatisfy { !$0.1.requiresGrad })
        tree.blocks[1].freeze()
        XCTAssertEqual(tree.namedTrainableParameters().count, tree.namedParameters().count - 2)
        XCTAssertFalse(tree.namedTrainableParameters().contains { $0.0.hasPrefix("blocks.1.") })
        tree.unfreeze()
        XCTAssertEqual(tree.trainableParameters().count, tree.parameters().count)
        XCTAssertTrue(tree.namedBuffers().allSatisfy { !$0.1.requiresGrad }, "buffers are never trainable")
    }

    func testTrainingModeReachesEveryDescendant() {
        let tree = Tree()
        XCTAssertTrue(tree.blocks[0].training)
        tree.eval()
        XCTAssertFalse(tree.training || tree.blocks[0].training || tree.blocks[1].training || tree.feedForward.training)
        tree.train()
        XCTAssertTrue(tree.blocks[1].training && tree.optionalChild!.training)
    }

    func testUpdateCopiesValuesIntoTheSameTensors() throws {
        let tree = Tree()
        let before = tree.namedState()
        var values: [String: Tensor] = [:]
        for (i, (key, t)) in before.enumerated() { values[key] = Tensor(shape: t.shape, repeating: Float(i)) }
        try tree.update(parameters: values)
        for (i, ((key, old), (newKey, new))) in zip(before, tree.namedState()).enumerated() {
            XCTAssertEqual(key, newKey)
            XCTAssertTrue(old === new, "\(key) was replaced instead of overwritten")
            XCTAssertEqual(new.values, [Float](repeating: Float(i), count: new.count))
        }
    }

    func testStrictUpdateNamesEveryProblemAndChangesNothing() {
        let tree = Tree()
        var values = Dictionary(uniqueKeysWithValues: tree.namedState().map { ($0.0, Tensor(shape: $0.1.shape, repeating: 9)) })
        values["gain"] = nil
        values["blocks.0.running_mean"] = nil
        values["blocks.7.weight"] = Tensor.zeros([2, 3])
        values["feed_forward.weight"] = Tensor.zeros([3, 2])
        let snapshot = tree.namedState().map { $0.1.values }
        XCTAssertThrowsError(try tree.update(parameters: values, verify: .all)) { error in
            guard let e = error as? ParameterUpdateError else { return XCTFail("\(error)") }
            XCTAssertEqual(e.missing, ["gain", "blocks.0.running_mean"])
            XCTAssertEqual(e.unused, ["blocks.7.weight"])
            XCTAssertEqual(e.mismatched, [.init(key: "feed_forward.weight", expected: [2, 3], given: [3, 2])])
            for key in ["gain", "blocks.0.running_mean", "blocks.7.weight", "feed_forward.weight"] {
                XCTAssertTrue(e.description.contains(key), "message lacks \(key): \(e.description)")
            }
        }
        XCTAssertEqual(tree.namedState().map { $0.1.values }, snapshot, "a failed update changed the module")

        // Lenient modes ignore what they are told to, but never a shape mismatch.
        values["feed_forward.weight"] = Tensor.zeros([2, 3])
        XCTAssertThrowsError(try tree.update(parameters: values, verify: .noUnusedKeys))
        values["blocks.7.weight"] = nil
        XCTAssertNoThrow(try tree.update(parameters: values, verify: .noUnusedKeys))
        XCTAssertEqual(tree.gain.values, [1], "a key that was not given keeps its value")
        XCTAssertEqual(tree.feedForward.weight.values, [Float](repeating: 0, count: 6))
    }

    func testZeroGradForgetsGradients() {
        let tree = Tree()
        tree.gain.grad = Tensor.ones([1])
        tree.zeroGrad()
        XCTAssertNil(tree.gain.grad)
    }
}
