import Autodiff
import Foundation
import MediaIO
import TalkingFace
import Datasets

/// A tiny speaker data set for the diffusion-autoencoder tests: `count` frames of `size`²
/// pixels, a soft bright disc that moves and changes colour frame to frame on a dark
/// gradient, with a pose track and a factors.h5 like a synthetic speaker's.
enum DAETestData {
    static func write(to root: URL, count: Int = 30, size: Int = 32, fps: Double = 25) throws {
        let writer = try SpeakerDatasetWriter(at: root)
        for i in 0..<count { try writer.writeFrame(i, frame(i, size: size)) }
        try writer.writeMeta(DatasetMeta(fps: fps, frameCount: count, width: size, height: size))
        try writer.writePose(PoseTrack(yaw: (0..<count).map { 0.01 * Float($0) }, pitch: Array(repeating: 0, count: count),
                                       roll: (0..<count).map { -0.02 * Float($0) }))
        try TensorFile.write(["jaw_open": Tensor(shape: [count], values: (0..<count).map { Float($0) / Float(count) })],
                             to: root.appendingPathComponent("factors.h5"))
    }

    static func frame(_ i: Int, size: Int) -> RGBImage {
        var image = RGBImage(width: size, height: size)
        let t = Float(i) * 0.4
        let cx = Float(size) * (0.5 + 0.25 * sin(t)), cy = Float(size) * (0.5 + 0.25 * cos(0.7 * t))
        let radius = Float(size) * 0.22
        for y in 0..<size {
            for x in 0..<size {
                let d = ((Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)).squareRoot()
                let disc = Swift.max(0, Swift.min(1, (radius - d) / 2 + 0.5))
                let background = Colour(0.1, 0.15, 0.2 + 0.3 * Float(y) / Float(size))
                image[x, y] = background + (Colour(0.9, 0.6 + 0.3 * sin(t), 0.4) - background) * disc
            }
        }
        return image
    }
}
