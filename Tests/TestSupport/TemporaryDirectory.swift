import Foundation

/// A fresh folder under the system's temporary folder, removed when the value goes away.
public final class TemporaryDirectory {
    public let url: URL

    public init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("TalkingFaceTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Names in the folder (to prove no temporary file was left behind).
    public func contents() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// The committed test fixtures (Tests/Fixtures).
public let fixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The repository's root (Weights/, Scripts/, Examples/ are below it).
public let repositoryDirectory = fixturesDirectory.deletingLastPathComponent().deletingLastPathComponent()

/// Whether the tests were built without optimisation (timing tests then skip).
#if DEBUG
public let isDebugBuild = true
#else
public let isDebugBuild = false
#endif
