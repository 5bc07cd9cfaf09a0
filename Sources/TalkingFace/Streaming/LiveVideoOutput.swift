#if canImport(Glibc)
import Glibc
#endif
import Autodiff
import Foundation

/// Where `generateLive` puts its frames, each as soon as it is decoded, and the speech
/// as it arrives (for an output that carries sound).
public protocol LiveVideoOutput: FrameSink {
    /// The next speech samples, mono at 16 kHz, in order; called before the frames they make.
    func hear(_ samples: [Float]) throws
    /// The speech and the frames are all in: complete the output.
    func finish() throws
}

/// Frames as raw 8-bit RGB, row by row, one frame after another, on a file descriptor
/// (standard output by default): what `ffplay -f rawvideo -pixel_format rgb24` reads.
/// The speech is not written.
public final class RawVideoOutput: LiveVideoOutput {
    public let descriptor: Int32

    public init(descriptor: Int32 = STDOUT_FILENO) {
        self.descriptor = descriptor
        signal(SIGPIPE, SIG_IGN)  // a reader that quits is reported (`LiveOutputClosed`), not a kill
    }

    public func write(_ batch: Tensor, firstFrame: Int) throws {
        try writeAll(descriptor, batch.rgb24(), to: "standard output")
    }

    public func hear(_ samples: [Float]) throws {}
    public func finish() throws {}
}

extension Tensor {
    /// (N, 3, H, W) in [−1, 1] as N frames of 8-bit RGB, (N, H, W, 3), rounded as
    /// `RGBImage.image8()` rounds.
    func rgb24() -> [UInt8] {
        precondition(rank == 4 && shape[1] == 3, "expected (N, 3, H, W), got \(shape)")
        let (n, h, w) = (shape[0], shape[2], shape[3])
        return [UInt8](unsafeUninitializedCapacity: n * h * w * 3) { out, initialized in
            for b in 0..<n {
                for c in 0..<3 {
                    let plane = pointer + (b * 3 + c) * h * w
                    for i in 0..<(h * w) {
                        let value = Swift.max(0, Swift.min(1, (plane[i] + 1) / 2))
                        out[(b * h * w + i) * 3 + c] = UInt8((value * 255).rounded())
                    }
                }
            }
            initialized = n * h * w * 3
        }
    }
}

/// The reader of a live output went away (ffplay closed, the pipe broke).
public struct LiveOutputClosed: Error, CustomStringConvertible {
    public let place: String
    public var description: String { "\(place) was closed by its reader" }
}

/// Writes every byte, retrying short writes; a broken pipe throws `LiveOutputClosed`.
func writeAll(_ descriptor: Int32, _ bytes: [UInt8], to place: String) throws {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
        if n > 0 { offset += n; continue }
        if n < 0 && errno == EINTR { continue }
        if n < 0 && errno == EPIPE { throw LiveOutputClosed(place: place) }
        throw SpeakerError(file: nil, "writing \(place): \(String(cString: strerror(errno)))")
    }
}
