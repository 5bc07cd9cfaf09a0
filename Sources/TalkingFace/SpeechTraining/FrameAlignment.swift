import Foundation
import Datasets

/// How speech features line up with video frames. Feature frame k of a front end at
/// `featureRate` Hz and video frame i at `frameRate` fps start at k/featureRate and
/// i/frameRate seconds, so with s = featureRate / frameRate feature frames per video frame
/// (4 for 100 Hz log-mel, 2 for 50 Hz Wav2Vec2 at 25 fps), video frame i reads feature
/// frames s·i ..< s·(i+1). The audio gives ⌊features / s⌋ whole video frames; the pair is
/// trimmed to the shorter of that and the video.
public struct FrameAlignment: Equatable, Sendable {
    public let videoFrames: Int
    public let featureFrames: Int
    public let stride: Int

    /// Beyond this many frames of disagreement the lengths earn a warning (a few frames
    /// are normal: codecs pad audio, log-mel adds a centred frame).
    public static let warningFrames = 2
    /// Beyond this many seconds they are an error: audio and video are not the same take.
    public static let errorSeconds = SpeakerDataset.maxAudioVideoSeconds

    public init(videoFrames: Int, featureFrames: Int, featureRate: Int, frameRate: Int) throws {
        guard frameRate > 0, featureRate >= frameRate, featureRate % frameRate == 0 else {
            throw DatasetError.mismatch("features at \(featureRate) Hz do not divide into \(frameRate) fps video frames")
        }
        self.videoFrames = videoFrames
        self.featureFrames = featureFrames
        self.stride = featureRate / frameRate
    }

    /// Whole video frames the audio covers.
    public var audioFrames: Int { featureFrames / stride }
    /// Frames both cover: the training length.
    public var frames: Int { min(videoFrames, audioFrames) }
    /// Disagreement in video frames (positive: the audio is longer).
    public var difference: Int { audioFrames - videoFrames }
    public var needsWarning: Bool { abs(difference) > Self.warningFrames }

    /// The feature rows of video frames `range`.
    public func featureRows(_ range: Range<Int>) -> Range<Int> { (range.lowerBound * stride)..<(range.upperBound * stride) }

    /// Throws when the lengths differ by more than `errorSeconds`; `what` names the files.
    public func check(frameRate: Int, _ what: String) throws {
        if Double(abs(difference)) > Self.errorSeconds * Double(frameRate) {
            throw DatasetError.mismatch("\(what): the audio covers \(audioFrames) video frames and the video has \(videoFrames) "
                                        + "(\(String(format: "%.2f", Double(difference) / Double(frameRate))) s apart; at most \(Self.errorSeconds) s is tolerated)")
        }
    }
}
