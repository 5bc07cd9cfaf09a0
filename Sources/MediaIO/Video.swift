import Foundation

public enum VideoError: Error, CustomStringConvertible {
    case toolMissing(String)
    case toolFailed(tool: String, status: Int32, message: String)
    case noFrames(URL)

    public var description: String {
        switch self {
        case .toolMissing(let tool):
            return "\(tool) was not found on PATH; install it (Debian: sudo apt-get install ffmpeg) or pass a folder of PNG frames instead of a video"
        case .toolFailed(let tool, let status, let message):
            return "\(tool) failed (exit \(status)): \(message.trimmingCharacters(in: .whitespacesAndNewlines))"
        case .noFrames(let url):
            return "no frames found in \(url.path)"
        }
    }
}

/// Video through the ffmpeg command-line tools (no libav linking): frames are PNG files
/// named `00000.png, 00001.png, …`, the layout of a speaker data set (docs/architecture.md §10).
public enum Video {
    /// The frame file name for index `i` (five digits, from 0).
    public static func frameName(_ i: Int) -> String { String(format: "%05d.png", i) }

    /// The executable `name` from PATH, or `VideoError.toolMissing`.
    public static func locate(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw VideoError.toolMissing(name)
    }

    /// Whether ffmpeg is on PATH.
    public static var isAvailable: Bool { (try? locate("ffmpeg")) != nil }

    /// Runs a tool, returns its standard output; a non-zero exit throws with its stderr.
    @discardableResult
    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = try locate(tool)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // Drain stderr concurrently so a chatty tool never blocks on a full pipe.
        final class Box: @unchecked Sendable { var data = Data() }
        let errors = Box(), drained = DispatchGroup()
        DispatchQueue.global().async(group: drained) { errors.data = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        drained.wait()
        let errData = errors.data
        guard process.terminationStatus == 0 else {
            throw VideoError.toolFailed(tool: tool, status: process.terminationStatus,
                                        message: String(decoding: errData.suffix(2000), as: UTF8.self))
        }
        return String(decoding: outData, as: UTF8.self)
    }

    /// The average frame rate of the first video stream (ffprobe).
    public static func frameRate(of video: URL) throws -> Double {
        let text = try run("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries",
                                       "stream=avg_frame_rate", "-of", "default=nw=1:nk=1", video.path])
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "/").compactMap { Double($0) }
        guard let num = parts.first, num > 0 else {
            throw VideoError.toolFailed(tool: "ffprobe", status: 0, message: "no frame rate in \(video.path): \(text)")
        }
        return parts.count == 2 && parts[1] > 0 ? num / parts[1] : num
    }

    /// Decodes the frames of `video` into `folder` as `00000.png …` (folder created if needed):
    /// each decoded frame exactly once (no duplication or dropping), or resampled to
    /// `frameRate`. Returns the frame count.
    @discardableResult
    public static func extractFrames(from video: URL, to folder: URL, frameRate: Double? = nil) throws -> Int {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Every frame as stored, or (with `frameRate`) ffmpeg's fps filter: the frame nearest each
        // 1/frameRate tick, dropped or repeated, so the length in seconds stays the same.
        let timing = frameRate.map { ["-vf", "fps=\($0)"] } ?? ["-fps_mode", "passthrough"]
        try run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", video.path] + timing +
                          ["-start_number", "0", "-pix_fmt", "rgb24", folder.appendingPathComponent("%05d.png").path])
        let count = try frameCount(in: folder)
        guard count > 0 else { throw VideoError.noFrames(folder) }
        return count
    }

    /// The first audio stream of `video` as a mono 16-bit WAV at `sampleRate`.
    public static func extractAudio(from video: URL, to wav: URL, sampleRate: Int = 16000) throws {
        try run("ffmpeg", ["-nostdin", "-v", "error", "-y", "-i", video.path, "-vn", "-ac", "1",
                           "-ar", String(sampleRate), "-c:a", "pcm_s16le", wav.path])
    }

    /// Whether `video` has an audio stream (ffprobe).
    public static func hasAudio(_ video: URL) throws -> Bool {
        let text = try run("ffprobe", ["-v", "error", "-select_streams", "a", "-show_entries", "stream=index",
                                       "-of", "csv=p=0", video.path])
        return !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// Number of consecutive frames `00000.png, 00001.png, …` in `folder`.
    public static func frameCount(in folder: URL) throws -> Int {
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: folder.path))
        var n = 0
        while names.contains(frameName(n)) { n += 1 }
        return n
    }

    /// Encodes `00000.png …` in `folder` at `fps` into an H.264 MP4 (yuv420p, plays anywhere),
    /// with `audio` muxed as AAC when given. Written to a temporary name, then renamed.
    public static func encode(framesIn folder: URL, fps: Double, audio: URL? = nil, to output: URL, quality crf: Int = 18) throws {
        guard try frameCount(in: folder) > 0 else { throw VideoError.noFrames(folder) }
        let partial = output.deletingLastPathComponent().appendingPathComponent(".\(output.lastPathComponent).partial.mp4")
        var args = ["-nostdin", "-v", "error", "-y", "-framerate", String(fps), "-start_number", "0",
                    "-i", folder.appendingPathComponent("%05d.png").path]
        if let audio { args += ["-i", audio.path] }
        // Even sizes are required by yuv420p; pad by one pixel when odd.
        args += ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-crf", String(crf)]
        if audio != nil { args += ["-c:a", "aac", "-b:a", "128k", "-shortest"] }
        args.append(partial.path)
        do { try run("ffmpeg", args) } catch {
            try? FileManager.default.removeItem(at: partial)
            throw error
        }
        _ = try? FileManager.default.removeItem(at: output)
        try FileManager.default.moveItem(at: partial, to: output)
    }
}
