import Autodiff
import Datasets
import Foundation
import MediaIO

extension SpeakerTimeline {
    /// Writes the timeline's ground truth into a speaker data set at `root`: factors.csv and
    /// factors.h5 (every factor of every frame; `attributes` plus fps and the viseme names as
    /// the .h5's attributes), phonemes.csv and transcript.txt. The same bytes as a drawn
    /// speaker's for the same timeline and attributes.
    func writeLabels(to root: URL, attributes: [String: String]) throws {
        let n = frames.count
        var table = CSVTable(columns: ["frame", "time"] + FrameFactors.names)
        for (i, f) in frames.enumerated() {
            table.rows.append([String(i), CSVTable.format(Float(Double(i) / fps))]
                              + f.values.dropLast().map(CSVTable.format) + [String(f.viseme.rawValue)])
        }
        try table.write(to: root.appendingPathComponent("factors.csv"))

        var tensors: [String: Tensor] = [:]
        for (j, name) in FrameFactors.names.enumerated() {
            tensors[name] = Tensor(shape: [n], values: frames.map { $0.values[j] })
        }
        let visemeNames = Viseme.allCases.map { "\($0.rawValue)=\($0)" }.joined(separator: ",")
        try TensorFile.write(tensors, attributes: attributes.merging(["fps": String(fps), "visemes": visemeNames]) { a, _ in a },
                             to: root.appendingPathComponent("factors.h5"))

        var phonemes = CSVTable(columns: ["start", "end", "phoneme", "viseme"])
        for s in visemes.segments {
            phonemes.rows.append([CSVTable.format(Float(s.start)), CSVTable.format(Float(s.end)),
                                  s.phoneme.replacingOccurrences(of: ",", with: ";"), String(s.viseme.rawValue)])
        }
        try phonemes.write(to: root.appendingPathComponent("phonemes.csv"))
        let transcript = speech.sentences.map { String(format: "%.3f\t%.3f\t", $0.start, $0.end) + $0.text }
        try Data((transcript.joined(separator: "\n") + "\n").utf8).writeAtomically(to: root.appendingPathComponent("transcript.txt"))
    }
}
