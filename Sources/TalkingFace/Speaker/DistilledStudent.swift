import DiffusionAutoencoder
import Foundation

/// A speaker bundle's distilled decoder (`talkingface distill`): a copy of the DAE's UNet
/// trained to reach, in a few DDIM moves from the bundle's shared x_T, the frames the DAE
/// reaches in its default steps. Stored as `student.h5` (a DiffAE checkpoint) with its
/// timesteps in meta.json's `student` entry.
public struct DistilledStudent {
    public let model: DiffAE
    /// The student's timesteps, descending; the first is x_T's.
    public let timesteps: [Int]

    public init(model: DiffAE, timesteps: [Int]) {
        self.model = model.eval()
        self.timesteps = timesteps
    }

    public static let file = "student.h5"
}

/// meta.json's `student` entry: the bundle carries `student.h5`, decoded over these timesteps.
public struct StudentMeta: Codable, Equatable, Sendable {
    /// Descending; the first is x_T's (the DAE's first sampling timestep of `default_steps`).
    public var timesteps: [Int]
    /// How it was distilled (teacher, rounds, steps, data), free-form.
    public var madeBy: [String: String]

    public init(timesteps: [Int], madeBy: [String: String] = [:]) {
        self.timesteps = timesteps
        self.madeBy = madeBy
    }

    enum CodingKeys: String, CodingKey {
        case timesteps
        case madeBy = "made_by"
    }
}
