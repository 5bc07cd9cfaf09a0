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

    /// `--split ID,POSE,EXP` (for `validate()`): three whole numbers, each part at least one
    /// channel wide (a part of none has nothing to probe, traverse or erase).
    static func checkSplit(_ text: String?) throws {
        guard let text else { return }
        let sizes = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.count == 3, let id = sizes[0], let pose = sizes[1], let expression = sizes[2] else {
            throw ValidationError("--split wants three whole numbers ID,POSE,EXP (e.g. 8,8,16), got '\(text)'")
        }
        for (name, size) in zip(["ID", "POSE", "EXP"], [id, pose, expression]) where size < 1 {
            throw ValidationError("--split \(text): every part needs at least 1 channel (got \(name) \(size))")
        }
    }

    /// The latent split `--split` gives, or else the one written beside `checkpoint`
    /// (CHECKPOINT.split.json, written by `dae train` with a recipe's `split` field); nil when
    /// there is neither. Either must cover z_sem's `width` channels exactly.
    static func latentSplit(_ text: String?, of checkpoint: URL, width: Int) throws -> LatentSplit? {
        if let text {
            let split = LatentSplit(parsing: text)!  // checked by checkSplit
            guard split.total == width else {
                throw ValidationError("--split \(text) adds up to \(split.total), but the model's z_sem has \(width) channels")
            }
            return split
        }
        let sidecar = LatentSplit.sidecar(of: checkpoint)
        guard FileManager.default.fileExists(atPath: sidecar.path) else { return nil }
        let split = try LatentSplit.read(sidecar)
        guard split.total == width else {
            throw ValidationError("\(sidecar.path): its split (\(split)) adds up to \(split.total), but the model's z_sem has \(width) channels")
        }
        return split
    }

    static func dataset(_ path: String) throws -> SpeakerDataset {
        try SpeakerDataset(at: URL(fileURLWithPath: path))
    }
}

/// `--refinements`, shared by the commands that invert frames to x_T (`DiffAE.stochasticEncode`).
struct InversionRefinements: ParsableArguments {
    @Option(parsing: .unconditional, help: "Fixed-point refinements of each inversion move: each adds one UNet pass per move and brings the decode closer to the frame (0: DiffAE's plain inversion).")
    var refinements: Int = DiffAE.recommendedRefinements

    func validate() throws {
        try OptionRange.check("--refinements", refinements, atLeast: 0, atMost: 10)
    }
}
