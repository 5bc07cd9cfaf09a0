import Autodiff
import Foundation
import MediaIO

/// Receives generated frames batch by batch, in order, as they are decoded: nothing
/// upstream ever holds more than one batch, so memory does not grow with the audio.
public protocol FrameSink: AnyObject {
    /// Frames `firstFrame ..< firstFrame + batch.size(0)`: (B, 3, S, S) in [−1, 1].
    func write(_ batch: Tensor, firstFrame: Int) throws
}

/// Writes each frame as `folder/00000.png …` (8-bit RGB) and keeps nothing.
public final class PNGFrameWriter: FrameSink {
    public let folder: URL

    /// Creates `folder`; frame files left there by an earlier run are removed first, so
    /// the folder never mixes two videos.
    public init(folder: URL) throws {
        self.folder = folder
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        for name in try fm.contentsOfDirectory(atPath: folder.path) where Self.isFrameName(name) {
            try fm.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    public func write(_ batch: Tensor, firstFrame: Int) throws {
        for (i, image) in batch.rgbImages().enumerated() {
            try PNG.write(image.image8(), to: folder.appendingPathComponent(Video.frameName(firstFrame + i)))
        }
    }

    /// `NNNNN.png`, the names `Video.frameName` makes.
    static func isFrameName(_ name: String) -> Bool {
        name.count == 9 && name.hasSuffix(".png") && name.prefix(5).allSatisfy(\.isNumber)
    }
}
