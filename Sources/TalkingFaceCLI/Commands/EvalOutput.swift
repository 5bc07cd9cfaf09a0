import FaceTracking
import Foundation
import MediaIO
import TalkingFace

/// `eval`'s JSON: the frame comparison's keys as they have always been, and beside them
/// "landmarks" and "sync" when those were measured.
struct EvalOutput: Encodable {
    var report: EvaluationReport?
    var landmarks: LandmarkEvaluation?
    var sync: SyncEvaluation?

    enum CodingKeys: String, CodingKey { case landmarks, sync }

    func encode(to encoder: Encoder) throws {
        try report?.encode(to: encoder)  // its keys at the top level
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(landmarks, forKey: .landmarks)
        try container.encodeIfPresent(sync, forKey: .sync)
    }

    func write(to url: URL) throws {
        if let report, landmarks == nil, sync == nil { return try report.writeJSON(to: url) }  // byte for byte as before
        try JSONFile.write(self, to: url) { encoder in
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        }
    }
}
