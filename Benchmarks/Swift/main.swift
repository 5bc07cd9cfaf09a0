// Swift side of `make bench`: the workloads of Benchmarks/twin.py with the same shapes.
//
//   .build/release/Bench [--runs 5] [--warmup 1] [--only NAME]
//
// Prints one JSON object {"sgemm_gflops": peak, workload: {"seconds": median, "gflop": work}}
// (plus "frames" for decodes). `gflop` counts 2 × the multiply-adds of the GEMM-shaped work
// (convolutions, matmuls), forward and backward (≈ 2 × forward), so seconds and gflop give
// the GFLOP/s the report prints. The DiffAE and speech workloads live in DiffAEWorkloads.swift
// and SpeechWorkloads.swift.
import Autodiff
import COpenBLAS
import Foundation
import ReferenceBlocks

BLASEnvironment.reexecuteIfUnset()  // OpenBLAS as the tools run it, also from a plain shell

var runs = 5
var warmups = 1
var only: String?
var arguments = CommandLine.arguments.dropFirst().makeIterator()
while let argument = arguments.next() {
    switch argument {
    case "--runs": runs = Int(arguments.next() ?? "") ?? runs
    case "--warmup": warmups = Int(arguments.next() ?? "") ?? warmups
    case "--only": only = arguments.next()
    default: FileHandle.standardError.write("unknown argument \(argument)\n".data(using: .utf8)!); exit(2)
    }
}

struct Workload {
    let name: String
    let gflop: Double
    /// Images one step makes (decodes), for the frames/s note of the report.
    var frames: Int? = nil
    let step: () -> Void

    init(name: String, gflop: Double, frames: Int? = nil, step: @escaping () -> Void) {
        (self.name, self.gflop, self.frames, self.step) = (name, gflop, frames, step)
    }
}

var rng = RandomGenerator(seed: 0)
func parameter(_ shape: [Int]) -> Tensor {
    let fanIn = shape.count > 1 ? shape.dropFirst().reduce(1, *) : shape[0]
    let bound = 1 / Float(fanIn).squareRoot()
    return Tensor.uniform(shape, in: -bound...bound, using: &rng).requiringGrad()
}
func input(_ shape: [Int]) -> Tensor { Tensor.uniform(shape, in: 0...1, using: &rng) }
func clearGrads(_ tensors: [Tensor]) { for t in tensors { t.grad = nil } }

/// 2·N·Cout·H·W·Cin·k² (one conv's forward multiply-adds, in GFLOP).
func convGFLOP(_ n: Int, _ cin: Int, _ cout: Int, _ h: Int, _ w: Int, _ k: Int) -> Double {
    2 * Double(n * cout * h * w * cin * k * k) / 1e9
}

func convWorkloads() -> [Workload] {
    let x = input([8, 64, 64, 64]).requiringGrad(), w = parameter([64, 64, 3, 3]), b = parameter([64])
    let flop = convGFLOP(8, 64, 64, 64, 64, 3)
    return [
        Workload(name: "conv2d_3x3_64_fwd", gflop: flop) {
            withoutGradients { _ = conv2d(x, w, bias: b, padding: 1) }
        },
        Workload(name: "conv2d_3x3_64_fwd_bwd", gflop: 3 * flop) {
            let y = conv2d(x, w, bias: b, padding: 1)
            y.backward(gradient: Tensor.ones(y.shape))
            clearGrads([x, w, b])
        },
    ]
}

func resBlockWorkload() -> Workload {
    let shapes = [(64, 64), (64, 128), (128, 256)].map { diffAEResBlockShapes(in: $0.0, out: $0.1, timeDim: 128, zDim: 512) }
    let blocks = shapes.map { $0.map(parameter) }
    let attention = diffAEAttentionBlockShapes(channels: 256).map(parameter)
    let x = input([8, 64, 64, 64]), t = input([8, 128]), z = input([8, 512])
    let params = blocks.flatMap { $0 } + attention
    // Forward GEMM work: two 3×3 convs per block (+ 1×1 skip), attention qkv/proj and scores.
    let convs = convGFLOP(8, 64, 64, 64, 64, 3) * 2
        + convGFLOP(8, 64, 128, 32, 32, 3) + convGFLOP(8, 128, 128, 32, 32, 3) + convGFLOP(8, 64, 128, 32, 32, 1)
        + convGFLOP(8, 128, 256, 16, 16, 3) + convGFLOP(8, 256, 256, 16, 16, 3) + convGFLOP(8, 128, 256, 16, 16, 1)
    let attentionFlop = 2 * Double(8 * 256 * 256 * 4 * 256) / 1e9 + 2 * 2 * Double(8 * 256 * 256 * 256) / 1e9
    return Workload(name: "diffae_resblocks_attn_train", gflop: 3 * (convs + attentionFlop)) {
        var h = diffAEResBlock(x, timeEmbedding: t, zSem: z, parameters: blocks[0])
        h = diffAEResBlock(avgPool2d(h, kernel: 2, stride: 2), timeEmbedding: t, zSem: z, parameters: blocks[1])
        h = diffAEResBlock(avgPool2d(h, kernel: 2, stride: 2), timeEmbedding: t, zSem: z, parameters: blocks[2])
        h = diffAEAttentionBlock(h, parameters: attention, heads: 4)
        (h * h).mean().backward()
        clearGrads(params)
    }
}

