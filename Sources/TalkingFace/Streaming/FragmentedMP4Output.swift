#if canImport(Glibc)
import Glibc
#endif
import Autodiff
import Foundation
import MediaIO

/// A fragmented MP4 written while the frames are made (ffmpeg fed by pipes: H.264 and AAC,
/// `-movflags frag_keyframe+empty_moov`, a fragment a second), so the file plays while it
/// grows. The speech is muxed as it arrives, in step with the frames: with frame k, the
/// speech up to the end of frame k goes in; the rest when the speech ends. The sound is
/// the 16 kHz mono the model hears.
public final class FragmentedMP4Output: LiveVideoOutput {
    public let url: URL
    public let fps: Double
    private let process: Process
    private let video: Pipe
    private let speech: SpeechPipe
    private var heard: [Float] = []  // speech not yet passed to ffmpeg, from sample `passed` on
    private var passed = 0
    private let samplesPerFrame: Int

    /// Starts ffmpeg writing `url`; frames are `size`×`size` at `fps`.
    public init(url: URL, size: Int, fps: Double, sampleRate: Int = 16000) throws {
        (self.url, self.fps) = (url, fps)
        signal(SIGPIPE, SIG_IGN)  // a reader that quits is an error to report, not a kill
        samplesPerFrame = Int((Double(sampleRate) / fps).rounded())
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("talkingface-speech-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        speech = try SpeechPipe(folder: folder)
        video = Pipe()
        process = Process()
        process.executableURL = try Video.locate("ffmpeg")
        // Small probes: ffmpeg would otherwise read seconds of each input before muxing any.
        let probe = ["-probesize", "32", "-analyzeduration", "0"]
        process.arguments = ["-nostdin", "-v", "error", "-y"] + probe + [
                             "-f", "rawvideo", "-pixel_format", "rgb24", "-video_size", "\(size)x\(size)", "-framerate", String(fps), "-i", "pipe:0"] + probe + [
                             "-f", "s16le", "-ar", String(sampleRate), "-ac", "1", "-i", speech.path.path,
                             "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
                             "-pix_fmt", "yuv420p", "-g", String(Int(fps.rounded())), "-c:a", "aac", "-b:a", "64k",
                             "-movflags", "frag_keyframe+empty_moov+default_base_moof", "-f", "mp4", url.path]
        process.standardInput = video
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.standardError
        try process.run()
    }

    public func hear(_ samples: [Float]) throws { heard += samples }

    public func write(_ batch: Tensor, firstFrame: Int) throws {
        try checkRunning()
        // The speech first: ffmpeg may wait for it before it reads more frames.
        pass(upTo: (firstFrame + batch.size(0)) * samplesPerFrame)
        try writeAll(video.fileHandleForWriting.fileDescriptor, batch.rgb24(), to: "ffmpeg")
    }

    public func finish() throws {
        pass(upTo: passed + heard.count)
        try video.fileHandleForWriting.close()
        speech.close { [process] in process.isRunning }
        process.waitUntilExit()
        speech.remove()
        guard process.terminationStatus == 0 else {
            throw SpeakerError(file: url, "ffmpeg could not write the fragmented MP4 (exit \(process.terminationStatus))")
        }
    }

    /// Hands ffmpeg the speech before sample `end` (as much of it as has been heard).
    private func pass(upTo end: Int) {
        let count = min(heard.count, end - passed)
        guard count > 0 else { return }
        speech.send(pcm16(heard[0..<count]))
        heard.removeFirst(count)
        passed += count
    }

    private func checkRunning() throws {
        guard process.isRunning else {
            throw SpeakerError(file: url, "ffmpeg stopped early (exit \(process.terminationStatus))")
        }
    }

    deinit {
        if process.isRunning { process.terminate() }
        speech.close { false }
        speech.remove()
    }
}

/// A named pipe that ffmpeg reads the speech from, written by a thread of its own: opening
/// it waits for ffmpeg to open the other end, and a write must never hold up the frames.
private final class SpeechPipe: @unchecked Sendable {
    let folder: URL
    let path: URL
    private let condition = NSCondition()
    private var queue: [[UInt8]] = []
    private var closed = false
    private let done = DispatchSemaphore(value: 0)

    init(folder: URL) throws {
        self.folder = folder
        path = folder.appendingPathComponent("speech.pcm")
        guard mkfifo(path.path, 0o600) == 0 else {
            throw SpeakerError(file: path, "cannot make a named pipe: \(String(cString: strerror(errno)))")
        }
        Thread.detachNewThread { [self] in run() }
    }

    func send(_ bytes: [UInt8]) {
        condition.lock()
        queue.append(bytes)
        condition.signal()
        condition.unlock()
    }

    /// No more speech: the thread writes what is queued, closes the pipe and ends. Should
    /// the reader be gone (`readerAlive` false) before it opened the pipe, the thread is
    /// let go by opening the reading end here.
    func close(readerAlive: () -> Bool) {
        condition.lock()
        let first = !closed
        closed = true
        condition.signal()
        condition.unlock()
        guard first else { return }
        while done.wait(timeout: .now() + 0.2) == .timedOut {
            guard !readerAlive() else { continue }
            let reader = open(path.path, O_RDONLY | O_NONBLOCK)
            if reader >= 0 { Glibc.close(reader) }
        }
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    private func run() {
        defer { done.signal() }
        let descriptor = open(path.path, O_WRONLY)  // waits for ffmpeg
        guard descriptor >= 0 else { return }
        defer { Glibc.close(descriptor) }
        var broken = false
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            let batch = queue
            queue = []
            let last = closed
            condition.unlock()
            for bytes in batch where !broken {
                do { try writeAll(descriptor, bytes, to: "ffmpeg's speech pipe") } catch { broken = true }
            }
            if last { return }
        }
    }
}

/// Speech samples in [−1, 1] as 16-bit little-endian PCM bytes.
private func pcm16(_ samples: ArraySlice<Float>) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: samples.count * 2)
    for (i, sample) in samples.enumerated() {
        let value = UInt16(bitPattern: Int16(Swift.max(-32768, Swift.min(32767, (sample * 32768).rounded()))))
        bytes[2 * i] = UInt8(value & 0xFF)
        bytes[2 * i + 1] = UInt8(value >> 8)
    }
    return bytes
}
