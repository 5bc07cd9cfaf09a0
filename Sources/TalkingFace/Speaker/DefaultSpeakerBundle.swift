import Foundation

/// Where the shipped speaker bundle (`Weights/default`) is found when a command names none,
/// so that the tool works from any folder. The places, in order:
///
/// 1. `$TALKINGFACE_WEIGHTS/default`: the variable names a Weights folder;
/// 2. `Weights/default`, or `share/talkingface/Weights/default`, in the folder of the running
///    executable (symlinks resolved) and in each folder above it: this finds the package's
///    bundle from `.build/release/talkingface` and an install prefix's from `bin/talkingface`;
/// 3. `Weights/default` in the current folder.
///
/// The first that is a folder wins; `Speaker(bundle:)` then checks its files.
public enum DefaultSpeakerBundle {
    /// Names a Weights folder, the one holding `default/`.
    public static let weightsVariable = "TALKINGFACE_WEIGHTS"
    static let weightsFolder = "Weights"
    static let bundleName = "default"
    /// Where an install prefix keeps its Weights folder.
    static let installedWeights = "share/talkingface/Weights"

    /// The places looked at, in order (see the type's comment).
    public static func candidates(environment: [String: String], executable: URL?, currentDirectory: URL) -> [URL] {
        var places: [URL] = []
        if let weights = environment[weightsVariable], !weights.isEmpty {
            places.append(URL(fileURLWithPath: weights, relativeTo: currentDirectory).appendingPathComponent(bundleName))
        }
        for folder in folders(from: executable?.deletingLastPathComponent()) {
            places.append(folder.appendingPathComponent(weightsFolder).appendingPathComponent(bundleName))
            places.append(folder.appendingPathComponent(installedWeights).appendingPathComponent(bundleName))
        }
        places.append(currentDirectory.appendingPathComponent(weightsFolder).appendingPathComponent(bundleName))
        var seen = Set<String>()
        return places.map(\.standardizedFileURL).filter { seen.insert($0.path).inserted }
    }

    /// The first candidate that is a folder; throws, saying where it looked, if none is.
    public static func locate(environment: [String: String] = ProcessInfo.processInfo.environment,
                              executable: URL? = runningExecutable,
                              currentDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
        throws -> URL {
        let places = candidates(environment: environment, executable: executable, currentDirectory: currentDirectory)
        var isDirectory: ObjCBool = false
        if let found = places.first(where: { FileManager.default.fileExists(atPath: $0.path, isDirectory: &isDirectory) && isDirectory.boolValue }) {
            return found
        }
        let variable = environment[weightsVariable].map { "\(weightsVariable) is \($0)" } ?? "\(weightsVariable) is unset"
        throw SpeakerError(file: nil, """
            no default speaker bundle (\(variable)); looked in
            \(places.map { "  \($0.path)" }.joined(separator: "\n"))
            Set \(weightsVariable) to a Weights folder that holds \(bundleName)/ (\(Speaker.files.joined(separator: ", "))), \
            or name a speaker bundle.
            """)
    }

    /// This process's executable, symlinks resolved (nil if it cannot be told).
    public static var runningExecutable: URL? {
        #if os(Linux)
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        #endif
        return Bundle.main.executableURL?.resolvingSymlinksInPath()
    }

    /// `folder` and each folder above it, up to the root.
    static func folders(from folder: URL?) -> [URL] {
        guard var folder = folder?.standardizedFileURL else { return [] }
        var out = [folder]
        while folder.path != "/" {
            let parent = folder.deletingLastPathComponent().standardizedFileURL
            if parent.path == folder.path { break }
            folder = parent
            out.append(folder)
        }
        return out
    }
}
