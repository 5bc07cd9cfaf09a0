import Autodiff
import Foundation
import MediaIO
import XCTest
import TestSupport

/// Every op's forward output and input gradients against PyTorch
/// (Tests/Fixtures/make_op_goldens.py → op_goldens.safetensors), tinygrad's
/// `helper_test_op` style: one line per op, the same call as in the script.
final class OpGoldenTests: XCTestCase {
    /// Swift twin of each case in the script: (differentiable inputs, constants) → output.
    /// Scalar arguments are repeated here exactly as the script passes them.
    static let cases: [(String, ([Tensor], [Tensor]) -> Tensor)] = [
        ("add_broadcast", { x, _ in x[0] + x[1] }),
        ("sub_broadcast", { x, _ in x[0] - x[1] }),
        ("mul_channel", { x, _ in x[0] * x[1] }),
        ("div", { x, _ in x[0] / x[1] }),
        ("scalar_ops", { x, _ in (2 * x[0] + 1) / 4 - 3 }),
        ("neg", { x, _ in -x[0] }),
        ("exp", { x, _ in exp(x[0]) }),
        ("log", { x, _ in log(x[0]) }),
        ("sqrt", { x, _ in sqrt(x[0]) }),
        ("abs", { x, _ in abs(x[0]) }),
        ("square", { x, _ in square(x[0]) }),
        ("pow", { x, _ in x[0].pow(1.5) }),
        ("silu", { x, _ in silu(x[0]) }),
        ("gelu", { x, _ in gelu(x[0]) }),
        ("sigmoid", { x, _ in sigmoid(x[0]) }),
        ("tanh", { x, _ in tanh(x[0]) }),
        ("relu", { x, _ in relu(x[0]) }),
        ("glu", { x, _ in glu(x[0], dim: 1) }),

        ("sum_dims", { x, _ in x[0].sum(dims: [0, 2]) }),
        ("sum_keepdim", { x, _ in x[0].sum(dims: [1], keepDims: true) }),
        ("mean_all", { x, _ in x[0].mean() }),
        ("mean_dims", { x, _ in x[0].mean(dims: [2, 3], keepDims: true) }),
        ("permute", { x, _ in x[0].permuted([0, 2, 3, 1]) }),
        ("transpose", { x, _ in x[0].transposed(1, 2) }),
        ("concat", { x, _ in concat([x[0], x[1]], dim: 1) }),
        ("split", { x, _ in
            let parts = x[0].split([2, 3, 1], dim: 2)
            return concat(parts.enumerated().map { k, p in p * Float(k + 1) }, dim: 2)
        }),
        ("slice", { x, _ in x[0].slice(dim: 1, 1..<4) }),
        ("expand", { x, _ in x[0].expanded(to: [2, 3, 4]) }),

        ("matmul", { x, _ in matmul(x[0], x[1]) }),
        ("matmul_batched", { x, _ in matmul(x[0], x[1]) }),
        ("linear", { x, _ in linear(x[0], x[1], x[2]) }),
        ("softmax", { x, _ in softmax(x[0], dim: -1) }),
        ("softmax_dim1", { x, _ in softmax(x[0], dim: 1) }),
        ("log_softmax", { x, _ in logSoftmax(x[0], dim: -1) }),
        ("attention_mask_bias", { x, c in scaledDotProductAttention(x[0], x[1], x[2], mask: c[0], bias: x[3]) }),
        ("attention", { x, _ in scaledDotProductAttention(x[0], x[1], x[2]) }),
        ("mse", { x, _ in mseLoss(x[0], x[1]) }),
        ("l1", { x, _ in l1Loss(x[0], x[1]) }),
        ("mse_masked", { x, c in mseLoss(x[0], x[1], mask: c[0]) }),
        ("l1_masked", { x, c in l1Loss(x[0], x[1], mask: c[0]) }),
        ("embedding", { x, c in embedding(indices: c[0].values.map { Int($0) }, shape: c[0].shape, weight: x[0]) }),

        ("conv2d", { x, _ in conv2d(x[0], x[1], bias: x[2], padding: 1) }),
        ("conv2d_stride_dilation", { x, _ in conv2d(x[0], x[1], stride: 2, padding: 2, dilation: 2) }),
        ("conv2d_groups", { x, _ in conv2d(x[0], x[1], bias: x[2], padding: 1, groups: 2) }),
        ("conv2d_1x1", { x, _ in conv2d(x[0], x[1], bias: x[2]) }),
        ("conv1d", { x, _ in conv1d(x[0], x[1], bias: x[2], stride: 2, padding: 1) }),
        ("conv1d_depthwise", { x, _ in conv1d(x[0], x[1], bias: x[2], padding: 3, groups: 6) }),
        ("conv1d_dilation", { x, _ in conv1d(x[0], x[1], padding: 2, dilation: 2) }),
        ("upsample_nearest", { x, _ in upsampleNearest2d(x[0], scale: 2) }),
        ("avg_pool", { x, _ in avgPool2d(x[0], kernel: 2, stride: 2) }),
        ("group_norm", { x, _ in groupNorm(x[0], groups: 2, weight: x[1], bias: x[2]) }),
        ("group_norm_32", { x, _ in groupNorm(x[0], groups: 32, weight: x[1], bias: x[2]) }),
        ("layer_norm", { x, _ in layerNorm(x[0], weight: x[1], bias: x[2]) }),
        ("batch_norm_train", { x, c in
            batchNorm(x[0], runningMean: c[0], runningVar: c[1], weight: x[1], bias: x[2], training: true)
        }),
        ("batch_norm_eval", { x, c in
            batchNorm(x[0], runningMean: c[0], runningVar: c[1], weight: x[1], bias: x[2], training: false)
        }),
        ("weight_norm", { x, _ in weightNorm(x[0], x[1], dim: 2) }),
    ]

