import Datasets
import Foundation
import MediaIO

/// Generated face crops pasted back into the video they were cut from (or any video of
/// a face): every output frame is a source frame with one generated crop resampled into
/// its box, colour-matched at the seam and blended through a feathered face mask
/// (`PasteBackComposite`). The output has the source's size and frame rate and lasts as
/// long as the generated frames; the source runs back and forth when it is shorter
/// (`PasteBackTimeline`). Frames stream: one source frame, one crop and one output frame
/// are held at a time.
public enum PasteBack {
    /// What a paste did, for its report.
    public struct Report: Sendable {
        public var frames: Int
        public var fps: Double
        public var width: Int, height: Int
        public var sourceFrames: Int
        /// The source ran back and forth (the speech is longer than the clip).
        public var pingPong: Bool
        /// Mean over frames of the seam's colour step without and with the colour match,
        /// in 8-bit levels (`PasteBackColourMatch.seamStep` × 255).
        public var seamStepBefore: Double, seamStepAfter: Double
    }

    /// Pastes `generated` (a folder of S × S frames 00000.png … at `generatedFPS`) into
    /// `source` and encodes the result with `audio` (when given) as the MP4 `output`.
    /// `progress` gets (frames done, frames) and may throw to stop.
    public static func write(generated: URL, generatedFPS: Double, into source: PasteBackSource, audio: URL?, to output: URL,
                             matchColour: Bool = true, progress: (Int, Int) throws -> Void = { _, _ in }) throws -> Report {
        let generatedCount = try Video.frameCount(in: generated)
        guard generatedCount > 0 else { throw VideoError.noFrames(generated) }
        let timeline = PasteBackTimeline(generatedFrames: generatedCount, generatedFPS: generatedFPS,
                                         sourceFrames: source.frameCount, sourceFPS: source.fps)
        let pasted = source.scratch.appendingPathComponent("pasted")
        try? FileManager.default.removeItem(at: pasted)
        try FileManager.default.createDirectory(at: pasted, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: pasted) }

        var before = 0.0, after = 0.0
        let total = timeline.outputFrames
        for j in 0..<total {
            try progress(j, total)
            let s = timeline.sourceIndex(j)
            let cropURL = generated.appendingPathComponent(Video.frameName(timeline.generatedIndex(j)))
            let crop = RGBImage(try PNG.read(cropURL))
            guard crop.width == crop.height else { throw PasteBackError.badCrop(cropURL, "\(crop.width)×\(crop.height); generated crops are square") }
            let result = PasteBackComposite.paste(crop, box: source.boxes[s], face: source.landmarks[s], into: try source.frame(s),
                                                  matchColour: matchColour)
            before += Double(result.seamStepBefore)
            after += Double(result.seamStepAfter)
            try PNG.write(result.frame.image8(), to: pasted.appendingPathComponent(Video.frameName(j)))
        }
        try progress(total, total)
        try Video.encode(framesIn: pasted, fps: source.fps, audio: audio, to: output)
        return Report(frames: total, fps: source.fps, width: source.width, height: source.height, sourceFrames: source.frameCount,
                      pingPong: total > source.frameCount,
                      seamStepBefore: 255 * before / Double(total), seamStepAfter: 255 * after / Double(total))
    }
}
