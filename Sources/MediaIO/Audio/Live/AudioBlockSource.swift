/// Mono audio at a fixed rate, handed out block by block until it ends: a whole file
/// (`AudioStream`) or speech still arriving (`LiveAudioStream`).
public protocol AudioBlockSource: AnyObject {
    /// Rate of the returned samples.
    var sampleRate: Int { get }
    /// The next block (possibly waiting for it to arrive), nil after the end.
    func nextBlock() throws -> [Float]?
}

extension AudioStream: AudioBlockSource {}
