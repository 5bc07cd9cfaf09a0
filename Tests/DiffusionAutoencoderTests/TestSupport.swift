import DiffusionAutoencoder
import Foundation
import MediaIO
import XCTest

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

