import DiffusionAutoencoder
import Foundation
import MediaIO
import XCTest

#if DEBUG
let isDebugBuild = true
#else
let isDebugBuild = false
#endif

/// The goldens of Tests/Fixtures/make_dae_goldens.py (PyTorch reference of the `tiny` preset).
enum Goldens {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/dae_tiny_goldens.safetensors")

    /// (weights under DiffAE's keys, golden tensors without their "golden." prefix)
    static func load() throws -> (weights: [String: Tensor], goldens: [String: Tensor]) {
        var weights: [String: Tensor] = [:], goldens: [String: Tensor] = [:]
        for (key, tensor) in try SafeTensors.read(url) {
            if key.hasPrefix("golden.") {
                goldens[String(key.dropFirst("golden.".count))] = tensor
            } else {
                weights[key] = tensor
            }
        }
        return (weights, goldens)
    }

    /// The tiny model in evaluation mode with the golden weights (every key and shape checked).
    static func model() throws -> (DiffAE, [String: Tensor]) {
        let (weights, goldens) = try load()
        let model = DiffAE(preset: .tiny).eval()
        try model.update(parameters: weights, verify: .all)
        return (model, goldens)
    }
}

/// |a − b| ≤ atol + rtol·|b| everywhere; the message names the worst element.
func assertClose(
    _ a: Tensor, _ b: Tensor, rtol: Float = 1e-4, atol: Float = 1e-5, _ what: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
    guard a.shape == b.shape, a.count > 0 else { return }
    var worst = (index: 0, excess: -Float.infinity)
    for i in 0..<a.count {
        let excess = abs(a.pointer[i] - b.pointer[i]) - (atol + rtol * abs(b.pointer[i]))
        if excess > worst.excess { worst = (i, excess) }
    }
    XCTAssertLessThanOrEqual(
        worst.excess, 0, "\(what): element \(worst.index) is \(a.pointer[worst.index]), expected \(b.pointer[worst.index])",
        file: file, line: line)
}

func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape)
    return zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0
}
