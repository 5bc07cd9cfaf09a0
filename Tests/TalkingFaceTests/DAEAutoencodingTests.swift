import DiffusionAutoencoder
import Foundation
import MediaIO
import TalkingFace
import XCTest
import Datasets
import TestSupport

/// encode → latents.h5 → decode through the library `dae encode`/`dae decode` call.
final class DAEAutoencodingTests: XCTestCase {
    /// The tiny model with random weights everywhere and a nearly-silent output convolution,
    /// so ε depends (a little) on x, t and z_sem yet the DDIM inversion is near exact at any
    /// number of steps (see DiffusionAutoencoderTests.RoundTripTests for why).
    private func model() -> DiffAE {
        let model = DiffAE(preset: .tiny, seed: 5).eval()
        let outConv = model.out.layers[2] as! Conv2d
        var rng = RandomGenerator(seed: 6)
        let small = Tensor.uniform(outConv.weight.shape, in: -1e-5...1e-5, using: &rng)
        outConv.weight.pointer.update(from: small.pointer, count: small.count)
        return model
    }

    private func psnrs(_ a: [RGBImage], _ b: [RGBImage]) -> [Double] { zip(a, b).map(ImageQuality.psnr) }

    func testEncodeWriteReadDecodeReconstructsTheFrames() throws {
        let scratch = try TemporaryDirectory()
        try DAETestData.write(to: scratch.file("speaker"), count: 12)
        let dataset = try SpeakerDataset(at: scratch.file("speaker"))
        let model = model()
        let frames = [2, 3, 4, 9]
        let encoded = try FaceAutoencoding.encode(model: model, dataset: dataset, frames: frames, stochastic: true, steps: 10,
                                                  referenceFrame: 9, chunk: 3)
        let url = scratch.file("latents.h5")
        try encoded.write(to: url)
        let latents = try Latents.read(url)
        XCTAssertEqual(latents.frames, frames)
        XCTAssertEqual(latents.referenceFrame, 9)
        XCTAssertEqual(latents.zSem.shape, [4, 32])
        XCTAssertEqual(latents.xT?.shape, [4, 3, 32, 32])
        XCTAssertEqual(latents.referenceXT?.shape, [1, 3, 32, 32])
        let pose: [Float] = frames.flatMap { [0.01 * Float($0), 0, -0.02 * Float($0)] }  // through pose.csv's decimals
        XCTAssertEqual(latents.pose?.count, pose.count)
        XCTAssertLessThan(zip(latents.pose?.values ?? [], pose).map { Swift.abs($0 - $1) }.max() ?? 1, 1e-6)
        XCTAssertEqual(latents.factors["jaw_open"]?.values ?? [], frames.map { Float($0) / 12 })

        let originals = try frames.map { try dataset.frame($0, size: 32) }
        func decoded(_ noise: DecodeNoise) throws -> [RGBImage] {
            var images: [RGBImage] = []
            try FaceAutoencoding.decode(model: model, latents: latents, noise: noise, steps: 10, chunk: 3) { start, part in
                XCTAssertEqual(start, images.count)
                images += part
            }
            return images
        }
        let fromOwnNoise = psnrs(try decoded(.encoded), originals)
        XCTAssertGreaterThan(fromOwnNoise.min()!, 40, "\(fromOwnNoise)")
        // The reference x_T is frame 9's own: it brings back frame 9 only.
        let fromReference = psnrs(try decoded(.reference), originals)
        XCTAssertGreaterThan(fromReference[3], 40, "\(fromReference)")
        XCTAssertLessThan(fromReference[0], 25, "\(fromReference)")
        let fromSeed = psnrs(try decoded(.seed(1)), originals)
        XCTAssertLessThan(fromSeed.max()!, 20, "\(fromSeed)")
    }

    func testReconstructReportsBothDecodes() throws {
        let scratch = try TemporaryDirectory()
        try DAETestData.write(to: scratch.file("speaker"), count: 6)
        let dataset = try SpeakerDataset(at: scratch.file("speaker"))
        let result = try FaceAutoencoding.reconstruct(model: model(), dataset: dataset, frames: [0, 5], steps: 8, referenceFrame: 0)
        XCTAssertEqual(result.originals.count, 2)
        XCTAssertGreaterThan(result.psnr.stochastic, 40)
        XCTAssertGreaterThan(result.ssim.stochastic, 0.99)
        XCTAssertLessThan(result.psnr.semantic, result.psnr.stochastic - 10)  // frame 5 from frame 0's noise
        let strip = result.strip()
        XCTAssertEqual(strip.height, 3 * (32 + 2) + 2)
    }

    func testLatentsOfAnotherModelShapeAreRefused() throws {
        let scratch = try TemporaryDirectory()
        try DAETestData.write(to: scratch.file("speaker"), count: 4)
        let dataset = try SpeakerDataset(at: scratch.file("speaker"))
        var config = DiffAEPreset.tiny.config
        config.zSemChannels = 16
        var rng = RandomGenerator(seed: 1)
        let narrow = DiffAE(config: config, rng: &rng).eval()
        let latents = try FaceAutoencoding.encode(model: narrow, dataset: dataset, frames: [0, 1], stochastic: false, steps: 2)
        XCTAssertThrowsError(try FaceAutoencoding.decode(model: model(), latents: latents, noise: .reference) { _, _ in }) {
            XCTAssertTrue("\($0)".contains("16-wide z_sem, the model 32"), "\($0)")
        }
        XCTAssertThrowsError(try FaceAutoencoding.decode(model: narrow, latents: latents, noise: .encoded) { _, _ in }) {
            XCTAssertTrue("\($0)".contains("--stochastic"), "\($0)")
        }
        // Frames smaller than the model's images are refused, not blown up.
        try DAETestData.write(to: scratch.file("small"), count: 2, size: 16)
        XCTAssertThrowsError(try FaceAutoencoding.encode(model: narrow, dataset: SpeakerDataset(at: scratch.file("small")),
                                                         frames: [0], stochastic: false)) {
            XCTAssertTrue("\($0)".contains("smaller than the model's 32×32"), "\($0)")
        }
    }
}
