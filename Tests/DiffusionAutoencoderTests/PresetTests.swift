import DiffusionAutoencoder
import Foundation
import XCTest

/// Presets against DiffAE's own models (Tests/Fixtures/make_diffae_shapes.py, which builds
/// phizaz/diffae's BeatGANsAutoencModel): keys, shapes and parameter counts.
final class PresetTests: XCTestCase {
    struct Reference: Decodable {
        let unet: Int, encoder: Int, keys: Int
        let shapes: [String: [Int]]?
    }

    static func references() throws -> [String: Reference] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/diffae_shapes.json")
        return try JSONDecoder().decode([String: Reference].self, from: Data(contentsOf: url))
    }

    func testFFHQ64HasDiffAEKeysAndShapesOneToOne() throws {
        let reference = try XCTUnwrap(Self.references()["ffhq64"])
        let model = DiffAE(preset: .ffhq64)
        let shapes = Dictionary(uniqueKeysWithValues: model.namedState().map { ($0.0, $0.1.shape) })
        XCTAssertEqual(shapes.count, reference.keys)
        XCTAssertEqual(shapes, reference.shapes)
        XCTAssertEqual(model.parameterCounts.unet, reference.unet)       // 71.5M
        XCTAssertEqual(model.parameterCounts.encoder, reference.encoder) // 19.3M
    }

    func testLargerDiffAEPresetCountsAnalytically() throws {
        // Building ffhq128/256 would take 0.5–0.7 GB; the counting rule is checked against
        // real models here and then applied to the DiffAE shapes.
        for preset in [DiffAEPreset.tiny, .cpu64, .cpu128] {
            let model = DiffAE(preset: preset)
            let counted = analyticCounts(preset.config)
            XCTAssertEqual(counted.unet, model.parameterCounts.unet, "\(preset)")
            XCTAssertEqual(counted.encoder, model.parameterCounts.encoder, "\(preset)")
        }
        let references = try Self.references()
        for preset in [DiffAEPreset.ffhq64, .ffhq128, .ffhq256] {
            let reference = try XCTUnwrap(references[preset.rawValue])
            let counted = analyticCounts(preset.config)
            XCTAssertEqual(counted.unet, reference.unet, "\(preset) UNet")
            XCTAssertEqual(counted.encoder, reference.encoder, "\(preset) encoder")
        }
    }

    /// Parameter counts from the architecture's arithmetic (DiffAE `model/unet.py`).
    private func analyticCounts(_ c: DiffAEConfig) -> (unet: Int, encoder: Int) {
        func norm(_ ch: Int) -> Int { 2 * ch }
        func conv(_ i: Int, _ o: Int, _ k: Int) -> Int { o * i * k * k + o }
        func linear(_ i: Int, _ o: Int) -> Int { o * i + o }
        func res(_ i: Int, _ o: Int, conditioned: Bool) -> Int {
            var n = norm(i) + conv(i, o, 3) + (i == o ? 0 : conv(i, o, 1))
            if conditioned { n += linear(c.embedChannels, 2 * o) + linear(c.zSemChannels, o) + norm(o) + conv(o, o, 3) }
            return n
        }
        func attention(_ ch: Int) -> Int { norm(ch) + conv(ch, 3 * ch, 1) + conv(ch, ch, 1) }

        var unet = linear(c.channels, c.embedChannels) + linear(c.embedChannels, c.embedChannels)
        var ch = c.channelMult[0] * c.channels
        unet += conv(3, ch, 3)
        var skips: [[Int]] = Array(repeating: [], count: c.channelMult.count)
        skips[0].append(ch)
        var resolution = c.imageSize
        for (level, mult) in c.channelMult.enumerated() {
            for _ in 0..<c.resBlocks {
                unet += res(ch, mult * c.channels, conditioned: true)
                ch = mult * c.channels
                if c.attentionResolutions.contains(resolution) { unet += attention(ch) }
                skips[level].append(ch)
            }
            if level != c.channelMult.count - 1 {
                unet += res(ch, ch, conditioned: true)
                skips[level + 1].append(ch)
                resolution /= 2
            }
        }
        unet += 2 * res(ch, ch, conditioned: true) + attention(ch)
        for (level, mult) in c.channelMult.enumerated().reversed() {
            for i in 0...c.resBlocks {
                unet += res(ch + (skips[level].popLast() ?? 0), mult * c.channels, conditioned: true)
                ch = mult * c.channels
                if c.attentionResolutions.contains(resolution) { unet += attention(ch) }
                if level > 0 && i == c.resBlocks {
                    unet += res(ch, ch, conditioned: true)
                    resolution *= 2
                }
            }
        }
        unet += norm(ch) + conv(c.channelMult[0] * c.channels, 3, 3)

        ch = c.encoderChannelMult[0] * c.channels
        var encoder = conv(3, ch, 3)
        resolution = c.imageSize
        for (level, mult) in c.encoderChannelMult.enumerated() {
            for _ in 0..<c.encoderResBlocks {
                encoder += res(ch, mult * c.channels, conditioned: false)
                ch = mult * c.channels
                if c.attentionResolutions.contains(resolution) { encoder += attention(ch) }
            }
            if level != c.encoderChannelMult.count - 1 {
                encoder += res(ch, ch, conditioned: false)
                resolution /= 2
            }
        }
        encoder += 2 * res(ch, ch, conditioned: false) + attention(ch) + norm(ch) + conv(ch, c.zSemChannels, 1)
        return (unet, encoder)
    }
}
