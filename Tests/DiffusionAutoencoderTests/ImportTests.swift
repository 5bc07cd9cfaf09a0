import DiffusionAutoencoder
import Foundation
import MediaIO
import XCTest
import TestSupport

/// Importing DiffAE weights (as Scripts/convert_diffae_checkpoint.py writes them), with the
/// golden file's weights standing in for an official checkpoint.
final class ImportTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("dae-import-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// A training checkpoint's layout: raw and EMA copies plus a wrapper buffer.
    func writeCheckpointLike() throws -> URL {
        let (weights, _) = try Goldens.load()
        var tensors: [String: Tensor] = [
            "x_T": Tensor.zeros([1, 3, 32, 32]), "ema_model.latent_net.layers.0.linear.weight": Tensor.zeros([4, 4]),
        ]
        for (key, value) in weights {
            tensors["ema_model." + key] = value
            tensors["model." + key] = value * 2
        }
        let url = directory.appendingPathComponent("ckpt.safetensors")
        try SafeTensors.write(tensors, to: url)
        return url
    }

    func testFindsThePresetTakesTheEMAWeightsAndMatchesTheReference() throws {
        let (model, preset) = try DiffAEImport.load(safetensors: writeCheckpointLike())
        XCTAssertEqual(preset, .tiny)
        let (_, g) = try Goldens.load()
        assertClose(model.encode(g["images"]!), g["z_sem"]!, rtol: 1e-4, atol: 1e-5, "z_sem of the imported model")
    }

    func testPrefixChoosesTheRawWeights() throws {
        let (model, _) = try DiffAEImport.load(safetensors: writeCheckpointLike(), prefix: "model.")
        let (weights, _) = try Goldens.load()
        let key = "encoder.out.3.weight"
        let loaded = try XCTUnwrap(model.namedState().first { $0.0 == key }?.1)
        XCTAssertEqual(loaded.values, (weights[key]! * 2).values)
    }

    func testWrongShapeOrWrongPresetNamesTheKeys() throws {
        var (weights, _) = try Goldens.load()
        weights["out.2.weight"] = Tensor.zeros([3, 32, 3, 1])
        XCTAssertThrowsError(try DiffAEImport.load(weights, preset: .tiny)) { error in
            XCTAssertTrue("\(error)".contains("out.2.weight"), "\(error)")
        }
        weights.removeValue(forKey: "out.2.weight")
        XCTAssertThrowsError(try DiffAEImport.load(weights, preset: .tiny)) { error in
            XCTAssertTrue("\(error)".contains("missing keys: out.2.weight"), "\(error)")
        }
        XCTAssertThrowsError(try DiffAEImport.load(try Goldens.load().weights, preset: .cpu64)) { error in
            XCTAssertTrue("\(error)".contains("not a DiffAE cpu64 checkpoint"), "\(error)")
        }
    }

    func testSavedCheckpointLoadsBackWithItsConfig() throws {
        let (model, g) = try Goldens.model()
        let url = directory.appendingPathComponent("dae.h5")
        try model.save(to: url)
        let loaded = try DiffAE.load(checkpoint: url)
        XCTAssertEqual(loaded.config, DiffAEPreset.tiny.config)
        XCTAssertEqual(loaded.encode(g["images"]!).values, model.encode(g["images"]!).values)
    }
}
