import Foundation

/// A mono 32-bit float WAV built byte by byte, so it can hold NaN and ∞.
public func makeFloatWAV(sampleRate: Int, samples: [Float]) -> Data {
    var data = Data()
    func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) } }
    let dataBytes = samples.count * 4
    data.append(contentsOf: Array("RIFF".utf8)); append(UInt32(36 + dataBytes))
    data.append(contentsOf: Array("WAVEfmt ".utf8)); append(UInt32(16))
    append(UInt16(3)); append(UInt16(1)); append(UInt32(sampleRate))  // 3: IEEE float
    append(UInt32(sampleRate * 4)); append(UInt16(4)); append(UInt16(32))
    data.append(contentsOf: Array("data".utf8)); append(UInt32(dataBytes))
    for sample in samples { append(sample.bitPattern) }
    return data
}
