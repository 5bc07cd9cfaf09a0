import Foundation

/// Mouth shapes (visemes) for espeak-ng's English phoneme mnemonics, and the smooth mouth
/// trajectory a phoneme sequence produces.
public enum Viseme: Int, CaseIterable, Codable, Sendable {
    case rest, bilabial, labiodental, dental, alveolar, postalveolar, velar, approximantR, roundedGlide,
         palatalGlide, openVowel, midVowel, closeFrontVowel, roundedCloseVowel, roundedMidVowel

    /// The mouth this viseme aims for: jaw open, lip width, lip rounding.
    public var target: SIMD3<Float> {
        switch self {
        case .rest: return [0, 0, 0]
        case .bilabial: return [0, 0, 0]
        case .labiodental: return [0.08, 0.1, 0]
        case .dental: return [0.22, 0.2, 0]
        case .alveolar: return [0.18, 0.25, 0]
        case .postalveolar: return [0.16, -0.3, 0.6]
        case .velar: return [0.3, 0.1, 0]
        case .approximantR: return [0.2, -0.2, 0.45]
        case .roundedGlide: return [0.1, -0.7, 0.9]
        case .palatalGlide: return [0.16, 0.5, 0]
        case .openVowel: return [0.95, 0.2, 0]
        case .midVowel: return [0.55, 0.3, 0]
        case .closeFrontVowel: return [0.25, 0.8, 0]
        case .roundedCloseVowel: return [0.25, -0.6, 0.9]
        case .roundedMidVowel: return [0.6, -0.35, 0.7]
        }
    }

    /// How strongly the viseme imposes itself on its neighbours (Cohen–Massaro dominance):
    /// lip closures and rounding must be reached; tongue consonants borrow the lips of the
    /// vowels around them.
    public var dominance: Float {
        switch self {
        case .bilabial: return 6
        case .labiodental, .roundedGlide: return 3
        case .rest: return 1.2
        case .postalveolar, .approximantR, .roundedCloseVowel, .roundedMidVowel: return 1.5
        case .openVowel, .midVowel, .closeFrontVowel: return 1
        case .dental, .alveolar, .velar, .palatalGlide: return 0.4
        }
    }

    /// The viseme of an espeak-ng phoneme mnemonic (stress digits and markers ignored).
    public init(phoneme: String) {
        let core = String(phoneme.filter { !"0123456789#;,'%=".contains($0) })
        if let v = Viseme.table[core] { self = v; return }
        // diphthongs and variants: by their first part
        for length in stride(from: min(2, core.count), through: 1, by: -1) {
            if let v = Viseme.table[String(core.prefix(length))] { self = v; return }
        }
        self = .rest
    }

    private static let table: [String: Viseme] = {
        var t: [String: Viseme] = [:]
        func put(_ v: Viseme, _ names: String) { for n in names.split(separator: " ") { t[String(n)] = v } }
        put(.rest, "_ _: _! _^ _| ||")
        put(.bilabial, "p b m")
        put(.labiodental, "f v")
        put(.dental, "T D")
        put(.alveolar, "t d n l s z t2 d2 n- l/ *")
        put(.postalveolar, "S Z tS dZ")
        put(.velar, "k g N h x ?")
        put(.approximantR, "r r- 3 3: R")
        put(.roundedGlide, "w")
        put(.palatalGlide, "j")
        put(.openVowel, "a a: aa A A: A@ a# aI aU V")
        put(.midVowel, "@ @- @L E e eI e@ 3: I@ I2 @5")
        put(.closeFrontVowel, "i i: I i@ y")
        put(.roundedCloseVowel, "u u: U U@ u@")
        put(.roundedMidVowel, "o o: O O: oU OI 0 O@ o@ aU@")
        return t
    }()
}

/// A phoneme with its span and viseme.
public struct TimedViseme: Sendable {
    public var phoneme: String
    public var viseme: Viseme
    public var start: Double
    public var end: Double
    public var centre: Double { (start + end) / 2 }
}

/// Turns phoneme events into a mouth trajectory with coarticulation: each phoneme's target
/// is weighted by a dominance function that peaks at the phoneme's centre and decays
/// exponentially on both sides (Cohen & Massaro 1993), so lips anticipate upcoming
/// rounding and closures while jaw movements stay smooth.
public struct VisemeTrack: Sendable {
    public let segments: [TimedViseme]

    /// `phonemes` sorted by start; the last one ends at `end`.
    public init(phonemes: [PhonemeEvent], end: Double) {
        var segments: [TimedViseme] = []
        for (i, p) in phonemes.enumerated() {
            let stop = i + 1 < phonemes.count ? phonemes[i + 1].start : max(end, p.start)
            guard stop > p.start else { continue }
            segments.append(TimedViseme(phoneme: p.name, viseme: Viseme(phoneme: p.name), start: p.start, end: stop))
        }
        self.segments = segments
    }

    init(segments: [TimedViseme]) { self.segments = segments }

    /// Jaw open, lip width, lip rounding at time `t` (seconds).
    public func mouth(at t: Double) -> SIMD3<Float> {
        var sum = SIMD3<Float>.zero, weight: Float = 1e-4  // a faint pull towards rest
        // Only nearby segments matter (the dominance is < 1e-3 beyond ~0.4 s).
        var lo = 0, hi = segments.count
        while lo < hi { let mid = (lo + hi) / 2; if segments[mid].end < t - 0.4 { lo = mid + 1 } else { hi = mid } }
        var i = lo
        while i < segments.count && segments[i].start <= t + 0.4 {
            let s = segments[i]
            let halfSpan = Float(s.end - s.start) / 2
            let distance = max(0, Float(abs(t - s.centre)) - halfSpan * 0.5)  // flat top over the middle half
            let tau = halfSpan * 0.6 + 0.02
            let d = s.viseme.dominance * exp(-distance / tau)
            sum += d * s.viseme.target
            weight += d
            i += 1
        }
        return sum / weight
    }

    /// The viseme being spoken at time `t` (rest outside every segment).
    public func viseme(at t: Double) -> Viseme {
        segments.first { $0.start <= t && t < $0.end }?.viseme ?? .rest
    }
}
