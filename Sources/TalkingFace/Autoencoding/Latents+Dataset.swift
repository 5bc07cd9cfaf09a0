import Foundation
import MediaIO
import Datasets

extension Latents {
    /// Throws unless these latents (read from `file`) can have been encoded from `dataset`:
    /// every row's frame lies among its frames (a file that records none counts rows as frames
    /// 0, 1, …) and the frame rate the file records is the data set's. An error names the
    /// file, the key and the data set.
    public func requireEncoded(from dataset: SpeakerDataset, file: URL) throws {
        let frames = self.frames
        if let row = frames.firstIndex(where: { !(0..<dataset.frameCount).contains($0) }) {
            let how = recordedFrames == nil ? "\(count) rows, one per frame," : "row \(row) is frame \(frames[row]),"
            throw MediaIOError(.invalidArgument, file: file, key: recordedFrames == nil ? Key.zSem : Key.frames,
                               "\(how) but \(dataset.root.path) has \(dataset.frameCount) frames: these latents were encoded from another data set")
        }
        if let recorded = attributes["fps"].flatMap(Double.init), recorded != dataset.meta.fps {
            throw MediaIOError(.invalidArgument, file: file, key: "fps",
                               "encoded at \(recorded) fps, but \(dataset.root.path) is at \(dataset.meta.fps) fps: these latents were encoded from another data set")
        }
    }

    /// Throws unless these latents (read from `file`) hold every frame of `needed` of
    /// `dataset`: `purpose` (what is picked among them) would otherwise see only a part.
    public func requireFrames(_ needed: Range<Int>, of dataset: SpeakerDataset, file: URL, for purpose: String) throws {
        let held = Set(frames)
        guard let missing = needed.first(where: { !held.contains($0) }) else { return }
        let span = frames.isEmpty ? "" : " (\(frames.min()!)…\(frames.max()!))"
        throw MediaIOError(.invalidArgument, file: file, key: recordedFrames == nil ? Key.zSem : Key.frames,
                           "z_sem of \(count) frames\(span), not frame \(missing); \(purpose) needs all of frames "
                           + "\(needed.lowerBound)..<\(needed.upperBound) of the \(dataset.frameCount) frames of \(dataset.root.path)")
    }
}
