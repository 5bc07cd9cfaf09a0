import DiffusionAutoencoder
import Foundation
import MediaIO
import NeuralNetworks

/// What a command writes at its output path, and how to tell that an existing file or
/// folder there is one of those (so replacing it loses nothing of the user's).
public enum OutputKind: Sendable {
    /// `synth`: a folder of `speaker_NN` data sets made by synth.
    case syntheticDatasets
    /// `clip`, `prepare`: a data set one of them made (meta.json, and clip's or prepare's mark).
    case dataset
    /// A training run folder, known by a marker file its trainer writes first (any one of
    /// `markers`); `worthKeeping`: the files that make a failed run's folder worth resuming.
    case trainingRun(markers: [String], worthKeeping: [String])
    /// `bundle`: a speaker bundle (meta.json and dae.h5).
    case speakerBundle
    /// `generate`: a folder of generated frames (latents.h5 beside meta.json), or its video.
    case generatedVideo
    /// `dae decode`: PNG frames and frames.csv.
    case decodedFrames
    /// `dae reconstruct`: metrics.json, strip.png and the frame folders.
    case reconstruction
    /// `probe`: probe.json, probe.txt and the traversal grids.
    case probeReport
    /// `dae encode`, `s2l predict`: a latents file (HDF5 with z_sem).
    case latentsFile
    /// `dae erase`, `weights import`: a diffusion autoencoder checkpoint.
    case autoencoderFile
    /// `eval --json`: an evaluation report.
    case evaluationReport
    /// `synth --contact-sheet`: a PNG picture.
    case picture

    /// Whether the output is a folder (else a file).
    public var isFolder: Bool {
        switch self {
        case .latentsFile, .autoencoderFile, .evaluationReport, .picture: false
        case .generatedVideo, .syntheticDatasets, .dataset, .trainingRun, .speakerBundle, .decodedFrames, .reconstruction, .probeReport: true
        }
    }

    /// What this kind of output is, in words ("a speaker bundle").
    public var noun: String {
        switch self {
        case .syntheticDatasets: "a folder of synthetic data sets (talkingface synth)"
        case .dataset: "a data set made by talkingface clip or prepare"
        case .trainingRun(let markers, _): "a training run folder (with its \(markers[0]))"
        case .speakerBundle: "a speaker bundle (meta.json, dae.h5)"
        case .generatedVideo: "talkingface generate's output"
        case .decodedFrames: "dae decode's frames (frames.csv)"
        case .reconstruction: "dae reconstruct's output (metrics.json)"
        case .probeReport: "a probe report (probe.json)"
        case .latentsFile: "a latents file (HDF5 with z_sem)"
        case .autoencoderFile: "a diffusion autoencoder checkpoint (.h5)"
        case .evaluationReport: "an evaluation report (JSON)"
        case .picture: "a PNG picture"
        }
    }

    /// Whether the existing `url` is this kind of output (an empty folder counts, for the
    /// folder kinds: replacing it loses nothing).
    public func recognises(_ url: URL) -> Bool {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return false }
        if case .generatedVideo = self, !isDirectory.boolValue { return Self.isVideo(url) }
        guard isDirectory.boolValue == isFolder else { return false }
        if isFolder {
            guard let names = try? fm.contentsOfDirectory(atPath: url.path) else { return false }
            let own = names.filter { !Self.isStagingName($0) }
            if own.isEmpty { return true }
            return recognisesFolder(url, names: own)
        }
        return recognisesFile(url)
    }

    private func recognisesFolder(_ url: URL, names: [String]) -> Bool {
        let has = { (name: String) in FileManager.default.fileExists(atPath: url.appendingPathComponent(name).path) }
        switch self {
        case .syntheticDatasets:
            return names.allSatisfy { name in
                name.hasPrefix("speaker_") && Self.datasetSource(url.appendingPathComponent(name))?["generator"] == "talkingface synth"
            }
        case .dataset:
            guard let source = Self.datasetSource(url) else { return false }
            return source["clip_of"] != nil || source["generator"] == "talkingface synth" || has("crop.json")
        case .trainingRun(let markers, _): return markers.contains(where: has)
        case .speakerBundle: return has("meta.json") && has(ModelFile.dae.fileName)
        case .generatedVideo: return has("latents.h5") && has("meta.json")
        case .decodedFrames:
            return has("frames.csv") && names.allSatisfy { $0 == "frames.csv" || Self.isFrameName($0) }
        case .reconstruction: return has("metrics.json")
        case .probeReport: return has("probe.json")
        case .latentsFile, .autoencoderFile, .evaluationReport, .picture: return false
        }
    }

    private func recognisesFile(_ url: URL) -> Bool {
        switch self {
        case .latentsFile: return (try? TensorFile.shapes(url))?[Latents.Key.zSem] != nil
        case .autoencoderFile: return (try? Checkpoint.config(DiffAEConfig.self, from: url)) != nil
        case .evaluationReport:  // EvaluationReport's JSON: an object with frames, psnr and ssim
            let object = (try? Data(contentsOf: url)).flatMap { try? JSONSerialization.jsonObject(with: $0) } as? [String: Any]
            return ["frames", "psnr", "ssim"].allSatisfy { object?[$0] != nil }
        case .picture: return Self.startsWith(url, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        default: return false
        }
    }

    /// The files that make a failed new run's folder worth keeping (a checkpoint to resume).
    var worthKeeping: [String] {
        if case .trainingRun(_, let files) = self { return files }
        return []
    }

    /// `meta.json`'s source notes of a data set folder, nil when it has no readable one.
    private static func datasetSource(_ folder: URL) -> [String: String]? {
        struct Provenance: Decodable { var source: [String: String]? }
        guard let data = try? Data(contentsOf: folder.appendingPathComponent("meta.json")),
              let meta = try? JSONDecoder().decode(Provenance.self, from: data) else { return nil }
        return meta.source ?? [:]
    }

    /// An MP4 / QuickTime file: an ISO media box `ftyp` at byte 4.
    private static func isVideo(_ url: URL) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 8)) ?? Data()
        return head.count == 8 && head.suffix(4) == Data("ftyp".utf8)
    }

    private static func startsWith(_ url: URL, _ signature: [UInt8]) -> Bool {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return false }
        defer { try? handle.close() }
        return (try? handle.read(upToCount: signature.count)).map { Array($0) == signature } ?? false
    }

    /// `NNNNN.png`, the frame names the commands write.
    private static func isFrameName(_ name: String) -> Bool {
        name.count == 9 && name.hasSuffix(".png") && name.prefix(5).allSatisfy(\.isNumber)
    }

    /// A temporary name a writer of ours leaves beside or inside its output while working
    /// (`.NAME.UUID.partial`, `.NAME.partial-UUID`, `.frames.partial`): never the user's.
    static func isStagingName(_ name: String) -> Bool {
        name.hasPrefix(".") && name.contains(".partial")
    }
}
