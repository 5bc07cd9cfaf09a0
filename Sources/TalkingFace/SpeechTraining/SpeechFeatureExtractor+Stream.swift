import Foundation
import MediaIO
import NeuralNetworks
import SpeechToLatent

/// Features of a long file without holding them: the file is read, resampled and
/// transformed block by block, and each block of feature frames is handed on in order.
/// Concatenated, the blocks are `callAsFunction(file:)`'s features.
extension SpeechFeatureExtractor {
    /// How many feature frames the file gives (0 if too short for one), counted by
    /// streaming its audio once without computing features.
    public func frameCount(ofFile url: URL) throws -> Int {
        let audio = try AudioStream(url, sampleRate: 16000)
        var samples = 0
        while let block = try audio.nextBlock() { samples += block.count }
        if let encoder = frontEnd as? SpeechEncoderFrontEnd { return max(0, encoder.encoder.configuration.frameCount(samples: samples)) }
        guard let logMel = frontEnd as? LogMelFrontEnd else { return try self(file: url).size(-2) }
        return samples < logMel.spectrogram.minimumSamples ? 0 : logMel.spectrogram.frameCount(samples: samples)
    }

    /// Hands the file's features to `body` block by block, in the clip layout: (n, F), or
    /// (L, n, F) for the L layers of an audio encoder. An audio encoder runs on the same
    /// pieces as `callAsFunction(file:)`.
    public func forEachBlock(ofFile url: URL, _ body: (Tensor) throws -> Void) throws {
        do {
            if let logMel = frontEnd as? LogMelFrontEnd {
                try logMel.spectrogram.forEachBlock(ofFile: url) { try body($0) }
            } else if let encoder = frontEnd as? SpeechEncoderFrontEnd {
                try encodePieces(ofFile: url, with: encoder, body)
            } else {
                try body(try self(file: url))
            }
        } catch let error as MediaIOError where error.file == nil {
            throw MediaIOError(error.kind, file: url, error.reason)
        }
    }

    /// Piece k reads samples [k·P·hop, k·P·hop + P·hop + extra) and gives exactly P frames;
    /// the tail is encoded at the end and cut to the file's frame count, as `encode` does.
    private func encodePieces(ofFile url: URL, with encoder: SpeechEncoderFrontEnd, _ body: (Tensor) throws -> Void) throws {
        let configuration = encoder.encoder.configuration
        let (pieceSamples, extra) = pieceLayout(of: encoder)
        let audio = try AudioStream(url, sampleRate: 16000)
        var pending: [Float] = []  // samples from the next piece's start on
        var consumed = 0, emitted = 0, piecesDone = 0
        func layered(_ samples: ArraySlice<Float>) throws -> Tensor {
            let layers = try encoder.layers(of: Array(samples))
            let (t, c) = (layers[0].size(-2), layers[0].size(-1))
            return concat(layers.map { $0.reshaped([1, t, c]) }, dim: 0)  // (L, t, C)
        }
        func hand(_ piece: Tensor, upTo total: Int?) throws {
            var piece = piece
            if let total { piece = piece.slice(dim: 1, 0..<max(0, min(piece.size(1), total - emitted))) }
            guard piece.size(1) > 0 else { return }
            emitted += piece.size(1)
            try body(piece.size(0) == 1 ? piece.reshaped([piece.size(1), piece.size(2)]) : piece)
        }
        while let block = try audio.nextBlock() {
            pending += block
            // A whole piece is encoded only once more samples follow it: a file of exactly
            // one piece is encoded in one pass, as `encode` does.
            while pending.count > pieceSamples + extra {
                try hand(try layered(pending[0..<(pieceSamples + extra)]), upTo: nil)
                pending.removeFirst(pieceSamples)
                consumed += pieceSamples
                piecesDone += 1
            }
        }
        let total = configuration.frameCount(samples: consumed + pending.count)
        if piecesDone == 0 {  // short enough for one pass
            try hand(try layered(pending[...]), upTo: total)
            return
        }
        var start = 0  // the tail: what `encode`'s loop does with the rest
        while start < pending.count {
            let end = min(pending.count, start + pieceSamples + extra)
            if configuration.frameCount(samples: end - start) <= 0 { break }
            try hand(try layered(pending[start..<end]), upTo: total)
            start += pieceSamples
        }
    }
}
