import DiffusionAutoencoder
import Foundation
import MediaIO

/// `meta.json` of a speaker bundle: what the bundle is and how it was made. Keys are
/// snake_case on disk; sorted keys and fixed formatting, so equal metadata gives equal bytes.
public struct SpeakerMeta: Codable, Equatable, Sendable {
    /// The bundle layout this toolkit writes; bumped when the files change meaning.
    public static let currentFormat = 1

    public var format: Int
    public var name: String
    /// Video frames per second of the latents (the speech-to-latent model's frame rate).
    public var fps: Double
    /// Square frame side in pixels (the diffusion autoencoder's image size).
    public var imageSize: Int
    /// Named configurations the models were built from (nil when custom).
    public var daePreset: String?
    public var s2lPreset: String?
    /// The speech features the speech-to-latent model reads: "log-mel" (built in) or
    /// "wav2vec2" (the user passes the same checkpoint with `--audio-encoder`).
    public var features: String
    /// DDIM steps to decode with by default; the reference x_T was inverted with these.
    public var defaultSteps: Int
    /// Units of the pose the speech-to-latent model predicts and accepts: "degrees" (as
    /// `s2l train` trains it) or "radians". Generation converts; its outputs are radians.
    public var poseUnits: String
    /// Provenance: commands, data, seeds, figures (free-form).
    public var madeBy: [String: String]
    /// The distilled decoder the bundle carries (`student.h5`), if any.
    public var student: StudentMeta?

    public init(name: String, fps: Double, imageSize: Int, daePreset: String? = nil, s2lPreset: String? = nil,
                features: String = SpeakerMeta.logMel, defaultSteps: Int = 20, poseUnits: String = "degrees",
                madeBy: [String: String] = [:]) {
        self.format = Self.currentFormat
        self.name = name
        self.fps = fps
        self.imageSize = imageSize
        self.daePreset = daePreset
        self.s2lPreset = s2lPreset
        self.features = features
        self.defaultSteps = defaultSteps
        self.poseUnits = poseUnits
        self.madeBy = madeBy
    }

    /// `made_by` keys of a speaker fine-tuned on a prepared recording: the recording's path
    /// and its crop ("fixed" or "aligned"), where `generate` pastes the face back by default.
    public static let sourceVideoKey = "source_video"
    public static let sourceCropKey = "source_crop"

    public static let logMel = "log-mel"
    public static let wav2vec2 = "wav2vec2"

    enum CodingKeys: String, CodingKey {
        case format, name, fps, features
        case imageSize = "image_size"
        case daePreset = "dae_preset"
        case s2lPreset = "s2l_preset"
        case defaultSteps = "default_steps"
        case poseUnits = "pose_units"
        case madeBy = "made_by"
        case student
    }

    public func write(to url: URL) throws {
        try JSONFile.write(self, to: url)
    }

    public static func read(_ url: URL) throws -> SpeakerMeta {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw SpeakerError(file: url, "cannot read: \(error.localizedDescription)") }
        let meta: SpeakerMeta
        do { meta = try JSONDecoder().decode(SpeakerMeta.self, from: data) } catch {
            throw SpeakerError(file: url, "not a speaker meta.json: \(Self.describe(error))")
        }
        try meta.validate(url)
        return meta
    }

    /// The values `pose_units` may take.
    public static let poseUnitValues = ["degrees", "radians"]

    /// Names `dae_preset` may hold: the DiffAE presets.
    public static var daePresetNames: [String] { DiffAEPreset.allCases.map(\.rawValue) }
    /// Names `s2l_preset` may hold: the speech-to-latent presets (`s2l train --preset`) and the
    /// speaker presets of untrained speakers (`Speaker.makeUntrained`).
    public static var s2lPresetNames: [String] {
        var names = SpeechToLatentPreset.allCases.map(\.rawValue)
        for name in SpeakerPreset.allCases.map(\.rawValue) where !names.contains(name) { names.append(name) }
        return names
    }

    /// Throws naming `url` and the first key whose value no bundle can have (how the values
    /// fit the models is `Speaker`'s check): fps finite and in (0, 1000], a sane
    /// image_size, default_steps ≥ 1, a known pose_units, known preset names.
    public func validate(_ url: URL) throws {
        func check(_ ok: Bool, _ key: CodingKeys, _ reason: @autoclosure () -> String) throws {
            if !ok { throw SpeakerError(file: url, "'\(key.stringValue)': \(reason())") }
        }
        try check(fps.isFinite && fps > 0 && fps <= 1000, .fps, "\(fps) frames per second; must be finite and in (0, 1000]")
        try check(imageSize >= 1 && imageSize <= DiffAEConfig.maxImageSize, .imageSize, "\(imageSize) pixels; must be in 1…\(DiffAEConfig.maxImageSize)")
        try check(defaultSteps >= 1, .defaultSteps, "\(defaultSteps); must be at least 1")
        try check(Self.poseUnitValues.contains(poseUnits), .poseUnits,
                  "\"\(poseUnits)\" is not a known unit (\(Self.poseUnitValues.joined(separator: " or ")))")
        if let daePreset {
            try check(Self.daePresetNames.contains(daePreset), .daePreset,
                      "\"\(daePreset)\" is not a preset (\(Self.daePresetNames.joined(separator: ", ")))")
        }
        if let s2lPreset {
            try check(Self.s2lPresetNames.contains(s2lPreset), .s2lPreset,
                      "\"\(s2lPreset)\" is not a preset (\(Self.s2lPresetNames.joined(separator: ", ")))")
        }
        if let times = student?.timesteps {
            try check(!times.isEmpty && times.allSatisfy { (0..<1000).contains($0) } && zip(times, times.dropFirst()).allSatisfy { $0 > $1 },
                      .student, "timesteps \(times); need one or more in 0…999, descending")
        }
    }

    /// A decoding error in a sentence (which key is missing or wrong), not Foundation's dump.
    static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "the key '\(key.stringValue)' is missing"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        default: return "\(error)"
        }
    }
}
