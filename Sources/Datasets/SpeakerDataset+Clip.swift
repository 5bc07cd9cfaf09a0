import Autodiff
import Foundation
import MediaIO

extension SpeakerDataset {
    /// Writes frames `range` as a data set of their own at `destination`: the PNG frames
    /// renumbered from 0, the audio cut to exactly their time span, and every per-frame
    /// table (pose.csv, factors.csv, factors.h5) cut and renumbered to match, so that a
    /// held-out stretch can be fed to `generate` (its audio) and `eval` (its truth).
    /// Built in a scratch folder beside `destination` and renamed into place when complete.
    public func clip(_ range: Range<Int>, to destination: URL) throws {
        guard !range.isEmpty, range.lowerBound >= 0, range.upperBound <= frameCount else {
            throw DatasetError.mismatch("frames \(range.lowerBound):\(range.upperBound) are not a non-empty part of \(root.path)'s 0:\(frameCount)")
        }
        let fm = FileManager.default
        if fm.fileExists(atPath: destination.path) {
            throw DatasetError.mismatch("\(destination.path) already exists; choose another folder")
        }
        let parent = destination.deletingLastPathComponent()
        try fm.createDirectory(at: parent, withIntermediateDirectories: true)
        let scratch = parent.appendingPathComponent(".\(destination.lastPathComponent).partial-\(UUID().uuidString)")
        do {
            let writer = try SpeakerDatasetWriter(at: scratch)
            for (i, frame) in range.enumerated() {
                try fm.copyItem(at: framesFolder.appendingPathComponent(Video.frameName(frame)),
                                to: writer.framesFolder.appendingPathComponent(Video.frameName(i)))
            }
            let start = Double(range.lowerBound) / meta.fps, end = Double(range.upperBound) / meta.fps
            if hasAudio {
                let audio = try AudioFile.read(audioURL, sampleRate: nil)  // the file's own rate: no resampling
                let first = min(audio.samples.count, Int((start * Double(audio.sampleRate)).rounded()))
                let last = min(audio.samples.count, Int((end * Double(audio.sampleRate)).rounded()))
                try writer.writeAudio(AudioClip(samples: Array(audio.samples[first..<last]), sampleRate: audio.sampleRate))
            }
            for name in ["pose.csv", "factors.csv"] where fm.fileExists(atPath: root.appendingPathComponent(name).path) {
                try Self.clipTable(root.appendingPathComponent(name), range, startTime: start)
                    .write(to: scratch.appendingPathComponent(name))
            }
            let factors = root.appendingPathComponent("factors.h5")
            if fm.fileExists(atPath: factors.path) {
                var series: [String: Tensor] = [:]
                for (name, values) in try TensorFile.read(factors).tensors where values.rank == 1 && values.count >= range.upperBound {
                    series[name] = Tensor(shape: [range.count], values: Array(values.values[range]))
                }
                try TensorFile.write(series, to: scratch.appendingPathComponent("factors.h5"))
            }
            var clipped = meta
            clipped.frameCount = range.count
            var source = meta.source ?? [:]
            source["clip_of"] = root.path
            source["clip_frames"] = "\(range.lowerBound):\(range.upperBound)"
            clipped.source = source
            try writer.writeMeta(clipped)
            try fm.moveItem(at: scratch, to: destination)
        } catch {
            try? fm.removeItem(at: scratch)
            throw error
        }
    }

    /// The rows of a per-frame CSV (first column `frame`) inside `range`, renumbered from 0;
    /// a `time` column is shifted to start at 0 too.
    static func clipTable(_ url: URL, _ range: Range<Int>, startTime: Double) throws -> CSVTable {
        let table = try CSVTable.read(url)
        guard table.columns.first == "frame" else { throw DatasetError.unreadable(url, "the first column must be 'frame'") }
        let time = table.columns.firstIndex(of: "time")
        var clipped = CSVTable(columns: table.columns)
        for row in table.rows {
            guard let frame = Int(row[0]), range.contains(frame) else { continue }
            var out = row
            out[0] = String(frame - range.lowerBound)
            if let time, let t = Double(row[time]) { out[time] = String(format: "%.6f", t - startTime) }
            clipped.rows.append(out)
        }
        return clipped
    }
}
