/// Frame numbers for a message: all of them up to ten, then the first ten and the count.
enum FrameList {
    static func describe(_ frames: [Int]) -> String {
        let shown = frames.prefix(10).map(String.init).joined(separator: ", ")
        return frames.count > 10 ? "\(frames.count) frames: \(shown), …" : "\(frames.count) frame\(frames.count == 1 ? "" : "s"): \(shown)"
    }
}
