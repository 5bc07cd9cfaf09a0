/// A model configuration that can say whether it builds a sane model. `Checkpoint.config`
/// calls `validate()` on every configuration it reads, before anything is allocated: a
/// file with 0 heads or a million channels gets an error naming the setting, not a
/// division by zero or a huge allocation.
public protocol ValidatableConfig {
    /// Throws naming the first setting that cannot build a model (a `ConfigError`, or the
    /// module's own error type).
    func validate() throws
}

/// One bad configuration setting: its key and why.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let key: String
    public let reason: String

    public init(key: String, _ reason: String) {
        self.key = key
        self.reason = reason
    }

    public var description: String { "'\(key)': \(reason)" }
}
