import Autodiff
import Foundation
import MediaIO
import SpeechToLatent
import Datasets

/// One speaker's aligned material for speech-to-latent training: features, z_sem and head
/// pose over the same frames, split by time into a training part and a held-out part.
public struct SpeechTrainingSpeaker {
    /// The data set folder.
    public let data: URL
    public let latentsFile: URL
    /// (T·s, F) or (L, T·s, F): feature rows of video frames 0..<`frames` (s per frame).
    public let features: Tensor
    /// z_sem per video frame (T, Z); rows before `usable.lowerBound` are unused zeros.
    public let latents: Tensor
    /// Head pose (T, 3) in degrees, or nil without labels.
    public let pose: Tensor?
    public let alignment: FrameAlignment
    /// Frames with features, latents (and pose): the split covers these.
    public let usable: Range<Int>
    public let train: Range<Int>
    public let heldOut: Range<Int>

    /// The clip of video frames `range` (inside `usable`).
    public func clip(_ range: Range<Int>) -> SpeechToLatentClip {
        let rows = alignment.featureRows(range)
        return SpeechToLatentClip(features: features.slice(dim: features.rank - 2, rows),
                                  latents: latents.slice(dim: 0, range),
                                  pose: pose?.slice(dim: 0, range))
    }
}

/// The training material of one or more speakers (docs/architecture.md §6, §10): per data set folder and
/// its latents file (`dae encode`),
///
/// - the speech features of `audio.wav`, computed once and cached in `DIR/cache/`;
/// - the features aligned to the video frames (`FrameAlignment`: trimmed to the shorter,
///   a warning beyond 2 frames of disagreement, an error beyond 1 s);
/// - z_sem from the latents file, which must have one row per frame (within 2 frames)
///   unless its `frames` says which consecutive frames it covers;
/// - head pose from `pose.csv` (else the latents file's `pose`), converted from radians to
///   **degrees**: the model's pose inputs and outputs are in degrees (its pose statistics
///   normalise them anyway; degrees make its pose loss and errors readable);
/// - a split by time: the last `heldOutFraction` of each recording is held out after a
///   `gapSeconds` gap (`SpeakerDataset.split`), so held-out sentences are never trained on.
public struct SpeechTrainingData {
    public let speakers: [SpeechTrainingSpeaker]
    public let frameRate: Int
    public let featureRate: Int
    public let featureDimension: Int
    public let featureLayers: Int
    public var latentDimension: Int { speakers[0].latents.size(1) }
    /// True when every speaker has pose labels (otherwise none are used).
    public var hasPose: Bool { speakers[0].pose != nil }
    /// Warnings met while loading (length disagreements, dropped pose labels).
    public let warnings: [String]

