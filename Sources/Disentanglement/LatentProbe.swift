import DiffusionAutoencoder
import Foundation
import Datasets

/// Which part of the data a probe row belongs to.
public enum ProbeRole: Sendable { case fit, validation, test }

/// z_sem and ground-truth factors of frames, each row with its role: the probes' input.
public struct ProbeSamples {
    public var z: Matrix                       // (N, zSem)
    public var factors: [FactorGroup: Matrix]  // (N, columns) per group present for every row
    public var factorNames: [FactorGroup: [String]]
    public var roles: [ProbeRole]              // (N)
    public var speakers: [String]

    public init(z: Matrix, factors: [FactorGroup: Matrix], factorNames: [FactorGroup: [String]], roles: [ProbeRole], speakers: [String] = []) {
        self.z = z
        self.factors = factors
        self.factorNames = factorNames
        self.roles = roles
        self.speakers = speakers
    }

    func rows(_ role: ProbeRole) -> [Int] { roles.indices.filter { roles[$0] == role } }
}

/// Disentanglement probes (docs/architecture.md §8): ridge regression from each latent part (and the
/// whole z_sem) to each factor group, scored by R² on held-out frames, and DCI.
public enum LatentProbe {
    /// Fits every probe and scores it; the samples must hold fit, validation and test rows.
    public static func analyse(_ samples: ProbeSamples, split: LatentSplit, splitIsThirds: Bool = false) -> ProbeReport {
        precondition(samples.z.columns == split.total, "split \(split) of \(samples.z.columns)-wide latents")
        let groups = FactorGroup.allCases.filter { samples.factors[$0] != nil }
        let fitRows = samples.rows(.fit), validationRows = samples.rows(.validation), testRows = samples.rows(.test)
        // All factor columns side by side, so one ridge fit per part serves every group.
        var columnGroup: [FactorGroup] = [], columnNames: [String] = []
        var targets = Matrix(rows: samples.z.rows, columns: 0)
        for g in groups {
            let m = samples.factors[g]!
            targets = Matrix(rows: m.rows, columns: targets.columns + m.columns, values: (0..<m.rows).flatMap { Array(targets.row($0)) + Array(m.row($0)) })
            columnGroup += Array(repeating: g, count: m.columns)
            columnNames += samples.factorNames[g] ?? (0..<m.columns).map { "\(g.rawValue)_\($0)" }
        }

        let partNames = LatentSplit.partNames + ["all"]
        let partRanges = split.ranges + [0..<split.total]
        var r2: [[Double]] = [], factorR2: [String: [String: Double]] = [:]
        var allImportance = Matrix(rows: split.total, columns: targets.columns)
        for (name, range) in zip(partNames, partRanges) {
            guard !range.isEmpty, targets.columns > 0 else {
                r2.append(groups.map { _ in .nan })
                continue
            }
            let x = samples.z.selectingColumns(Array(range))
            let probe = RidgeRegression(train: (x.selectingRows(fitRows), targets.selectingRows(fitRows)),
                                        validation: (x.selectingRows(validationRows), targets.selectingRows(validationRows)))
            let scores = rSquared(prediction: probe.predict(x.selectingRows(testRows)), truth: targets.selectingRows(testRows))
            factorR2[name] = Dictionary(uniqueKeysWithValues: zip(columnNames, scores))
            r2.append(groups.map { g in
                let finite = scores.indices.filter { columnGroup[$0] == g && scores[$0].isFinite }.map { scores[$0] }
                return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
            })
            if name == "all" { allImportance = probe.importance }
        }

        // Channel-level DCI: identity's columns (all the same few speakers) count as one factor.
        var factorColumns: [[Int]] = []
        for g in groups {
            let cols = columnGroup.indices.filter { columnGroup[$0] == g }
            if g == .identity { factorColumns.append(cols) } else { factorColumns += cols.map { [$0] } }
        }
        let channelImportance = Matrix(rows: split.total, columns: factorColumns.count, values: (0..<split.total).flatMap { i in
            factorColumns.map { cols in cols.map { allImportance[i, $0] }.reduce(0, +) / Double(cols.count) }
        })
        let partImportance = split.ranges.map { range in
            groups.map { g in
                let cols = columnGroup.indices.filter { columnGroup[$0] == g }
                return range.map { i in cols.map { allImportance[i, $0] }.reduce(0, +) / Double(Swift.max(cols.count, 1)) }.reduce(0, +)
            }
        }
        return ProbeReport(
            split: split, splitIsThirds: splitIsThirds, parts: partNames, partSizes: split.sizes + [split.total], groups: groups,
            r2: r2, factorR2: factorR2,
            dciChannels: DCIScores(importance: channelImportance),
            dciParts: DCIScores(importance: Matrix(partImportance)),
            partImportance: partImportance,
            frames: ["fit": fitRows.count, "validation": validationRows.count, "test": testRows.count],
            speakers: samples.speakers)
    }

