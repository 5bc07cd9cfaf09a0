import DiffusionAutoencoder
import Foundation
import MediaIO

/// A speaker bundle's shared noise start (`reference.h5`): the stochastic code x_T of one
/// reference frame, from which every generated frame is decoded (docs/architecture.md §7), with that
/// frame's z_sem and where it came from.
public struct SpeakerReference {
    /// (1, 3, S, S)
    public var xT: Tensor
    /// (1, Z) z_sem of the reference frame.
    public var zSem: Tensor
    /// The reference frame's index in the data set it came from (−1: not from a data set).
    public var frameIndex: Int
    /// DDIM steps the inversion used (decoding with the same count retraces it).
    public var stochasticSteps: Int
    /// Fixed-point refinements of each inversion move (0 in bundles made before they existed).
    public var refinements: Int

    public init(xT: Tensor, zSem: Tensor, frameIndex: Int, stochasticSteps: Int, refinements: Int = 0) {
        precondition(xT.rank == 4 && xT.size(0) == 1 && xT.size(1) == 3, "x_T \(xT.shape), expected (1, 3, S, S)")
        precondition(zSem.rank == 2 && zSem.size(0) == 1, "z_sem \(zSem.shape), expected (1, Z)")
        self.xT = xT
        self.zSem = zSem
        self.frameIndex = frameIndex
        self.stochasticSteps = stochasticSteps
        self.refinements = refinements
    }

    /// Both codes of `frame` (1, 3, S, S) in [−1, 1] under `dae`.
    public init(encoding frame: Tensor, frameIndex: Int, with dae: DiffAE, steps: Int,
                refinements: Int = DiffAE.recommendedRefinements) {
        let (zSem, xT) = dae.encode(frame, stochasticSteps: steps, refinements: refinements)
        self.init(xT: xT, zSem: zSem, frameIndex: frameIndex, stochasticSteps: steps, refinements: refinements)
    }

    static let xTKey = "x_T", zSemKey = "z_sem", frameKey = "frame_index", stepsKey = "stochastic_steps"
    static let refinementsKey = "inversion_refinements"

    public func write(to url: URL, precision: TensorFile.Precision = .float32) throws {
        try TensorFile.write([Self.xTKey: xT, Self.zSemKey: zSem],
                             integers: [Self.frameKey: [Int64(frameIndex)], Self.stepsKey: [Int64(stochasticSteps)],
                                        Self.refinementsKey: [Int64(refinements)]],
                             to: url, precision: precision)
    }

    public static func read(_ url: URL) throws -> SpeakerReference {
        let contents = try TensorFile.readContents(url)
        func tensor(_ key: String, rank: Int) throws -> Tensor {
            guard let t = contents.tensors[key] else { throw SpeakerError(file: url, "no '\(key)' dataset") }
            guard t.rank == rank, t.size(0) == 1 else { throw SpeakerError(file: url, "'\(key)' has shape \(t.shape); expected \(rank == 4 ? "(1, 3, S, S)" : "(1, Z)")") }
            return t
        }
        func integer(_ key: String) throws -> Int {
            guard let v = contents.integers[key]?.first else { throw SpeakerError(file: url, "no '\(key)' dataset") }
            return Int(v)
        }
        let xT = try tensor(xTKey, rank: 4)
        guard xT.size(1) == 3, xT.size(2) == xT.size(3) else { throw SpeakerError(file: url, "'\(xTKey)' has shape \(xT.shape); expected (1, 3, S, S)") }
        return SpeakerReference(xT: xT, zSem: try tensor(zSemKey, rank: 2), frameIndex: try integer(frameKey),
                                stochasticSteps: try integer(stepsKey),
                                refinements: contents.integers[refinementsKey]?.first.map { Int($0) } ?? 0)
    }
}
