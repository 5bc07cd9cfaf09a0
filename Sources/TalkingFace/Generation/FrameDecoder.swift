import Autodiff
import DiffusionAutoencoder
import Foundation
import NeuralNetworks

/// Decodes z_sem rows that arrive a few at a time into frames, in batches of `batchSize`
/// on the same boundaries as for the whole sequence at once (0, B, 2B, …), each batch
/// handed to the sink as soon as it is done: nothing waits for the end of the speech.
struct FrameDecoder {
    let renderer: any FrameRenderer
    let batchSize: Int
    let total: Int
    let sink: FrameSink
    let progress: GenerationProgress?
    private var starts: NoiseSource
    private var pending: Tensor?  // (n < batchSize after each call, Z): rows not yet decoded
    private(set) var decoded = 0
    /// Frames from this one on are not decoded (a measurement aid; `total` otherwise).
    let decodeLimit: Int

    init(renderer: any FrameRenderer, noise: NoiseStart, reference: Tensor, batchSize: Int, total: Int,
         sink: FrameSink, progress: GenerationProgress?, decodeLimit: Int? = nil) {
        (self.renderer, self.batchSize, self.total, self.sink, self.progress) = (renderer, batchSize, total, sink, progress)
        starts = NoiseSource(noise, reference: reference)
        self.decodeLimit = min(total, decodeLimit ?? total)
    }

    /// Takes the next z_sem rows (n, Z) and decodes every batch they complete.
    mutating func add(_ zSem: Tensor, timings: inout GenerationTimings) throws {
        guard zSem.size(0) > 0 else { return }
        let rows = pending.map { concat([$0, zSem], dim: 0) } ?? zSem
        var start = 0
        while rows.size(0) - start >= batchSize {
            try decode(rows.slice(dim: 0, start..<(start + batchSize)), timings: &timings)
            start += batchSize
        }
        pending = start == rows.size(0) ? nil : start == 0 ? rows : rows.slice(dim: 0, start..<rows.size(0))
    }

    /// Decodes the last, shorter batch.
    mutating func finish(timings: inout GenerationTimings) throws {
        if let rows = pending { try decode(rows, timings: &timings) }
        pending = nil
    }

    private mutating func decode(_ batch: Tensor, timings: inout GenerationTimings) throws {
        try InterruptSignal.throwIfRequested()  // a signal stops the work between batches
        let first = decoded
        decoded += batch.size(0)
        guard first < decodeLimit else { return }
        let noise = starts.next(batch.size(0))
        let frames = timings.measure(.decode) {
            renderer.render(batch, noise: noise)
        }  // (B, 3, S, S)
        progress?(.decode, decoded, total)
        try timings.measure(.write) { try sink.write(frames, firstFrame: first) }
        progress?(.write, decoded, total)
    }
}