    func testEveryOpMatchesPyTorch() throws {
        let goldens = try Goldens.load()
        for (name, f) in Self.cases {
            try goldens.check(name, rtol: 1e-4, atol: 1e-5, f)
        }
    }

    func testEveryScriptCaseHasASwiftTwin() throws {
        let goldens = try Goldens.load()
        let covered = Set(Self.cases.map(\.0) + ["resblock", "conformer"])
        XCTAssertEqual(goldens.caseNames.subtracting(covered), [], "golden cases without a Swift twin")
    }
}

/// Reads op_goldens.safetensors and checks one case: forward output and every input
/// gradient for the upstream gradient `gy`, with the largest differences in the message.
struct Goldens {
    let tensors: [String: Tensor]

    static func load() throws -> Goldens {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fixtures/op_goldens.safetensors")
        return Goldens(tensors: try SafeTensors.read(url))
    }

    var caseNames: Set<String> {
        Set(tensors.keys.compactMap { $0.hasSuffix(".out") ? String($0.dropLast(4)) : nil })
    }

    func numbered(_ name: String, _ kind: String) -> [Tensor] {
        var list: [Tensor] = []
        while let t = tensors["\(name).\(kind)\(list.count)"] { list.append(t.copy()) }
        return list
    }

    func check(
        _ name: String, rtol: Float, atol: Float, file: StaticString = #filePath, line: UInt = #line,
        _ f: ([Tensor], [Tensor]) -> Tensor
    ) throws {
        let inputs = numbered(name, "in"), constants = numbered(name, "c")
        guard let expected = tensors["\(name).out"], let gy = tensors["\(name).gy"], !inputs.isEmpty else {
            return XCTFail("\(name): not in the golden file", file: file, line: line)
        }
        for x in inputs { x.requiresGrad = true }
        let out = f(inputs, constants)
        assertClose(out, expected, rtol: rtol, atol: atol, atolScale: .largestExpected, "\(name).out", file: file, line: line)
        out.backward(gradient: gy)
        for (k, x) in inputs.enumerated() {
            guard let g = x.grad else {
                XCTFail("\(name).grad\(k): no gradient", file: file, line: line)
                continue
            }
            assertClose(g, tensors["\(name).grad\(k)"]!, rtol: rtol, atol: atol, atolScale: .largestExpected, "\(name).grad\(k)", file: file, line: line)
        }
    }
}

