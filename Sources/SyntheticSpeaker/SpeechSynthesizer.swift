import CEspeak
import Foundation

/// One phoneme as espeak-ng reports it: its mnemonic (`p`, `aI`, `_:` …) and start time.
public struct PhonemeEvent: Equatable, Sendable {
    public var name: String
    public var start: Double  // seconds from the start of the utterance
}

/// A speech clip with the phoneme timings espeak used to make it.
public struct Utterance: Sendable {
    public var samples: [Float]  // mono, [-1, 1]
    public var sampleRate: Int
    public var phonemes: [PhonemeEvent]  // sorted by start; each ends where the next starts
    public var duration: Double { Double(samples.count) / Double(sampleRate) }
}

/// An espeak-ng voice: a language voice with an optional variant (`en-us+f3`) and prosody.
public struct SpeakerVoice: Codable, Equatable, Sendable {
    public var name: String
    public var rate: Int   // words per minute (espeak default 175)
    public var pitch: Int  // 0…100 (default 50)
    public var range: Int  // pitch range 0…100 (default 50)

    public init(name: String, rate: Int = 165, pitch: Int = 50, range: Int = 50) {
        self.name = name
        self.rate = rate
        self.pitch = pitch
        self.range = range
    }

    /// A small palette of clearly different English voices (accents, male/female variants).
    public static let palette: [SpeakerVoice] = [
        SpeakerVoice(name: "en-us", rate: 160, pitch: 45, range: 55),
        SpeakerVoice(name: "en-us+f3", rate: 170, pitch: 60, range: 70),
        SpeakerVoice(name: "en+m3", rate: 150, pitch: 40, range: 45),  // "en" is British English
        SpeakerVoice(name: "en-gb-scotland+f2", rate: 165, pitch: 65, range: 60),
        SpeakerVoice(name: "en-029+m2", rate: 175, pitch: 35, range: 50),
        SpeakerVoice(name: "en-gb-x-rp+f4", rate: 155, pitch: 55, range: 65),
        SpeakerVoice(name: "en-us+m7", rate: 145, pitch: 30, range: 40),
        SpeakerVoice(name: "en-us-nyc+f1", rate: 180, pitch: 50, range: 75),
    ]
}

public enum SpeechError: Error, CustomStringConvertible {
    case initialisationFailed(String)
    case unknownVoice(String)
    case synthesisFailed(String, code: Int32)

    public var description: String {
        switch self {
        case .initialisationFailed(let path): return "espeak-ng could not start (data path \(path)); install espeak-ng-data"
        case .unknownVoice(let name): return "espeak-ng has no voice named '\(name)' (see `espeak-ng --voices=en`)"
        case .synthesisFailed(let text, let code): return "espeak-ng failed (error \(code)) on: \(text.prefix(60))"
        }
    }
}

/// Speech from libespeak-ng in synchronous mode, with phoneme events.
///
/// libespeak-ng keeps global state and is not thread-safe, so every call goes through one
/// lock; the library is initialised once per process.
public enum SpeechSynthesizer {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var sampleRate: Int32 = 0

    /// Collects what the callback delivers for one `espeak_Synth` call.
    private final class Collector {
        var samples: [Int16] = []
        var events: [(name: String, ms: Int32)] = []
    }

    private static func start() throws {
        let candidates = ["/usr/lib/x86_64-linux-gnu/espeak-ng-data", "/usr/lib/aarch64-linux-gnu/espeak-ng-data",
                          "/usr/share/espeak-ng-data"]
        let dataParent = candidates.first { FileManager.default.fileExists(atPath: $0) }
            .map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        let options = Int32(espeakINITIALIZE_PHONEME_EVENTS) | Int32(espeakINITIALIZE_DONT_EXIT)
        let rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 500, dataParent, options)
        guard rate > 0 else { throw SpeechError.initialisationFailed(dataParent ?? "default") }
        espeak_SetSynthCallback { wav, count, events -> Int32 in
            guard let events, let context = events.pointee.user_data else { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(context).takeUnretainedValue()
            if let wav, count > 0 { collector.samples.append(contentsOf: UnsafeBufferPointer(start: wav, count: Int(count))) }
            var e = events
            while e.pointee.type != espeakEVENT_LIST_TERMINATED {
                if e.pointee.type == espeakEVENT_PHONEME {
                    let name = withUnsafeBytes(of: e.pointee.id.string) { raw in
                        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    collector.events.append((name, e.pointee.audio_position))
                }
                e += 1
            }
            return 0
        }
        sampleRate = rate
    }

    /// The native sample rate of espeak-ng's output (22 050 Hz for its own voices).
    public static func nativeSampleRate() throws -> Int {
        lock.lock(); defer { lock.unlock() }
        if sampleRate == 0 { try start() }
        return Int(sampleRate)
    }

    /// Speaks `text` with `voice`. A fresh process making the same sequence of calls gets the
    /// same samples (see the note on state below).
    public static func speak(_ text: String, voice: SpeakerVoice) throws -> Utterance {
        lock.lock(); defer { lock.unlock() }
        if sampleRate == 0 { try start() }
        guard espeak_SetVoiceByName(voice.name) == EE_OK else { throw SpeechError.unknownVoice(voice.name) }
        espeak_SetParameter(espeakRATE, Int32(voice.rate), 0)
        espeak_SetParameter(espeakPITCH, Int32(voice.pitch), 0)
        espeak_SetParameter(espeakRANGE, Int32(voice.range), 0)

        // libespeak-ng draws noise from libc's rand(); reseeding pins that part down. It also
        // carries a little synthesis state from one call to the next (a few samples of timing),
        // so identical output needs the identical sequence of calls in a fresh process —
        // which is what `talkingface synth` does for a given seed.
        srand(0x5EED)
        let collector = Collector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let status = withExtendedLifetime(collector) {
            text.withCString { cText in
                espeak_Synth(cText, strlen(cText) + 1, 0, POS_CHARACTER, 0,
                             UInt32(espeakCHARS_UTF8), nil, context)
            }
        }
        guard status == EE_OK else { throw SpeechError.synthesisFailed(text, code: Int32(status.rawValue)) }

        let samples = collector.samples.map { Float($0) / 32768 }
        let phonemes = collector.events.map { PhonemeEvent(name: $0.name, start: Double($0.ms) / 1000) }
        return Utterance(samples: samples, sampleRate: Int(sampleRate), phonemes: phonemes)
    }
}
