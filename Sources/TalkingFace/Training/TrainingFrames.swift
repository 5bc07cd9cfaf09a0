import Autodiff
import Foundation
import Datasets

/// Frames from one or more speaker data sets, numbered 0 ..< count across all of them, at a
/// model's image size, in [-1, 1]. When they fit in `memoryBudget` bytes they are decoded
/// once into one Float tensor (a minute of 64×64 video is 1500×3×64×64 floats = 74 MB), so
/// a training step never waits for PNG decoding; otherwise each batch is read from disk.
/// Both paths give the same values.
public final class TrainingFrames {
    /// One data set and the frames taken from it.
    public struct Span {
        public let dataset: SpeakerDataset
        public let frames: Range<Int>
        public init(dataset: SpeakerDataset, frames: Range<Int>) {
            self.dataset = dataset
            self.frames = frames
        }
    }

    public let spans: [Span]
    public let imageSize: Int
    public let count: Int
    /// First global index of each span, and `count` at the end.
    private let offsets: [Int]
    /// Every frame, (count, 3, S, S), when cached.
    private let cache: Tensor?

    public var isCached: Bool { cache != nil }
    /// Bytes the cache takes (or would take).
    public var cacheBytes: Int { count * 3 * imageSize * imageSize * MemoryLayout<Float>.size }

    /// Checks that every data set's face crop is at least `imageSize` pixels (frames are
    /// shrunk to the model, never blown up) and, if the frames fit `memoryBudget`, decodes
    /// them all (in parallel), reporting `progress(done, total)`.
    public init(_ spans: [Span], imageSize: Int, memoryBudget: Int = 4 << 30,
                progress: (Int, Int) -> Void = { _, _ in }) throws {
        precondition(imageSize > 0, "image size \(imageSize)")
        self.spans = spans
        self.imageSize = imageSize
        var offsets = [0]
        for span in spans { offsets.append(offsets.last! + span.frames.count) }
        self.offsets = offsets
        count = offsets.last!
        guard count > 0 else {
            throw DatasetError.mismatch("no training frames: \(spans.map { "\($0.dataset.root.path) frames \($0.frames)" }.joined(separator: ", "))")
        }
        for span in spans {
            let side = try TrainingFrames.faceSide(of: span.dataset)
            guard side >= imageSize else {
                throw DatasetError.mismatch(
                    "\(span.dataset.root.path): its face crop is \(side)×\(side) pixels, smaller than the model's \(imageSize)×\(imageSize); make the data at a larger size or use a preset for \(side)×\(side) images")
            }
        }
        let bytes = count * 3 * imageSize * imageSize * MemoryLayout<Float>.size
        cache = bytes <= memoryBudget ? try TrainingFrames.decodeAll(spans, offsets: offsets, imageSize: imageSize, progress: progress) : nil
    }

    /// Data set and frame number of global index `index`.
    public func location(of index: Int) -> (span: Int, frame: Int) {
        precondition(index >= 0 && index < count, "frame index \(index) outside 0..<\(count)")
        var lo = 0, hi = spans.count - 1  // last span whose offset ≤ index
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if offsets[mid] <= index { lo = mid } else { hi = mid - 1 }
        }
        return (lo, spans[lo].frames.lowerBound + index - offsets[lo])
    }

    /// The span (data set) each frame comes from: the speaker ids of the latent split's pressures.
    public func spanIndices(_ indices: [Int]) -> [Int] { indices.map { location(of: $0).span } }

    /// The head pose of each frame (B, 3) in radians (yaw, pitch, roll); nil when a frame's
    /// data set has no pose.csv.
    public func poses(_ indices: [Int]) -> Tensor? {
        var values: [Float] = []
        for index in indices {
            let (span, frame) = location(of: index)
            guard let track = spans[span].dataset.pose, frame < track.count else { return nil }
            values += [track.yaw[frame], track.pitch[frame], track.roll[frame]]
        }
        return Tensor(shape: [indices.count, 3], values: values)
    }

    /// The frames at `indices` as (B, 3, S, S), each mirrored left–right where `flipped` says.
    public func batch(_ indices: [Int], flipped: [Bool]? = nil) throws -> Tensor {
        precondition(flipped == nil || flipped!.count == indices.count, "one flip flag per frame")
        let plane = 3 * imageSize * imageSize
        let out = Tensor(uninitializedShape: [indices.count, 3, imageSize, imageSize])
        if let cache {
            for (b, index) in indices.enumerated() {
                precondition(index >= 0 && index < count, "frame index \(index) outside 0..<\(count)")
                (out.pointer + b * plane).update(from: cache.pointer + index * plane, count: plane)
            }
        } else {
            for (b, index) in indices.enumerated() {
                let (span, frame) = location(of: index)
                let image = try spans[span].dataset.frame(frame, size: imageSize)
                TrainingFrames.write(image, to: out.pointer + b * plane)
            }
        }
        if let flipped {
            for (b, flip) in flipped.enumerated() where flip { mirror(out.pointer + b * plane) }
        }
        return out
    }

    /// Reverses every row of one (3, S, S) image in place.
    private func mirror(_ image: UnsafeMutablePointer<Float>) {
        for row in 0..<(3 * imageSize) {
            let start = image + row * imageSize
            var i = 0, j = imageSize - 1
            while i < j {
                (start[i], start[j]) = (start[j], start[i])
                i += 1
                j -= 1
            }
        }
    }

    // MARK: - Decoding

    /// The side of the square a data set's frames are cropped to before resizing.
    static func faceSide(of dataset: SpeakerDataset) throws -> Int {
        if let crop = dataset.meta.crop { return Swift.min(crop.width, crop.height) }
        if let w = dataset.meta.width, let h = dataset.meta.height { return Swift.min(w, h) }
        let first = try dataset.frame(0)
        return Swift.min(first.width, first.height)
    }

    /// An image in [0, 1] as planar (3, S, S) in [-1, 1] (the layout of `Tensor(images:)`).
    static func write(_ image: RGBImage, to p: UnsafeMutablePointer<Float>) {
        let pixels = image.width * image.height
        image.data.withUnsafeBufferPointer { data in
            for c in 0..<3 {
                let plane = p + c * pixels
                for i in 0..<pixels { plane[i] = data[3 * i + c] * 2 - 1 }
            }
        }
    }

    private static func decodeAll(_ spans: [Span], offsets: [Int], imageSize: Int,
                                  progress: (Int, Int) -> Void) throws -> Tensor {
        let total = offsets.last!
        let plane = 3 * imageSize * imageSize
        let cache = Tensor(uninitializedShape: [total, 3, imageSize, imageSize])  // (count, 3, S, S)
        let pointer = cache.pointer
        let failure = FirstError()
        let chunk = 64
        var done = 0
        for (k, span) in spans.enumerated() {
            for start in stride(from: 0, to: span.frames.count, by: chunk) {
                let n = Swift.min(chunk, span.frames.count - start)
                Parallel.forEach(n) { j in
                    let local = start + j
                    do {
                        let image = try span.dataset.frame(span.frames.lowerBound + local, size: imageSize)
                        write(image, to: pointer + (offsets[k] + local) * plane)
                    } catch {
                        failure.record(error)
                    }
                }
                try failure.rethrow()
                done += n
                progress(done, total)
            }
        }
        return cache
    }
}
