import Datasets
import FaceTracking
import Foundation
import Logging
import MediaIO
import TalkingFace

/// `eval`'s measures by the face tracker: landmark agreement of --pred with --truth, and
/// --sync's mouth-against-loudness correlation.
extension EvalCommand {
    /// The landmark figures when asked for, or by default when the truth has no factors.csv
    /// (a real face). Where the landmark model is missing, the default is skipped with a
    /// warning; an explicit --landmarks fails.
    func landmarkEvaluation(frames: Int, logger: Logger) throws -> LandmarkEvaluation? {
        guard let pred, let truth else { return nil }
        let truthURL = URL(fileURLWithPath: truth)
        let drawn = FileManager.default.fileExists(atPath: truthURL.appendingPathComponent("factors.csv").path)
        guard landmarks ?? !drawn else { return nil }
        let tracker: FaceTracker
        do { tracker = try FaceTracker() } catch FaceTrackingError.missingModel(let model) where landmarks == nil {
            logger.warning("no landmark figures: \(FaceTrackingError.missingModel(model))")
            return nil
        }
        func frameReader(_ folder: URL) -> (Int) throws -> RGBImage {
            { try RGBImage(frame: $0, in: folder) }
        }
        let predFolder = Evaluation.frameFolder(URL(fileURLWithPath: pred)), truthFolder = Evaluation.frameFolder(truthURL)
        let predBar = ProgressBar("landmarks (pred)")
        let predicted = try tracker.observeFaces(count: frames, frame: frameReader(predFolder)) { predBar.update($0, of: $1) }
        let truthBar = ProgressBar("landmarks (truth)")
        let truthFaces = try tracker.observeFaces(count: frames, frame: frameReader(truthFolder)) { truthBar.update($0, of: $1) }
        let evaluation = LandmarkEvaluation(predicted: predicted, truth: truthFaces)
        print(evaluation.tableRows().map { $0.name.padding(toLength: 32, withPad: " ", startingAt: 0) + $0.value }.joined(separator: "\n"))
        return evaluation
    }

    /// --sync VIDEO [--audio WAV], printed.
    func syncEvaluation() throws -> SyncEvaluation? {
        guard let sync else { return nil }
        let bar = ProgressBar("sync")
        let evaluation = try SyncEvaluation.measure(video: URL(fileURLWithPath: sync), audio: audio.map { URL(fileURLWithPath: $0) },
                                                    tracker: try FaceTracker()) { bar.update($0, of: $1) }
        print(evaluation.table())
        return evaluation
    }
}
