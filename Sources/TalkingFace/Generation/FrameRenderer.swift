import Autodiff
import DiffusionAutoencoder

/// What turns a batch of z_sem into frames from their start noise: the one place that says
/// which network decodes, for every path that renders (whole speech, streamed, `render`).
public protocol FrameRenderer {
    /// Frames (B, 3, S, S) in [−1, 1] from z_sem (B, Z) and start noise x_T (B, 3, S, S).
    func render(_ zSem: Tensor, noise: Tensor) -> Tensor
    /// UNet passes per frame.
    var passes: Int { get }
    /// In words, for logs and provenance ("DDIM, 20 steps", "distilled student, 1 step").
    var summary: String { get }
}

/// The DAE's own sampler over its sampling timesteps: the teacher.
public struct DiffusionRenderer: FrameRenderer {
    public let dae: DiffAE
    public let steps: Int
    public let sampler: DiffusionSampler

    public init(dae: DiffAE, steps: Int, sampler: DiffusionSampler = .ddim) {
        (self.dae, self.steps, self.sampler) = (dae, steps, sampler)
    }

    public func render(_ zSem: Tensor, noise: Tensor) -> Tensor {
        dae.decode(zSem, noise: noise, steps: steps, sampler: sampler, batchSize: zSem.size(0))
    }
    public var passes: Int { steps }
    public var summary: String { "\(sampler == .ddim ? "DDIM" : "DPM-Solver++(2M)"), \(steps) steps" }
}

/// A distilled student (`talkingface distill`): DDIM over its own few timesteps, from the
/// shared x_T it was trained for.
public struct StudentRenderer: FrameRenderer {
    public let student: DiffAE
    /// Descending; the first is x_T's (the teacher's first sampling timestep).
    public let timesteps: [Int]

    public init(student: DiffAE, timesteps: [Int]) {
        (self.student, self.timesteps) = (student, timesteps)
    }

    public func render(_ zSem: Tensor, noise: Tensor) -> Tensor {
        student.decode(zSem, noise: noise, timesteps: timesteps, batchSize: zSem.size(0))
    }
    public var passes: Int { timesteps.count }
    public var summary: String { "distilled student, \(timesteps.count) step\(timesteps.count == 1 ? "" : "s")" }
}

/// Which decoder a caller asks for.
public enum DecoderChoice: Equatable, Sendable {
    /// The bundle's student when it has one and the request fits it (the reference x_T,
    /// no steps or sampler of its own), else the DAE's DDIM.
    case automatic
    /// The DAE's sampler even when the bundle has a student.
    case teacher
}

extension Speaker {
    /// The renderer for a request: the student when `choice` is automatic, the bundle has one,
    /// and nothing asks for DDIM's own settings (steps nil, DDIM, the reference x_T it was
    /// distilled for); else the DAE with `steps` (nil: the bundle's default) and `sampler`.
    public func frameRenderer(_ choice: DecoderChoice = .automatic, steps: Int? = nil, sampler: DiffusionSampler = .ddim,
                              noise: NoiseStart = .reference) -> any FrameRenderer {
        if choice == .automatic, steps == nil, sampler == .ddim, noise == .reference, let student {
            return StudentRenderer(student: student.model, timesteps: student.timesteps)
        }
        return DiffusionRenderer(dae: dae, steps: steps ?? meta.defaultSteps, sampler: sampler)
    }
}