    public init(
        sources: [(data: URL, latents: URL)], extractor: SpeechFeatureExtractor, frameRate: Int = 25,
        heldOutFraction: Double = 0.1, gapSeconds: Double = 1, log: (String) -> Void = { _ in }
    ) throws {
        guard !sources.isEmpty else { throw DatasetError.mismatch("speech-to-latent training needs at least one --data with its --latents") }
        var warnings: [String] = []
        func warn(_ message: String) { warnings.append(message); log("warning: " + message) }
        var loaded: [SpeechTrainingSpeaker] = []
        for (data, latentsURL) in sources {
            let dataset = try SpeakerDataset(at: data)
            guard abs(dataset.meta.fps - Double(frameRate)) < 1e-6 else {
                throw DatasetError.mismatch("\(data.appendingPathComponent("meta.json").path): fps \(dataset.meta.fps); speech-to-latent works at \(frameRate) fps")
            }
            let file = try Latents.read(latentsURL)
            let (features, cached) = try extractor.cachedFeatures(of: dataset.audioURL, cacheFolder: data.appendingPathComponent("cache"))
            log("\(data.lastPathComponent): \(dataset.frameCount) frames, features \(features.shape)\(cached ? " (cached)" : "")")
            let alignment = try FrameAlignment(videoFrames: dataset.frameCount, featureFrames: features.size(-2),
                                               featureRate: extractor.featureRate, frameRate: frameRate)
            try alignment.check(frameRate: frameRate, "\(dataset.audioURL.path) and \(dataset.framesFolder.path)")
            if alignment.needsWarning {
                warn("\(dataset.audioURL.path) covers \(alignment.audioFrames) frames, \(dataset.framesFolder.path) has \(alignment.videoFrames); using the first \(alignment.frames)")
            }

            // z_sem rows → frames: one row per frame, no gaps.
            let frames = file.frames, first = frames[0], rows = file.count
            if zip(frames, frames.dropFirst()).contains(where: { $1 != $0 + 1 }) {
                throw MediaIOError(.invalidArgument, file: latentsURL, key: Latents.Key.frames,
                                   "\(rows) frame numbers with gaps; speech-to-latent needs consecutive frames (one row per frame, no gaps)")
            }
            if file.recordedFrames == nil, abs(rows - dataset.frameCount) > FrameAlignment.warningFrames {
                throw DatasetError.mismatch("\(latentsURL.path): \(rows) rows of z_sem for the \(dataset.frameCount) frames of \(data.path) "
                                            + "(more than \(FrameAlignment.warningFrames) apart; encode the same data set, or store its frame numbers as 'frames')")
            }
            guard first >= 0, first < alignment.frames else {
                throw DatasetError.mismatch("\(latentsURL.path): 'frames' starts at \(first), outside the \(alignment.frames) aligned frames of \(data.path)")
            }
            let usable = first..<min(alignment.frames, first + rows)
            let z = file.zSem.size(1)
            let latents = Tensor.zeros([usable.upperBound, z])  // (T, Z), frame-indexed
            (latents.pointer + first * z).update(from: file.zSem.pointer, count: usable.count * z)

            var pose: Tensor?
            if let track = dataset.pose {
                pose = Self.degrees(yaw: track.yaw, pitch: track.pitch, roll: track.roll, frames: usable.upperBound)
            } else if let radians = file.pose {
                let p = radians.pointer
                let t = Tensor.zeros([usable.upperBound, 3])
                for i in 0..<usable.count { for j in 0..<3 { t.pointer[(first + i) * 3 + j] = p[i * 3 + j] * 180 / .pi } }
                pose = t
            }

            let split = SpeakerDataset.split(frameCount: usable.count, fps: Double(frameRate),
                                             heldOutFraction: heldOutFraction, gapSeconds: gapSeconds)
            let train = (first + split.train.lowerBound)..<(first + split.train.upperBound)
            let heldOut = (first + split.heldOut.lowerBound)..<(first + split.heldOut.upperBound)
            guard train.count >= 2 else {
                throw DatasetError.mismatch("\(data.path): only \(usable.count) usable frames; too few to train on after holding out \(heldOut.count)")
            }
            let rowsUsed = alignment.featureRows(0..<usable.upperBound)
            let trimmed = features.slice(dim: features.rank - 2, rowsUsed)
            loaded.append(SpeechTrainingSpeaker(data: data, latentsFile: latentsURL, features: trimmed, latents: latents, pose: pose,
                                                alignment: alignment, usable: usable, train: train, heldOut: heldOut))
        }
        if let z = loaded.first?.latents.size(1), let bad = loaded.first(where: { $0.latents.size(1) != z }) {
            throw DatasetError.mismatch("\(bad.latentsFile.path): z_sem has \(bad.latents.size(1)) dimensions, \(loaded[0].latentsFile.path) has \(z)")
        }
        if loaded.contains(where: { $0.pose == nil }) && loaded.contains(where: { $0.pose != nil }) {
            let missing = loaded.filter { $0.pose == nil }.map(\.data.path).joined(separator: ", ")
            warn("no pose labels for \(missing); training without pose labels for every speaker")
            loaded = loaded.map {
                SpeechTrainingSpeaker(data: $0.data, latentsFile: $0.latentsFile, features: $0.features, latents: $0.latents, pose: nil,
                                      alignment: $0.alignment, usable: $0.usable, train: $0.train, heldOut: $0.heldOut)
            }
        }
        speakers = loaded
        self.frameRate = frameRate
        featureRate = extractor.featureRate
        featureDimension = extractor.featureDimension
        featureLayers = extractor.featureLayers
        self.warnings = warnings
    }

    /// Radians (pose.csv) → degrees, (frames, 3).
    static func degrees(yaw: [Float], pitch: [Float], roll: [Float], frames: Int) -> Tensor {
        let k: Float = 180 / .pi
        var values = [Float](repeating: 0, count: frames * 3)
        for i in 0..<frames { (values[3 * i], values[3 * i + 1], values[3 * i + 2]) = (yaw[i] * k, pitch[i] * k, roll[i] * k) }
        return Tensor(shape: [frames, 3], values: values)
    }

    /// z_sem and pose statistics over the training frames only (never the held-out ones).
    public func trainingStatistics() throws -> (latents: LatentStatistics, pose: LatentStatistics?) {
        let latents = try LatentStatistics(samples: speakers.map { $0.latents.slice(dim: 0, $0.train) })
        let pose = hasPose ? try LatentStatistics(samples: speakers.map { $0.pose!.slice(dim: 0, $0.train) }) : nil
        return (latents, pose)
    }

    /// Training examples: per speaker, spans of up to two windows starting every window in
    /// its training part, from which a batch crops one random window each (so every frame
    /// is visited about equally, at varying offsets). Spans shorter than half a window are
    /// dropped unless they are all a speaker has.
    public func trainingExamples(windowFrames w: Int) -> [(speaker: Int, frames: Range<Int>)] {
        var examples: [(Int, Range<Int>)] = []
        for (k, speaker) in speakers.enumerated() {
            let train = speaker.train
            for start in stride(from: train.lowerBound, to: train.upperBound, by: w) {
                let span = start..<min(train.upperBound, start + 2 * w)
                if span.count >= w / 2 || start == train.lowerBound { examples.append((k, span)) }
            }
        }
        return examples
    }

    /// Each speaker's held-out part as one clip (empty parts left out).
    public func heldOutClips() -> [SpeechToLatentClip] {
        speakers.filter { !$0.heldOut.isEmpty }.map { $0.clip($0.heldOut) }
    }
}
