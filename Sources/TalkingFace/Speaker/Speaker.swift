import DiffusionAutoencoder
import Foundation
import MediaIO
import SpeechToLatent

/// One speaker's models, ready to generate (docs/architecture.md §1, §13): a speaker bundle folder
///
///     NAME/dae.h5        diffusion autoencoder (DiffAE keys, config attribute; float16 allowed)
///     NAME/s2l.h5        speech-to-latent model, with the z_sem and pose statistics as buffers
///     NAME/reference.h5  the shared noise start x_T (1, 3, S, S), its frame index and z_sem
///     NAME/meta.json     name, fps, image size, presets, features, provenance (`SpeakerMeta`)
///
/// Loading checks every file, every key and shape, and that the parts fit together; an
/// error names the file at fault.
public final class Speaker {
    public let meta: SpeakerMeta
    public let dae: DiffAE
    public let s2l: SpeechToLatentModel
    public let reference: SpeakerReference
    /// The distilled decoder (`student.h5`), when meta.json names one.
    public let student: DistilledStudent?
    /// The folder this speaker was read from (nil when built in memory).
    public let bundle: URL?

    public static let daeFile = "dae.h5"
    public static let s2lFile = "s2l.h5"
    public static let referenceFile = "reference.h5"
    public static let metaFile = "meta.json"
    public static let files = [daeFile, s2lFile, referenceFile, metaFile]

    /// Puts parts together after checking that they fit (see `validate`).
    public init(meta: SpeakerMeta, dae: DiffAE, s2l: SpeechToLatentModel, reference: SpeakerReference, student: DiffAE? = nil,
                bundle: URL? = nil) throws {
        self.meta = meta
        self.dae = dae.eval()
        self.s2l = s2l.eval()
        self.reference = reference
        self.student = meta.student.flatMap { entry in student.map { DistilledStudent(model: $0, timesteps: entry.timesteps) } }
        self.bundle = bundle
        if (meta.student == nil) != (student == nil) {
            throw SpeakerError(file: file(Self.metaFile), meta.student == nil ? "names no distilled student, but one was given" : "names a distilled student, but none was given")
        }
        try validate()
    }

