import ArgumentParser

/// Range checks of numeric options for the commands' `validate()`. Each error names the
/// option as typed and the value given: "--steps must be at least 1 (got -1)".
///
/// Numeric options (and options such as `--frames -1:3`) are declared with
/// `@Option(parsing: .unconditional)`, so a value that starts with "-" is read as the value
/// instead of as the next option; these checks then say what is wrong with it.
enum OptionRange {
    /// A whole-number option at least `minimum` (and at most `maximum`, when given); nil (not
    /// given) passes. `why` is added after the range, for a minimum that needs explaining.
    static func check(_ option: String, _ value: Int?, atLeast minimum: Int, atMost maximum: Int? = nil,
                      why: String? = nil) throws {
        guard let value else { return }
        guard value < minimum || value > (maximum ?? .max) else { return }
        let range = maximum.map { "in \(minimum)…\($0)" } ?? "at least \(minimum)"
        throw ValidationError("\(option) must be \(range) (got \(value))" + (why.map { ": \($0)" } ?? ""))
    }

    /// A real-number option: finite, above (or from) `lower` and below (or up to) `upper`, when
    /// given; nil (not given) passes.
    static func check<Real: BinaryFloatingPoint>(_ option: String, _ value: Real?, _ lower: Bound<Real>,
                                                 _ upper: Bound<Real>? = nil) throws {
        guard let value else { return }
        guard !(value.isFinite && lower.admitsFromBelow(value) && (upper?.admitsFromAbove(value) ?? true)) else { return }
        let range = [lower.fromBelow, upper?.fromAbove].compactMap { $0 }.joined(separator: " and ")
        throw ValidationError("\(option) must be a number \(range) (got \(value))")
    }

    /// One end of a real option's range: the end itself allowed or not.
    enum Bound<Real: BinaryFloatingPoint> {
        case above(Real), atLeast(Real)
        case below(Real), atMost(Real)

        func admitsFromBelow(_ value: Real) -> Bool {
            switch self {
            case .above(let end): value > end
            case .atLeast(let end): value >= end
            case .below, .atMost: true
            }
        }

        func admitsFromAbove(_ value: Real) -> Bool {
            switch self {
            case .below(let end): value < end
            case .atMost(let end): value <= end
            case .above, .atLeast: true
            }
        }

        var fromBelow: String? {
            switch self {
            case .above(let end): "above \(end.shortText)"
            case .atLeast(let end): "at least \(end.shortText)"
            case .below, .atMost: nil
            }
        }

        var fromAbove: String? {
            switch self {
            case .below(let end): "below \(end.shortText)"
            case .atMost(let end): "at most \(end.shortText)"
            case .above, .atLeast: nil
            }
        }
    }

    /// DDIM steps (decoding or inversion), spaced over the 1000-step diffusion. One step samples
    /// t = 0 alone: a decode gives back its start noise almost as it is, and an inversion makes
    /// no move (each frame is its own x_T). Two is the fewest that work.
    static func checkDDIMSteps(_ value: Int?) throws {
        try check("--steps", value, atLeast: 2, atMost: 1000,
                  why: value == 1 ? "one DDIM step samples t = 0 alone, which neither adds nor removes noise" : nil)
    }
}

private extension BinaryFloatingPoint {
    /// 0 and 1 rather than 0.0 and 1.0.
    var shortText: String {
        self == rounded() && abs(self) < 1e15 ? String(Int64(self)) : "\(Double(self))"
    }
}
