import COpenBLAS
import Foundation
import MediaIO
import NeuralNetworks

/// Log-mel features, the toolkit's default speech representation (100 frames per second).
///
/// Matches `torch.log(torchaudio.transforms.MelSpectrogram(sample_rate=16000, n_fft=400,
/// hop_length=160, n_mels=80)(x) + 1e-6)`: periodic Hann window of n_fft samples,
/// centred frames (the signal reflect-padded by n_fft/2 at both ends, so frame t is centred
/// on sample t·hop and there are 1 + ⌊L/hop⌋ frames), power spectrum |X|², HTK mel filters
/// without normalisation, then the natural log.
///
/// The floor 1e-6 keeps log finite in digital silence; it sits near the energy of 16-bit
/// quantisation noise in one mel band, so it hides nothing audible. (Whisper-style
/// clamping to the clip maximum would make features depend on the whole file, which the
/// streaming API cannot know.)
public struct LogMelSpectrogram: Sendable {
    public struct Configuration: Sendable, Equatable {
        public var sampleRate = 16000
        public var fftSize = 400       // = window length: 25 ms
        public var hopLength = 160     // 10 ms
        public var mels = 80
        public var minHz: Double = 0
        public var maxHz: Double? = nil  // nil: sampleRate / 2
        public var floor: Float = 1e-6

        public init() {}
    }

    public let configuration: Configuration
    let basis: SpectrumBasis
    let filterbank: [Float]  // (bins, mels)

    /// Frames transformed per GEMM: bounds scratch memory however long the audio is.
    static let blockFrames = 512

    public init(_ configuration: Configuration = .init()) {
        let c = configuration
        precondition(c.fftSize >= 2 && c.hopLength >= 1 && c.mels >= 1, "bad log-mel configuration \(c)")
        self.configuration = c
        basis = SpectrumBasis(size: c.fftSize, window: SpectrumBasis.hann(c.fftSize))
        filterbank = MelFilterbank.make(
            frequencyBins: c.fftSize / 2 + 1, mels: c.mels, sampleRate: c.sampleRate,
            minHz: c.minHz, maxHz: c.maxHz ?? Double(c.sampleRate / 2))
    }

    /// Feature frames per second.
    public var frameRate: Double { Double(configuration.sampleRate) / Double(configuration.hopLength) }

    /// Frames for a clip of `samples` samples: 1 + ⌊samples / hop⌋.
    public func frameCount(samples: Int) -> Int { 1 + samples / configuration.hopLength }

    /// Shortest clip the centred reflect padding accepts (as in torch: padding < length).
    public var minimumSamples: Int { configuration.fftSize / 2 + 1 }

    /// samples (L) at `configuration.sampleRate` → (1 + ⌊L/hop⌋, mels).
    public func callAsFunction(_ samples: [Float]) throws -> Tensor {
        guard samples.count >= minimumSamples else { throw Self.tooShort(samples.count, minimumSamples, file: nil) }
        let half = configuration.fftSize / 2
        let padded = Self.reflectStart(samples, half) + samples + Self.reflectEnd(samples, half)
        let frames = frameCount(samples: samples.count)
        let out = Tensor(uninitializedShape: [frames, configuration.mels])
        padded.withUnsafeBufferPointer { logMel(frames: frames, from: $0.baseAddress!, into: out.pointer) }
        return out
    }

    /// The audio file's features, (1, T, mels), read block by block (see `forEachBlock`).
    public func features(ofFile url: URL) throws -> Tensor {
        var blocks: [Tensor] = []
        try forEachBlock(ofFile: url) { blocks.append($0) }
        let frames = blocks.reduce(0) { $0 + $1.size(0) }
        let out = Tensor(uninitializedShape: [1, frames, configuration.mels])
        var offset = 0
        for block in blocks {
            (out.pointer + offset).update(from: block.pointer, count: block.count)
            offset += block.count
        }
        return out
    }

    /// Streams a file of any length: decodes, resamples and transforms it block by block and
    /// hands each block of frames (n, mels) to `body` in order, so neither the audio nor the
    /// features of the whole file are ever held at once. Same frames as `callAsFunction`.
    public func forEachBlock(ofFile url: URL, _ body: (Tensor) throws -> Void) throws {
        let audio = try AudioStream(url, sampleRate: configuration.sampleRate)
        let stream = LogMelStream(self)
        while let samples = try audio.nextBlock() {
            let block = stream.append(samples)
            if block.size(0) > 0 { try body(block) }
        }
        do {
            let tail = try stream.finish()
            if tail.size(0) > 0 { try body(tail) }
        } catch let error as MediaIOError {
            throw MediaIOError(error.kind, file: url, error.reason)
        }
    }

    // MARK: - The transform

    /// Log-mel of `frames` frames whose windows start at 0, hop, 2·hop, … in `padded`,
    /// written to `out` (frames, mels). Works in blocks of `blockFrames`.
    func logMel(frames: Int, from padded: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>) {
        let (n, hop, mels, bins) = (configuration.fftSize, configuration.hopLength, configuration.mels, basis.bins)
        let block = Swift.min(frames, Self.blockFrames)
        var windows = [Float](repeating: 0, count: block * n)         // (block, n_fft)
        var spectrum = [Float](repeating: 0, count: block * 2 * bins)  // (block, 2·bins): Re | Im
        var power = [Float](repeating: 0, count: block * bins)         // (block, bins)
        var start = 0
        while start < frames {
            let count = Swift.min(block, frames - start)
            windows.withUnsafeMutableBufferPointer { w in
                for t in 0..<count {  // overlapping windows cannot be a strided BLAS matrix: copy
                    (w.baseAddress! + t * n).update(from: padded + (start + t) * hop, count: n)
                }
            }
            _ = Parallel.blasIsSingleThreaded  // no OpenBLAS pool threads left spinning
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(2 * bins), Int32(n),
                        1, windows, Int32(n), basis.matrix, Int32(2 * bins), 0, &spectrum, Int32(2 * bins))
            spectrum.withUnsafeBufferPointer { s in
                power.withUnsafeMutableBufferPointer { p in
                    for t in 0..<count {
                        let re = s.baseAddress! + t * 2 * bins, im = re + bins, row = p.baseAddress! + t * bins
                        for k in 0..<bins { row[k] = re[k] * re[k] + im[k] * im[k] }
                    }
                }
            }
            let target = out + start * mels
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(mels), Int32(bins),
                        1, power, Int32(bins), filterbank, Int32(mels), 0, target, Int32(mels))
            let floor = configuration.floor
            for i in 0..<(count * mels) { target[i] = Foundation.log(target[i] + floor) }
            start += count
        }
    }

    // MARK: - Edges

    /// x[half], …, x[1]: torch's reflect padding before the first sample.
    static func reflectStart(_ x: [Float], _ half: Int) -> [Float] { (1...half).reversed().map { x[$0] } }

    /// x[L−2], …, x[L−1−half]: reflect padding after the last sample.
    static func reflectEnd(_ x: [Float], _ half: Int) -> [Float] { (1...half).map { x[x.count - 1 - $0] } }

    static func tooShort(_ count: Int, _ minimum: Int, file: URL?) -> MediaIOError {
        MediaIOError(.invalidArgument, file: file,
                     "audio of \(count) samples is too short for log-mel features (needs at least \(minimum))")
    }
}