    /// Throws unless `bundle` is a folder holding every file of a speaker bundle, naming
    /// what is missing.
    public static func checkBundle(_ bundle: URL) throws {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: bundle.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SpeakerError(file: bundle, "no speaker bundle here (a folder with \(Self.files.joined(separator: ", "))); "
                               + "make one with `talkingface finetune`, or see Weights/README.md")
        }
        let missing = Self.files.map { bundle.appendingPathComponent($0) }.filter { !fm.fileExists(atPath: $0.path) }
        if missing.count == 1 { throw SpeakerError(file: missing[0], "missing from the speaker bundle") }
        if !missing.isEmpty {
            throw SpeakerError(file: bundle, "speaker bundle is missing \(missing.map(\.path).joined(separator: ", "))")
        }
    }

    /// Reads the bundle folder `bundle`.
    public convenience init(bundle: URL) throws {
        try Self.checkBundle(bundle)
        let meta = try SpeakerMeta.read(bundle.appendingPathComponent(Self.metaFile))
        let dae = try Self.loading(bundle.appendingPathComponent(Self.daeFile)) { try DiffAE.load(checkpoint: $0) }
        let s2l = try Self.loading(bundle.appendingPathComponent(Self.s2lFile), Self.speechToLatent)
        let reference = try Self.loading(bundle.appendingPathComponent(Self.referenceFile)) { try SpeakerReference.read($0) }
        var student: DiffAE?
        if meta.student != nil {
            let url = bundle.appendingPathComponent(DistilledStudent.file)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw SpeakerError(file: url, "missing from the speaker bundle (meta.json names a distilled student)")
            }
            student = try Self.loading(url) { try DiffAE.load(checkpoint: $0) }
        }
        try self.init(meta: meta, dae: dae, s2l: s2l, reference: reference, student: student, bundle: bundle)
    }

    /// Reads the bundle folder at `path` (`Speaker(bundle: "Weights/default")`).
    public convenience init(bundle path: String) throws { try self.init(bundle: URL(fileURLWithPath: path)) }

    /// The speech-to-latent model stored at `url` (a bundle's s2l.h5 or `s2l train`'s checkpoint).
    static func speechToLatent(_ url: URL) throws -> SpeechToLatentModel {
        let model = try SpeechToLatentModel(config: try Checkpoint.config(SpeechToLatentConfig.self, from: url))
        try Checkpoint.load(into: model, from: url, verify: .all)
        return model
    }

    /// `body(url)`, with any error that does not already name its file wrapped so that it does.
    static func loading<T>(_ url: URL, _ body: (URL) throws -> T) throws -> T {
        do { return try body(url) } catch let error as SpeakerError { throw error } catch let error as CheckpointError {
            throw error
        } catch let error as MediaIOError where error.file != nil { throw error } catch {
            throw SpeakerError(file: url, "\(error)")
        }
    }

    /// Where each part lives (for error messages): in the bundle, or just the file name.
    private func file(_ name: String) -> URL { bundle?.appendingPathComponent(name) ?? URL(fileURLWithPath: name) }

    /// Throws naming the first file whose contents disagree with the others.
    private func validate() throws {
        let size = dae.config.imageSize, zSem = dae.config.zSemChannels
        let c = s2l.config
        if meta.format > SpeakerMeta.currentFormat {
            throw SpeakerError(file: file(Self.metaFile), "bundle format \(meta.format) is newer than this toolkit reads (\(SpeakerMeta.currentFormat))")
        }
        if meta.imageSize != size {
            throw SpeakerError(file: file(Self.metaFile), "image_size \(meta.imageSize), but \(Self.daeFile) makes \(size)×\(size) images")
        }
        if meta.defaultSteps < 1 || meta.defaultSteps > dae.diffusion.steps {
            throw SpeakerError(file: file(Self.metaFile), "default_steps \(meta.defaultSteps) outside 1…\(dae.diffusion.steps)")
        }
        if c.latentDimension != zSem {
            throw SpeakerError(file: file(Self.s2lFile), "predicts z_sem of \(c.latentDimension) dimensions; \(Self.daeFile) uses \(zSem)")
        }
        if Double(c.frameRate) != meta.fps {
            throw SpeakerError(file: file(Self.s2lFile), "runs at \(c.frameRate) fps; \(Self.metaFile) says \(meta.fps)")
        }
        if c.poseDimension != 3 {
            throw SpeakerError(file: file(Self.s2lFile), "predicts \(c.poseDimension) pose values per frame; generation uses yaw, pitch, roll")
        }
        switch meta.features {
        case SpeakerMeta.logMel:
            let mel = LogMelFrontEnd()
            if c.featureDimension != mel.channels || c.featureLayers != 1 || Double(c.featureRate) != mel.frameRate {
                throw SpeakerError(file: file(Self.s2lFile), "reads \(c.featureLayers)×\(c.featureDimension) features at \(c.featureRate) Hz, "
                                   + "not the \(mel.channels) log-mel bins at \(Int(mel.frameRate)) Hz that \(Self.metaFile) names")
            }
        case SpeakerMeta.wav2vec2: break  // checked against the encoder the user passes
        default:
            throw SpeakerError(file: file(Self.metaFile), "unknown features '\(meta.features)' (\(SpeakerMeta.logMel) or \(SpeakerMeta.wav2vec2))")
        }
        if reference.xT.shape != [1, 3, size, size] {
            throw SpeakerError(file: file(Self.referenceFile), "x_T has shape \(reference.xT.shape); \(Self.daeFile) needs [1, 3, \(size), \(size)]")
        }
        if reference.zSem.shape != [1, zSem] {
            throw SpeakerError(file: file(Self.referenceFile), "z_sem has shape \(reference.zSem.shape); \(Self.daeFile) needs [1, \(zSem)]")
        }
        if let student, student.model.config.imageSize != size || student.model.config.zSemChannels != zSem {
            throw SpeakerError(file: file(DistilledStudent.file), "decodes z_sem of \(student.model.config.zSemChannels) into \(student.model.config.imageSize)-pixel frames; "
                               + "\(Self.daeFile) uses \(zSem) and \(size)")
        }
        try validatePresets()
    }

    /// The presets meta.json names are the models' shapes: `dae_preset` is the DiffAE preset
    /// dae.h5 has the shape of (absent only when it has none: a custom model), `s2l_preset`
    /// one whose configuration s2l.h5 has. (Fine-tuning starts from the named shapes.)
    private func validatePresets() throws {
        let daeShape = DiffAEPreset(shapeOf: dae.config)?.rawValue
        if meta.daePreset != daeShape {
            let has = daeShape.map { "\(Self.daeFile) has the shape of the '\($0)' preset" } ?? "\(Self.daeFile) has the shape of no preset"
            let says = meta.daePreset.map { "\"\($0)\"" } ?? "missing"
            throw SpeakerError(file: file(Self.metaFile), "'dae_preset' is \(says), but \(has)")
        }
        if let name = meta.s2lPreset {
            let c = s2l.config
            let shapes = [
                SpeechToLatentPreset(rawValue: name)?.config(featureDimension: c.featureDimension, featureLayers: c.featureLayers,
                                                             featureRate: c.featureRate, latentDimension: c.latentDimension),
                SpeakerPreset(rawValue: name)?.s2l,
            ].compactMap { $0 }
            if !shapes.contains(c) {
                throw SpeakerError(file: file(Self.metaFile), "'s2l_preset' is \"\(name)\", but \(Self.s2lFile) has another shape")
            }
        }
    }

    // MARK: - Writing

    /// Writes the bundle to `folder` as a whole: built in a temporary folder beside it, then
    /// renamed into place (an existing bundle there is replaced only once the new one is
    /// complete). `.float16` halves the model files; the reference x_T stays float32 so
    /// decoding retraces its inversion exactly.
    public func write(to folder: URL, precision: TensorFile.Precision = .float32) throws {
        let fm = FileManager.default
        let parent = folder.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let partial = parent.appendingPathComponent(".\(folder.lastPathComponent).partial-\(UUID().uuidString)")
        try fm.createDirectory(at: partial, withIntermediateDirectories: false)
        do {
            try dae.save(to: partial.appendingPathComponent(Self.daeFile), precision: precision)
            try Checkpoint.save(module: s2l, config: s2l.config, to: partial.appendingPathComponent(Self.s2lFile), precision: precision)
            try reference.write(to: partial.appendingPathComponent(Self.referenceFile))
            try student?.model.save(to: partial.appendingPathComponent(DistilledStudent.file), precision: precision)
            try meta.write(to: partial.appendingPathComponent(Self.metaFile))
        } catch {
            try? fm.removeItem(at: partial)
            throw error
        }
        var old: URL?
        if fm.fileExists(atPath: folder.path) {
            old = parent.appendingPathComponent(".\(folder.lastPathComponent).old-\(UUID().uuidString)")
            try fm.moveItem(at: folder, to: old!)
        }
        do { try fm.moveItem(at: partial, to: folder) } catch {
            if let old { try? fm.moveItem(at: old, to: folder) }
            try? fm.removeItem(at: partial)
            throw SpeakerError(file: folder, "could not move the finished bundle into place: \(error.localizedDescription)")
        }
        if let old { try? fm.removeItem(at: old) }
    }

    // MARK: - Untrained speakers

    /// A speaker with random weights, for tests and for exercising the pipeline before any
    /// training: the reference x_T is the inversion of a random frame. DiffAE's
    /// zero-initialised output convolutions are redrawn small, so frames depend on z_sem
    /// and noise as a trained model's would (a zero ε makes every frame the same).
    public static func makeUntrained(preset: SpeakerPreset = .tiny, name: String = "untrained", seed: UInt64 = 0,
                                     steps: Int = 20) throws -> Speaker {
        let dae = DiffAE(preset: preset.dae, seed: seed)
        var rng = RandomGenerator(seed: seed &+ 1)
        for (key, weight) in dae.namedParameters() where key.hasSuffix("weight") && weight.values.allSatisfy({ $0 == 0 }) {
            let redrawn = Tensor.uniform(weight.shape, in: -0.05...0.05, using: &rng)
            weight.pointer.update(from: redrawn.pointer, count: weight.count)
        }
        let s2l = try SpeechToLatentModel(config: preset.s2l, seed: seed &+ 2)
        let size = dae.config.imageSize
        let frame = Tensor.uniform([1, 3, size, size], in: -1...1, using: &rng)
        let reference = SpeakerReference(encoding: frame, frameIndex: -1, with: dae.eval(), steps: steps)
        let meta = SpeakerMeta(name: name, fps: Double(s2l.config.frameRate), imageSize: size, daePreset: preset.dae.rawValue,
                               s2lPreset: preset.rawValue, defaultSteps: steps,
                               madeBy: ["how": "Speaker.makeUntrained: random weights, for tests and plumbing only", "seed": String(seed)])
        return try Speaker(meta: meta, dae: dae, s2l: s2l, reference: reference)
    }
}
