import FaceTracking
import Foundation
import Logging
import NeuralNetworks
import TalkingFace

/// `generate --into VIDEO`: the generated crops pasted back into a video of the face.
extension GenerateCommand {
    /// The video to paste into, tracked: --into, else the source video the speaker bundle
    /// records (a speaker fine-tuned on a prepared recording), unless --crop-only or
    /// --no-video. The crops are placed as the speaker's training frames were cut.
    func pasteBackSource(for speaker: Speaker, _ logger: Logger) throws -> PasteBackSource? {
        guard !noVideo && !cropOnly else { return nil }
        let recorded = speaker.meta.madeBy[SpeakerMeta.sourceVideoKey]
        let video: URL
        if let into {
            video = URL(fileURLWithPath: into)
        } else if let recorded {
            guard FileManager.default.fileExists(atPath: recorded) else {
                logger.warning("the speaker was prepared from \(recorded), which is not here: the video shows the generated crops (--into VIDEO pastes them into another)")
                return nil
            }
            video = URL(fileURLWithPath: recorded)
            logger.info("pasting into the speaker's source video \(recorded) (--crop-only for the crops alone)")
        } else {
            return nil
        }
        let cropping = PasteBackSource.Cropping(rawValue: speaker.meta.madeBy[SpeakerMeta.sourceCropKey] ?? "") ?? .fixed
        let tracker = try FaceTracker()
        let bar = ProgressBar("tracking")
        return try stoppingOnSignals(logger, stopped: "stopped; nothing was written") {
            try PasteBackSource(video: video, cropping: cropping, tracker: tracker) { done, total in
                try InterruptSignal.throwIfRequested()
                bar.update(done, of: total)
            }
        }
    }

    /// Pastes the generated frames into `source` and writes the MP4 with the speech.
    func pasteBack(_ result: GeneratedVideo, into source: PasteBackSource, speech: URL, _ logger: Logger) throws {
        let video = Speaker.outputPlaces(URL(fileURLWithPath: out)).video
        let bar = ProgressBar("paste")
        let report = try stoppingOnSignals(logger, stopped: "stopped; the generated crops are in \(result.framesFolder.path)") {
            try PasteBack.write(generated: result.framesFolder, generatedFPS: result.fps, into: source, audio: speech, to: video) { done, total in
                try InterruptSignal.throwIfRequested()
                bar.update(done, of: total)
            }
        }
        let loop = report.pingPong ? ", its \(report.sourceFrames) frames run back and forth" : ""
        logger.info("""
            pasted \(report.frames) frames into \(source.video.lastPathComponent) (\(report.width)×\(report.height) at \
            \(String(format: "%.2f", report.fps)) fps\(loop)); seam colour step \(String(format: "%.1f", report.seamStepBefore)) → \
            \(String(format: "%.1f", report.seamStepAfter)) levels with the colour match
            """)
        logger.info("video → \(video.path)")
    }
}
