import NeuralNetworks

extension DiffAEConfig: ValidatableConfig {
    /// Largest image side, channel width (base × multiplier), embedding width and UNet depth
    /// accepted: far above every preset (ffhq256: 256 px, 512 channels, 6 levels), far below
    /// what would exhaust memory while the model is built.
    public static let maxImageSize = 1024, maxWidth = 2048, maxEmbedding = 4096, maxLevels = 8, maxResBlocks = 16
    /// Upper bound on the weights of the ResBlock convolutions (4 GB as float32).
    public static let maxConvolutionWeights = 1 << 30

    /// Throws a `ConfigError` naming the first setting (by its JSON key) that cannot build
    /// a model: nothing is allocated before every width, head split and group split is known
    /// to work.
    public func validate() throws {
        func check(_ ok: Bool, _ key: CodingKeys, _ reason: @autoclosure () -> String) throws {
            if !ok { throw ConfigError(key: key.stringValue, reason()) }
        }
        try check(imageSize >= 1 && imageSize <= Self.maxImageSize, .imageSize, "\(imageSize) must be in 1…\(Self.maxImageSize)")
        try check(channels >= 1 && channels <= Self.maxWidth, .channels, "\(channels) must be in 1…\(Self.maxWidth)")
        for (key, mults) in [(CodingKeys.channelMult, channelMult), (.encoderChannelMult, encoderChannelMult)] {
            try check(!mults.isEmpty && mults.count <= Self.maxLevels, key, "\(mults.count) levels; must be 1…\(Self.maxLevels)")
            for mult in mults {
                try check(mult >= 1 && mult <= Self.maxWidth / channels, key,
                          "multiplier \(mult) must be in 1…\(Self.maxWidth / channels) (\(channels) channels × multiplier ≤ \(Self.maxWidth))")
            }
            let levels = mults.count
            try check(imageSize % (1 << (levels - 1)) == 0, key,
                      "\(levels) levels halve the image \(levels - 1) times, but imageSize \(imageSize) is not divisible by \(1 << (levels - 1))")
        }
        try check(resBlocks >= 1 && resBlocks <= Self.maxResBlocks, .resBlocks, "\(resBlocks) must be in 1…\(Self.maxResBlocks)")
        try check(encoderResBlocks >= 1 && encoderResBlocks <= Self.maxResBlocks, .encoderResBlocks,
                  "\(encoderResBlocks) must be in 1…\(Self.maxResBlocks)")
        try check(attentionResolutions.allSatisfy { $0 >= 1 }, .attentionResolutions, "\(attentionResolutions) must all be positive")
        try check(embedChannels >= 1 && embedChannels <= Self.maxEmbedding, .embedChannels, "\(embedChannels) must be in 1…\(Self.maxEmbedding)")
        try check(zSemChannels >= 1 && zSemChannels <= Self.maxEmbedding, .zSemChannels, "\(zSemChannels) must be in 1…\(Self.maxEmbedding)")
        try check(attentionHeads >= 1, .attentionHeads, "\(attentionHeads) must be at least 1")
        try check(dropout >= 0 && dropout < 1, .dropout, "\(dropout) must be in [0, 1)")

        let layout = layoutWidths()
        for width in layout.attention {
            try check(width % attentionHeads == 0, .attentionHeads, "\(attentionHeads) heads do not split the \(width) channels of an attention block")
        }
        for width in layout.normalized where width % min(32, width) != 0 {
            try check(false, .channels, "a block sees \(width) channels, which GroupNorm cannot split into \(min(32, width)) groups; use multiples of 32")
        }
        try check(layout.convolutionWeights <= Self.maxConvolutionWeights, .channels,
                  "the model would hold \(layout.convolutionWeights) convolution weights (limit \(Self.maxConvolutionWeights)); use fewer channels, levels or blocks")
    }

    /// The channel counts every GroupNorm and attention block of the UNet and the encoder
    /// sees, and the ResBlock convolution weights, walking the layout `DiffAE.init` and
    /// `SemanticEncoder.init` build (only counting, nothing allocated).
    private func layoutWidths() -> (normalized: Set<Int>, attention: Set<Int>, convolutionWeights: Int) {
        var normalized = Set<Int>(), attention = Set<Int>(), weights = 0
        func resBlock(_ from: Int, _ to: Int) {
            normalized.formUnion([from, to])
            weights += 9 * from * to + 9 * to * to + (from == to ? 0 : from * to)
        }
        // UNet, down: a skip width per input block, taken back by the output blocks.
        var ch = channelMult[0] * channels, resolution = imageSize
        var skips: [[Int]] = Array(repeating: [], count: channelMult.count)
        skips[0].append(ch)
        for (level, mult) in channelMult.enumerated() {
            for _ in 0..<resBlocks {
                resBlock(ch, mult * channels)
                ch = mult * channels
                if attentionResolutions.contains(resolution) { attention.insert(ch) }
                skips[level].append(ch)
            }
            if level != channelMult.count - 1 {
                resolution /= 2
                resBlock(ch, ch)
                skips[level + 1].append(ch)
            }
        }
        resBlock(ch, ch)
        attention.insert(ch)
        resBlock(ch, ch)
        for (level, mult) in channelMult.enumerated().reversed() {
            for i in 0...resBlocks {
                resBlock(ch + (skips[level].popLast() ?? 0), mult * channels)
                ch = mult * channels
                if attentionResolutions.contains(resolution) { attention.insert(ch) }
                if level > 0 && i == resBlocks {
                    resolution *= 2
                    resBlock(ch, ch)
                }
            }
        }
        // Encoder.
        ch = encoderChannelMult[0] * channels
        resolution = imageSize
        for (level, mult) in encoderChannelMult.enumerated() {
            for _ in 0..<encoderResBlocks {
                resBlock(ch, mult * channels)
                ch = mult * channels
                if attentionResolutions.contains(resolution) { attention.insert(ch) }
            }
            if level != encoderChannelMult.count - 1 {
                resolution /= 2
                resBlock(ch, ch)
            }
        }
        resBlock(ch, ch)
        attention.insert(ch)
        resBlock(ch, ch)
        return (normalized, attention, weights)
    }
}
