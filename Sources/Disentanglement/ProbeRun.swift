import DiffusionAutoencoder
import Foundation
import MediaIO
import Datasets

/// Traversal grid settings; `rows` 0 skips the grids.
public struct TraversalOptions: Sendable {
    public var rows: Int
    public var steps: Int
    public var span: Double
    public var decodeSteps: Int

    public init(rows: Int = 3, steps: Int = 7, span: Double = 2, decodeSteps: Int = 20) {
        self.rows = rows
        self.steps = steps
        self.span = span
        self.decodeSteps = decodeSteps
    }
}

extension LatentProbe {
    /// The whole probe: encode the data sets' frames, fit and score the probes, write
    /// `out/probe.json`, `out/probe.txt` and, unless `traversal.rows` is 0,
    /// `out/traversal_<part>.png` (one row per speaker's first held-out frame, x_T its
    /// stochastic encoding). `progress(stage, done, total)`.
    @discardableResult
    public static func run(model: DiffAE, datasets: [SpeakerDataset], split: LatentSplit, splitIsThirds: Bool,
                           sampling: Sampling = Sampling(), traversal: TraversalOptions = TraversalOptions(), out: URL,
                           progress: (String, Int, Int) -> Void = { _, _, _ in }) throws -> ProbeReport {
        guard split.total == model.config.zSemChannels else {
            throw DatasetError.mismatch("latent split \(split) adds up to \(split.total), but the model's z_sem has \(model.config.zSemChannels) channels")
        }
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let (samples, heldOutFrames) = try collect(model: model, datasets: datasets, sampling: sampling) { progress("encode", $0, $1) }
        let report = analyse(samples, split: split, splitIsThirds: splitIsThirds)
        try report.writeJSON(to: out.appendingPathComponent("probe.json"))
        try Data((report.table() + "\n").utf8).writeAtomically(to: out.appendingPathComponent("probe.txt"))

        let bases = Array(heldOutFrames.prefix(traversal.rows))
        if !bases.isEmpty {
            let images = concat(bases, dim: 0)  // (B, 3, S, S)
            let codes = model.encode(images, stochasticSteps: traversal.decodeSteps, refinements: DiffAE.recommendedRefinements)
            let trainRows = samples.rows(.fit) + samples.rows(.validation)
            for (k, (name, range)) in zip(LatentSplit.partNames, split.ranges).enumerated() where !range.isEmpty {
                progress("traverse", k, 3)
                let part = samples.z.selectingRows(trainRows).selectingColumns(Array(range))
                let (direction, sigma) = LatentTraversal.principalDirection(part)
                let sheet = LatentTraversal.grid(model: model, range: range, direction: direction, sigma: sigma,
                                                 zBase: codes.zSem, xT: codes.xT, steps: traversal.steps,
                                                 span: traversal.span, decodeSteps: traversal.decodeSteps)
                try PNG.write(sheet.image8(), to: out.appendingPathComponent("traversal_\(name).png"))
            }
            progress("traverse", 3, 3)
        }
        return report
    }
}
