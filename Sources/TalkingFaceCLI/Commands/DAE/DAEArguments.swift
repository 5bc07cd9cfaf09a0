import ArgumentParser
import DiffusionAutoencoder
import Foundation
import TalkingFace
import Datasets
import Disentanglement

/// Arguments the `dae` subcommands share.
enum DAEArguments {
    /// The DAE `--model` names (`ModelFile.dae`).
    static func loadModel(_ path: String) throws -> DiffAE {
        try DiffAE.load(checkpoint: ModelFile.dae.resolve(path))
    }

    static func preset(_ name: String) throws -> DiffAEPreset {
        guard let preset = DiffAEPreset(rawValue: name) else {
            throw ValidationError("unknown preset '\(name)'; one of \(DiffAEPreset.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return preset
    }

    /// Frames named by `spec`: "START:END" (END excluded; either may be left out), "all",
    /// "train" or "held-out" (the data set's split, 10 % held out after a 1 s gap).
    static func frames(_ spec: String, in dataset: SpeakerDataset) throws -> [Int] {
        let n = dataset.frameCount
        switch spec {
        case "all": return Array(0..<n)
        case "train": return Array(dataset.split().train)
        case "held-out": return Array(dataset.split().heldOut)
        default: break
        }
        let parts = spec.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw ValidationError("--frames '\(spec)': expected START:END (e.g. 0:16), all, train or held-out")
        }
        guard let start = parts[0].isEmpty ? 0 : Int(parts[0]), let end = parts[1].isEmpty ? n : Int(parts[1]) else {
            throw ValidationError("--frames '\(spec)': START and END must be whole numbers")
        }
        guard 0 <= start && start < end && end <= n else {
            throw ValidationError("--frames \(start):\(end) is not a non-empty range inside the data set's 0:\(n)")
        }
        return Array(start..<end)
    }

    /// The latent split `--split` gives, or else the one written beside `checkpoint`
    /// (CHECKPOINT.split.json, by `dae train --split`); nil when there is neither.
    static func latentSplit(_ text: String?, of checkpoint: URL) throws -> LatentSplit? {
        if let text { return LatentSplit(parsing: text)! }  // validated by the command
        let sidecar = LatentSplit.sidecar(of: checkpoint)
        return FileManager.default.fileExists(atPath: sidecar.path) ? try LatentSplit.read(sidecar) : nil
    }

    static func dataset(_ path: String) throws -> SpeakerDataset {
        try SpeakerDataset(at: URL(fileURLWithPath: path))
    }
}

extension DiffusionPrediction: ExpressibleByArgument {}

/// `--refinements`, shared by the commands that invert frames to x_T (`DiffAE.stochasticEncode`).
struct InversionRefinements: ParsableArguments {
    @Option(help: "Fixed-point refinements of each inversion move: each adds one UNet pass per move and brings the decode closer to the frame (0: DiffAE's plain inversion).")
    var refinements: Int = DiffAE.recommendedRefinements

    func validate() throws {
        guard (0...10).contains(refinements) else { throw ValidationError("--refinements must be in 0...10") }
    }
}