func attentionWorkload() -> Workload {
    let (c, heads, n, tokens) = (256, 4, 8, 256)
    let x = input([n, tokens, c])
    let weights = (0..<4).map { _ in parameter([c, c]) }, biases = (0..<4).map { _ in parameter([c]) }
    let flop = 2 * Double(n * tokens * c * c * 4) / 1e9 + 2 * 2 * Double(n * tokens * tokens * c) / 1e9
    return Workload(name: "mha_256x256_fwd_bwd", gflop: 3 * flop) {
        func split(_ h: Tensor) -> Tensor { h.reshaped([n, tokens, heads, c / heads]).transposed(1, 2) }
        let q = split(linear(x, weights[0], biases[0]))
        let k = split(linear(x, weights[1], biases[1]))
        let v = split(linear(x, weights[2], biases[2]))
        let attended = scaledDotProductAttention(q, k, v).transposed(1, 2).reshaped([n, tokens, c])
        let y = linear(attended, weights[3], biases[3])
        y.backward(gradient: Tensor.ones(y.shape))
        clearGrads(weights + biases)
    }
}

func conformerWorkload() -> Workload {
    let (d, heads, ffn, kernel, blocks, n, t) = (256, 4, 1024, 31, 4, 8, 250)
    let layers = (0..<blocks).map { _ in
        conformerBlockShapes(dim: d, feedForward: ffn, heads: heads, kernel: kernel).map { shape -> Tensor in
            // LayerNorm and BatchNorm scales start at one, like the twin.
            shape.count == 1 && shape[0] == d ? Tensor.ones(shape).requiringGrad() : parameter(shape)
        }
    }
    let x = input([n, t, d]), positions = relativePositions(length: t, dim: d)
    let tokens = Double(n * t)
    let perBlock = 2 * tokens * Double(2 * 2 * d * ffn + 4 * d * d + 2 * d * d + d * d + d * kernel) / 1e9
        + 2 * 2 * Double(n * t * t * d) / 1e9 + 2 * Double(n * t * (2 * t - 1) * d) / 1e9 + 2 * Double((2 * t - 1) * d * d) / 1e9
    return Workload(name: "conformer_4x256_train", gflop: 3 * Double(blocks) * perBlock) {
        var h = x
        for p in layers { h = conformerBlock(h, positions: positions, parameters: p, heads: heads) }
        (h * h).mean().backward()
        clearGrads(layers.flatMap { $0 })
    }
}

/// The GEMM peak our engine can reach: OpenBLAS single-threaded (as the engine pins it),
/// one 2048×2048×2048 product split by rows over the cores with `Parallel` (as `sgemm` and the
/// kernels split theirs).
func sgemmPeakGFLOPS() -> Double {
    let size = 2048, parts = Parallel.coreCount, rows = size / parts
    let a = input([size, size]), b = input([size, size]), c = Tensor(uninitializedShape: [size, size])
    let gemm = {
        Parallel.forEach(parts) { part in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(rows), Int32(size), Int32(size),
                        1, a.pointer + part * rows * size, Int32(size), b.pointer, Int32(size),
                        0, c.pointer + part * rows * size, Int32(size))
        }
    }
    gemm()
    let seconds = median((0..<5).map { _ in time(gemm) })
    return 2 * Double(parts * rows) * Double(size * size) / seconds / 1e9
}

func time(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

var results: [String: Any] = ["sgemm_gflops": sgemmPeakGFLOPS()]
// Built lazily: the DiffAE and speech models take seconds (and memory) to initialise.
let makers: [(names: [String], make: () -> [Workload])] = [
    (["conv2d_3x3_64_fwd", "conv2d_3x3_64_fwd_bwd"], convWorkloads),
    (["diffae_resblocks_attn_train"], { [resBlockWorkload()] }),
    (["mha_256x256_fwd_bwd"], { [attentionWorkload()] }),
    (["conformer_4x256_train"], { [conformerWorkload()] }),
] + diffAEWorkloadMakers + speechWorkloadMakers
let selected = makers.lazy.filter { only == nil || $0.names.contains(only!) }
    .flatMap { $0.make() }.filter { only == nil || $0.name == only }
for workload in selected {
    for _ in 0..<warmups { workload.step() }  // fills the buffer pool
    let seconds = median((0..<runs).map { _ in time(workload.step) })
    var result: [String: Any] = ["seconds": seconds, "gflop": workload.gflop]
    if let frames = workload.frames { result["frames"] = frames }
    results[workload.name] = result
    FileHandle.standardError.write(String(format: "swift %@: %.4f s\n", workload.name, seconds).data(using: .utf8)!)
}
let json = try JSONSerialization.data(withJSONObject: results, options: [.sortedKeys])
print(String(data: json, encoding: .utf8)!)
