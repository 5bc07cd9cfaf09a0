import CPNG
import Foundation

/// An 8-bit image with interleaved channels (1 = gray, 3 = RGB, 4 = RGBA), rows top to bottom.
///
/// This is the I/O form of a frame. The pipeline computes on Float32 (see the TalkingFace
/// module's `RGBImage` and its NCHW `Tensor` conversion); bytes appear only at the file boundary.
public struct Image8: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]  // (H, W, C)

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition([1, 3, 4].contains(channels), "channels must be 1, 3 or 4, not \(channels)")
        precondition(pixels.count == width * height * channels, "\(pixels.count) bytes do not fill \(width)x\(height)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public init(width: Int, height: Int, channels: Int, repeating value: UInt8 = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// The same picture as RGB: gray is replicated, alpha is dropped.
    public func rgb() -> Image8 {
        if channels == 3 { return self }
        var out = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            for c in 0..<3 { out[3 * i + c] = pixels[channels * i + (channels == 1 ? 0 : c)] }
        }
        return Image8(width: width, height: height, channels: 3, pixels: out)
    }
}

public enum PNGError: Error, CustomStringConvertible {
    case unreadable(URL, String)
    case unwritable(URL, String)

    public var description: String {
        switch self {
        case .unreadable(let url, let why): return "cannot read PNG \(url.path): \(why)"
        case .unwritable(let url, let why): return "cannot write PNG \(url.path): \(why)"
        }
    }
}

/// PNG through libpng's simplified API (`png_image`): any PNG in, 8-bit gray/RGB/RGBA out.
public enum PNG {
    // libpng's format flags (png.h): the composite macros are not imported into Swift.
    private static let flagAlpha: UInt32 = 0x01
    private static let flagColor: UInt32 = 0x02
    private static let flag16BitSRGB = UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)

    private static func format(channels: Int) -> UInt32 {
        switch channels {
        case 1: return 0
        case 3: return flagColor
        default: return flagColor | flagAlpha
        }
    }

    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Reads any PNG (palette, 16-bit, interlaced …) converted to 8 bits with `channels`
    /// channels, or with the file's own channel count (gray 1, colour 3, with alpha 4) when nil.
    /// The largest width or height `read` accepts.
    public static let maximumSide = 8192

    public static func read(_ url: URL, channels: Int? = nil) throws -> Image8 {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw PNGError.unreadable(url, error.localizedDescription) }
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        let began = data.withUnsafeBytes { raw in
            png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count)
        }
        guard began != 0 else { throw PNGError.unreadable(url, message(image)) }
        defer { png_image_free(&image) }
        // A 16-bit file without gAMA/sRGB chunks holds sRGB values like an 8-bit one (what
        // image tools write); libpng would otherwise take them as linear and brighten them.
        image.flags |= flag16BitSRGB

        let fileChannels = (image.format & flagColor != 0 ? 3 : 1) + (image.format & flagAlpha != 0 ? 1 : 0)
        let outChannels = channels ?? (fileChannels == 2 ? 4 : fileChannels)  // gray+alpha → RGBA
        precondition([1, 3, 4].contains(outChannels), "channels must be 1, 3 or 4")
        image.format = format(channels: outChannels)
        let width = Int(image.width), height = Int(image.height)
        // a header can claim any size; a frame beyond 8K × 8K is no frame of ours, and its
        // pixels would be allocated before the data turns out to be missing
        guard width <= PNG.maximumSide, height <= PNG.maximumSide else {
            throw PNGError.unreadable(url, "its header claims \(width)×\(height) pixels, more than \(PNG.maximumSide) a side")
        }
        var pixels = [UInt8](repeating: 0, count: width * height * outChannels)
        let finished = pixels.withUnsafeMutableBytes { raw in
            png_image_finish_read(&image, nil, raw.baseAddress, Int32(width * outChannels), nil)
        }
        guard finished != 0 else { throw PNGError.unreadable(url, message(image)) }
        return Image8(width: width, height: height, channels: outChannels, pixels: pixels)
    }

    /// Encodes to PNG bytes. No time stamps or other metadata: equal pixels give equal bytes.
    public static func encode(_ picture: Image8) throws -> Data {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(picture.width)
        image.height = UInt32(picture.height)
        image.format = format(channels: picture.channels)
        let stride = Int32(picture.width * picture.channels)
        var size = 0
        return try picture.pixels.withUnsafeBytes { raw -> Data in
            // First call measures, second call writes.
            guard png_image_write_to_memory(&image, nil, &size, 0, raw.baseAddress, stride, nil) != 0 else {
                throw PNGError.unwritable(URL(fileURLWithPath: "<memory>"), message(image))
            }
            var bytes = Data(count: size)
            let ok = bytes.withUnsafeMutableBytes { out in
                png_image_write_to_memory(&image, out.baseAddress, &size, 0, raw.baseAddress, stride, nil)
            }
            guard ok != 0 else { throw PNGError.unwritable(URL(fileURLWithPath: "<memory>"), message(image)) }
            return bytes.prefix(size)
        }
    }

    /// Writes atomically: a temporary file in the same folder, then a rename, so a reader
    /// never sees half a frame.
    public static func write(_ picture: Image8, to url: URL) throws {
        let bytes: Data
        do { bytes = try encode(picture) } catch { throw PNGError.unwritable(url, "\(error)") }
        do { try bytes.writeAtomically(to: url) } catch {
            throw PNGError.unwritable(url, error.localizedDescription)
        }
    }
}
