import CSoxr
import Foundation

/// A streaming mono resampler (libsoxr, its default "high quality": 20-bit precision,
/// linear phase, 91 % passband). Feed blocks with `process`, then `finish` once.
final class Resampler {
    let inputRate: Int
    let outputRate: Int
    private let soxr: soxr_t

    init(from inputRate: Int, to outputRate: Int, file: URL? = nil) throws {
        guard inputRate > 0, outputRate > 0 else {
            throw MediaIOError(.invalidArgument, file: file, "cannot resample from \(inputRate) Hz to \(outputRate) Hz")
        }
        self.inputRate = inputRate
        self.outputRate = outputRate
        var error: soxr_error_t? = nil
        // nil specs: float32 in and out, SOXR_HQ, one thread.
        let soxr = soxr_create(Double(inputRate), Double(outputRate), 1, &error, nil, nil, nil)
        guard let soxr, error == nil else {
            throw MediaIOError(.invalidArgument, file: file, "libsoxr refused \(inputRate) → \(outputRate) Hz: \(error.map { String(cString: $0) } ?? "unknown")")
        }
        self.soxr = soxr
    }

    /// Resamples the next block; may return fewer samples than the ratio suggests
    /// (the filter's delay), which `finish` returns at the end.
    func process(_ input: UnsafeBufferPointer<Float>) -> [Float] {
        run(input.baseAddress, count: input.count)
    }

    /// Flushes the samples still inside the filter.
    func finish() -> [Float] { run(nil, count: 0) }

    private func run(_ input: UnsafePointer<Float>?, count: Int) -> [Float] {
        var output: [Float] = []
        var consumed = 0
        // Loop because soxr may need several calls to take a whole block (or to drain).
        repeat {
            let room = Int(Double(count - consumed) * Double(outputRate) / Double(inputRate)) + 1024
            var chunk = [Float](repeating: 0, count: room)
            var used = 0, produced = 0
            let error = chunk.withUnsafeMutableBufferPointer { out in
                soxr_process(soxr, input.map { UnsafeRawPointer($0 + consumed) }, count - consumed, &used, out.baseAddress, room, &produced)
            }
            precondition(error == nil, "libsoxr: \(String(cString: error!))")  // only bad arguments, i.e. our bug
            consumed += used
            output.append(contentsOf: chunk.prefix(produced))
            if produced < room && consumed == count { break }
        } while true
        return output
    }

    deinit { soxr_delete(soxr) }
}

/// `samples` at `to` Hz instead of `from` Hz (libsoxr high quality). The result has
/// round(count · to / from) samples, time-aligned with the input.
public func resample(_ samples: [Float], from inputRate: Int, to outputRate: Int) throws -> [Float] {
    let resampler = try Resampler(from: inputRate, to: outputRate)
    if inputRate == outputRate { return samples }
    var output = samples.withUnsafeBufferPointer { resampler.process($0) }
    output += resampler.finish()
    return output
}
