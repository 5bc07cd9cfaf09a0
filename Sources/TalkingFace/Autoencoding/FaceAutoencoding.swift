import DiffusionAutoencoder
import Foundation
import MediaIO
import Datasets

/// The noise a decode starts from.
public enum DecodeNoise: Equatable, Sendable {
    /// Each frame's own stochastic code x_T (`dae encode --stochastic`): reconstructs the frame.
    case encoded
    /// The reference frame's x_T shared by every frame: the frame from z_sem alone, as the
    /// talking-face pipeline decodes predicted z_sem.
    case reference
    /// One Gaussian noise image from this seed, shared by every frame.
    case seed(UInt64)
}

/// A data set's frames through a trained diffusion autoencoder: encode to `Latents`, decode
/// them back to images, and reconstruction with its PSNR/SSIM. Work goes in chunks of
/// `chunk` frames so progress can be reported and memory stays bounded.
public enum FaceAutoencoding {
    /// Codes of `frames` of `dataset`: z_sem always; x_T per frame when `stochastic`; the
    /// x_T of `referenceFrame` always (DDIM inversion over `steps` sampling steps, each move
    /// solved with `refinements` fixed-point iterations: `DiffAE.stochasticEncode`). Pose and
    /// the synthetic factors (factors.h5) of those frames come along when the data set has them.
    public static func encode(model: DiffAE, dataset: SpeakerDataset, frames: [Int], stochastic: Bool, steps: Int = 20,
                              refinements: Int = DiffAE.recommendedRefinements, referenceFrame: Int = 0, chunk: Int = 32,
                              progress: (Int, Int) -> Void = { _, _ in }) throws -> Latents {
        try checkFrames(frames + [referenceFrame], of: dataset, for: model)
        let size = model.config.imageSize
        var zParts: [Tensor] = [], xParts: [Tensor] = []
        for start in stride(from: 0, to: frames.count, by: chunk) {
            let images = try dataset.frames(Array(frames[start..<Swift.min(start + chunk, frames.count)]), size: size)
            let zSem = model.encode(images)
            zParts.append(zSem)
            if stochastic { xParts.append(model.stochasticEncode(images, zSem: zSem, steps: steps, refinements: refinements)) }
            progress(Swift.min(start + chunk, frames.count), frames.count)
        }
        let reference = try referenceNoise(model: model, dataset: dataset, frame: referenceFrame, steps: steps,
                                           refinements: refinements)

        var pose: Tensor?
        if let track = dataset.pose {
            pose = Tensor(shape: [frames.count, 3], values: frames.flatMap { [track.yaw[$0], track.pitch[$0], track.roll[$0]] })
        }
        var factors: [String: Tensor] = [:]
        let factorsURL = dataset.root.appendingPathComponent("factors.h5")
        if FileManager.default.fileExists(atPath: factorsURL.path) {
            for (name, series) in try TensorFile.read(factorsURL).tensors where series.rank == 1 && series.count >= dataset.frameCount {
                factors[name] = Tensor(shape: [frames.count], values: frames.map { series.pointer[$0] })
            }
        }
        let json = String(decoding: try JSONEncoder().encode(model.config), as: UTF8.self)
        return Latents(
            zSem: concat(zParts, dim: 0), frames: frames, xT: stochastic ? concat(xParts, dim: 0) : nil, referenceXT: reference,
            referenceFrame: referenceFrame, pose: pose, factors: factors,
            attributes: ["data": dataset.root.path, "fps": String(dataset.meta.fps), "stochastic_steps": String(steps),
                         "inversion_refinements": String(refinements),
                         "config": json])
    }

    /// The stochastic code (1, 3, S, S) of one frame of `dataset`.
    public static func referenceNoise(model: DiffAE, dataset: SpeakerDataset, frame: Int, steps: Int = 20,
                                      refinements: Int = DiffAE.recommendedRefinements) throws -> Tensor {
        try checkFrames([frame], of: dataset, for: model)
        let image = try dataset.frames([frame], size: model.config.imageSize)
        return model.encode(image, stochasticSteps: steps, refinements: refinements).xT
    }

    /// Images decoded from `latents` (`sampler`, DDIM by default, over `steps` sampling steps),
    /// handed to `output` chunk by chunk with the index of the chunk's first frame.
    public static func decode(model: DiffAE, latents: Latents, noise: DecodeNoise, steps: Int = 20,
                              sampler: DiffusionSampler = .ddim, chunk: Int = 32,
                              progress: (Int, Int) -> Void = { _, _ in },
                              output: (Int, [RGBImage]) throws -> Void) throws {
        try checkCompatible(model: model, latents: latents)
        let size = model.config.imageSize
        let shared: Tensor?
        switch noise {
        case .encoded:
            guard latents.xT != nil else {
                throw DAEWorkflowError.invalidOption("the latents hold no per-frame x_T (encode with --stochastic), so --noise encoded is not possible; use --noise reference or --noise seed")
            }
            shared = nil
        case .reference:
            guard let r = latents.referenceXT else { throw DAEWorkflowError.invalidOption("the latents hold no reference_x_T; use --noise seed") }
            shared = r
        case .seed(let seed):
            var rng = RandomGenerator(seed: seed)
            shared = Tensor.randn([1, 3, size, size], using: &rng)
        }
        let n = latents.count
        for start in stride(from: 0, to: n, by: chunk) {
            let range = start..<Swift.min(start + chunk, n)
            let zSem = latents.zSem.slice(dim: 0, range)
            let xT = shared.map { repeated($0, range.count) } ?? latents.xT!.slice(dim: 0, range)
            try output(start, model.decode(zSem, noise: xT, steps: steps, sampler: sampler).rgbImages())
            progress(range.upperBound, n)
        }
    }