    /// Options for gathering frames.
    public struct Sampling: Sendable {
        /// At most this many frames per speaker (an even stride in time over all of them).
        public var maxFramesPerSpeaker: Int
        /// The held-out end of each recording (after a 1 s gap): the test frames.
        public var heldOutFraction: Double
        /// The end of each training part (after a 1 s gap) that picks λ.
        public var validationFraction: Double

        public init(maxFramesPerSpeaker: Int = 400, heldOutFraction: Double = 0.2, validationFraction: Double = 0.2) {
            self.maxFramesPerSpeaker = maxFramesPerSpeaker
            self.heldOutFraction = heldOutFraction
            self.validationFraction = validationFraction
        }
    }

    /// Encodes frames of each data set with `model` and pairs them with their factors.
    /// Splits are by time per speaker (never shuffled frames). Only factor groups present in
    /// every data set are kept. Also returns the first held-out frame of each speaker
    /// (1, 3, S, S), the traversals' starting points. `progress(done, total)` per batch.
    public static func collect(model: DiffAE, datasets: [SpeakerDataset], sampling: Sampling = Sampling(),
                               progress: (Int, Int) -> Void = { _, _ in }) throws -> (samples: ProbeSamples, heldOutFrames: [Tensor]) {
        precondition(!datasets.isEmpty, "no data sets to probe")
        let size = model.config.imageSize
        var plans: [(indices: [Int], roles: [ProbeRole])] = []
        var factorSets: [GroundTruthFactors] = []
        for ds in datasets {
            let (train, heldOut) = ds.split(heldOutFraction: sampling.heldOutFraction, gapSeconds: 1)
            let inner = SpeakerDataset.split(frameCount: train.count, fps: ds.meta.fps,
                                             heldOutFraction: sampling.validationFraction, gapSeconds: 1)
            let stride = Swift.max(1, (ds.frameCount + sampling.maxFramesPerSpeaker - 1) / Swift.max(sampling.maxFramesPerSpeaker, 1))
            var indices: [Int] = [], roles: [ProbeRole] = []
            for (range, role) in [(inner.train, ProbeRole.fit), (inner.heldOut.shifted(by: train.lowerBound), .validation), (heldOut, .test)] {
                let picked = Array(Swift.stride(from: range.lowerBound, to: range.upperBound, by: stride))
                indices += picked
                roles += Array(repeating: role, count: picked.count)
            }
            guard roles.contains(.fit) && roles.contains(.test) else {
                throw DatasetError.notADataset(ds.root, "too few frames (\(ds.frameCount)) for fit and held-out parts")
            }
            plans.append((indices, roles))
            factorSets.append(try GroundTruthFactors(ds))
        }
        let groups = FactorGroup.allCases.filter { g in factorSets.allSatisfy { $0.values[g] != nil } }
        guard !groups.isEmpty else {
            throw DatasetError.mismatch("no ground-truth factors common to every data set (factors.csv, pose.csv or a synthetic identity in meta.json)")
        }

        let total = plans.map(\.indices.count).reduce(0, +)
        var zValues: [Double] = [], roles: [ProbeRole] = [], heldOutFrames: [Tensor] = []
        var factorRows: [FactorGroup: [Double]] = [:]
        var done = 0
        for (s, ds) in datasets.enumerated() {
            let plan = plans[s]
            for start in Swift.stride(from: 0, to: plan.indices.count, by: 64) {
                let chunk = Array(plan.indices[start..<Swift.min(start + 64, plan.indices.count)])
                let images = Tensor(images: try chunk.map { try ds.frame($0, size: size) })
                zValues += model.encode(images).values.map(Double.init)
                done += chunk.count
                progress(done, total)
            }
            roles += plan.roles
            for g in groups {
                let m = factorSets[s].values[g]!
                for i in plan.indices { factorRows[g, default: []] += m.row(i) }
            }
            if let first = plan.indices.indices.first(where: { plan.roles[$0] == .test }) {
                heldOutFrames.append(Tensor(images: [try ds.frame(plan.indices[first], size: size)]))
            }
        }
        var factors: [FactorGroup: Matrix] = [:], names: [FactorGroup: [String]] = [:]
        for g in groups {
            factors[g] = Matrix(rows: roles.count, columns: factorRows[g]!.count / roles.count, values: factorRows[g]!)
            names[g] = factorSets[0].columns[g]
        }
        let samples = ProbeSamples(z: Matrix(rows: roles.count, columns: model.config.zSemChannels, values: zValues),
                                   factors: factors, factorNames: names, roles: roles,
                                   speakers: datasets.map { $0.root.lastPathComponent })
        return (samples, heldOutFrames)
    }
}

extension Range where Bound == Int {
    func shifted(by offset: Int) -> Range<Int> { (lowerBound + offset)..<(upperBound + offset) }
}
