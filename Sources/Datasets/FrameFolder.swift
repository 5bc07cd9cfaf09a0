import Foundation
import MediaIO

/// A data set's `frames/` folder, checked before anything trains on it: PNG files
/// `00000.png, 00001.png, …` without a gap, every one a PNG of the same size. (A gap would
/// otherwise cut the data set short without a word, and a frame of another size would stop
/// a batch halfway through training.)
public struct FrameFolder {
    public let url: URL
    public let count: Int
    /// Size of every frame, from the PNG headers.
    public let width: Int, height: Int

    /// Scans `url`: file names, then each frame's PNG header (24 bytes; no pixels decoded).
    /// Throws `DatasetError.invalid` naming the first missing frame, the first file named
    /// like a frame that is not one, or the first frame whose size differs from `00000.png`'s;
    /// `.notAFolder` when `url` is a file and `.unreadable` when it does not exist.
    public init(_ url: URL) throws {
        self.url = url
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) else {
            throw DatasetError.unreadable(url, "no such folder (expected PNG frames 00000.png, 00001.png, …)")
        }
        guard isFolder.boolValue else { throw DatasetError.notAFolder(url, holding: "PNG frames") }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: url.path) } catch {
            throw DatasetError.unreadable(url, "cannot list the folder: \(error.localizedDescription)")
        }
        var numbers: [Int] = []
        for name in names {
            let stem = (name as NSString).deletingPathExtension
            guard !stem.isEmpty, stem.allSatisfy(\.isASCII), stem.allSatisfy(\.isNumber), let number = Int(stem) else { continue }
            guard name == Video.frameName(number) else {
                throw DatasetError.invalid(url.appendingPathComponent(name), key: "frame \(number)",
                                           "named like a frame, but frames are PNG files named 00000.png, 00001.png, … (this one would be \(Video.frameName(number)))")
            }
            numbers.append(number)
        }
        numbers.sort()
        if let gap = numbers.enumerated().first(where: { $0.offset != $0.element }) {
            throw DatasetError.invalid(url.appendingPathComponent(Video.frameName(gap.offset)), key: "frame \(gap.offset)",
                                       "missing, but \(Video.frameName(gap.element)) exists; frames must be numbered without gaps")
        }
        count = numbers.count
        guard count > 0 else { (width, height) = (0, 0); return }
        let first = try Self.pngSize(url.appendingPathComponent(Video.frameName(0)), frame: 0)
        (width, height) = first
        for i in 1..<count {
            let size = try Self.pngSize(url.appendingPathComponent(Video.frameName(i)), frame: i)
            guard size == first else {
                throw DatasetError.invalid(url.appendingPathComponent(Video.frameName(i)), key: "frame \(i)",
                                           "\(size.width)×\(size.height) pixels, but 00000.png is \(first.width)×\(first.height); all frames must have one size")
            }
        }
    }

    /// Width and height from a PNG's signature and IHDR chunk.
    static func pngSize(_ file: URL, frame: Int) throws -> (width: Int, height: Int) {
        let header: Data
        do {
            let handle = try FileHandle(forReadingFrom: file)
            defer { try? handle.close() }
            header = try handle.read(upToCount: 24) ?? Data()
        } catch {
            throw DatasetError.invalid(file, key: "frame \(frame)", "cannot be read: \(error.localizedDescription)")
        }
        let bytes = [UInt8](header)
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count == 24, Array(bytes[0..<8]) == signature, Array(bytes[12..<16]) == Array("IHDR".utf8) else {
            throw DatasetError.invalid(file, key: "frame \(frame)", "not a PNG file")
        }
        func bigEndian(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        let width = bigEndian(16), height = bigEndian(20)
        guard width > 0, height > 0, width <= DatasetMeta.maxImageSide, height <= DatasetMeta.maxImageSide else {
            throw DatasetError.invalid(file, key: "frame \(frame)", "\(width)×\(height) pixels; sides must be in 1…\(DatasetMeta.maxImageSide)")
        }
        return (width, height)
    }
}