    /// Frames through both codes and back, with their quality against the originals.
    public struct Reconstruction {
        public var frames: [Int]
        public var originals: [RGBImage]
        /// From each frame's own (z_sem, x_T): should be near-exact.
        public var stochastic: [RGBImage]
        /// From z_sem alone, with the reference frame's x_T.
        public var semantic: [RGBImage]
        /// `DiffAE.semanticReliance` on the first chunk of frames (empty for a single frame).
        public var reliance: [(t: Int, own: Double, other: Double)] = []

        public var psnr: (stochastic: Double, semantic: Double) {
            (mean(zip(originals, stochastic).map(ImageQuality.psnr)), mean(zip(originals, semantic).map(ImageQuality.psnr)))
        }
        public var ssim: (stochastic: Double, semantic: Double) {
            (mean(zip(originals, stochastic).map(ImageQuality.ssim)), mean(zip(originals, semantic).map(ImageQuality.ssim)))
        }

        /// Rows: originals, stochastic reconstructions, z_sem-only reconstructions.
        public func strip() -> RGBImage { contactSheet([originals, stochastic, semantic]) }

        private func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(Swift.max(1, values.count)) }
    }

    public static func reconstruct(model: DiffAE, dataset: SpeakerDataset, frames: [Int], steps: Int = 20,
                                   refinements: Int = DiffAE.recommendedRefinements, referenceFrame: Int = 0,
                                   chunk: Int = 32, progress: (Int, Int) -> Void = { _, _ in }) throws -> Reconstruction {
        try checkFrames(frames + [referenceFrame], of: dataset, for: model)
        let reference = try referenceNoise(model: model, dataset: dataset, frame: referenceFrame, steps: steps, refinements: refinements)
        var result = Reconstruction(frames: frames, originals: [], stochastic: [], semantic: [])
        for start in stride(from: 0, to: frames.count, by: chunk) {
            let part = Array(frames[start..<Swift.min(start + chunk, frames.count)])
            let images = try dataset.frames(part, size: model.config.imageSize)
            let (zSem, xT) = model.encode(images, stochasticSteps: steps, refinements: refinements)
            if start == 0 && part.count >= 2 { result.reliance = model.semanticReliance(images, zSem: zSem, timesteps: [300, 600, 900]) }
            result.originals += images.rgbImages()
            result.stochastic += model.decode(zSem, noise: xT, steps: steps).rgbImages()
            result.semantic += model.decode(zSem, noise: repeated(reference, part.count), steps: steps).rgbImages()
            progress(start + part.count, frames.count)
        }
        return result
    }

    // MARK: - Checks and helpers

    /// The latents were made by a model of this shape.
    public static func checkCompatible(model: DiffAE, latents: Latents) throws {
        let config = model.config
        let source = latents.attributes["data"].map { " (encoded from \($0))" } ?? ""
        guard latents.zSem.shape[1] == config.zSemChannels else {
            throw DAEWorkflowError.mismatch("the latents\(source) have \(latents.zSem.shape[1])-wide z_sem, the model \(config.zSemChannels): encode and decode with the same model")
        }
        for (name, t) in [("x_T", latents.xT), ("reference_x_T", latents.referenceXT)] {
            guard let t else { continue }
            guard t.shape[2] == config.imageSize && t.shape[3] == config.imageSize else {
                throw DAEWorkflowError.mismatch("the latents' \(name)\(source) is \(t.shape[3])×\(t.shape[2]), the model makes \(config.imageSize)×\(config.imageSize) images")
            }
        }
    }

    /// Every frame exists and the data set's face crop is not smaller than the model's images.
    static func checkFrames(_ frames: [Int], of dataset: SpeakerDataset, for model: DiffAE) throws {
        if let bad = frames.first(where: { $0 < 0 || $0 >= dataset.frameCount }) {
            throw DAEWorkflowError.invalidOption("frame \(bad) is outside \(dataset.root.path)'s 0..<\(dataset.frameCount)")
        }
        let side = try TrainingFrames.faceSide(of: dataset), size = model.config.imageSize
        guard side >= size else {
            throw DAEWorkflowError.mismatch("\(dataset.root.path): its face crop is \(side)×\(side) pixels, smaller than the model's \(size)×\(size) images")
        }
    }

    /// (1, …) repeated n times along the first dimension.
    static func repeated(_ t: Tensor, _ n: Int) -> Tensor {
        let out = Tensor(uninitializedShape: [n] + t.shape.dropFirst())
        for i in 0..<n { (out.pointer + i * t.count).update(from: t.pointer, count: t.count) }
        return out
    }
}
