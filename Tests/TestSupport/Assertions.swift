import Autodiff
import XCTest

/// What `atol` is measured against in `assertClose`.
public enum ToleranceScale: Sendable {
    /// atol as it is.
    case absolute
    /// atol × max(1, max |expected|): for tensors whose magnitude varies from case to case
    /// (PyTorch goldens of whole blocks and gradients).
    case largestExpected
}

/// |actual − expected| ≤ atol·scale + rtol·|expected| elementwise, where scale comes from
/// `atolScale`; a NaN anywhere counts as the worst element, and the message names it.
public func assertClose(
    _ actual: Tensor, _ expected: Tensor, rtol: Float, atol: Float, atolScale: ToleranceScale = .absolute,
    _ what: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.shape == expected.shape else {
        return XCTFail("\(what): shape \(actual.shape), expected \(expected.shape)", file: file, line: line)
    }
    guard actual.count > 0 else { return }
    let a = actual.values, b = expected.values
    let scale: Float = atolScale == .absolute ? 1 : max(1, b.map(abs).max() ?? 0)
    var worst = (index: 0, excess: -Float.infinity)
    for i in b.indices {
        let excess = abs(a[i] - b[i]) - (atol * scale + rtol * abs(b[i]))
        if !(excess <= worst.excess) { worst = (i, excess.isNaN ? .infinity : excess) }
    }
    XCTAssertLessThanOrEqual(
        worst.excess, 0,
        "\(what): element \(worst.index) of \(actual.shape) is \(a[worst.index]), expected \(b[worst.index]) (|diff| \(abs(a[worst.index] - b[worst.index])))",
        file: file, line: line)
}

/// Largest |a − b| (for messages and speed reports).
public func maxAbsDifference(_ a: Tensor, _ b: Tensor) -> Float {
    precondition(a.shape == b.shape, "shapes \(a.shape) and \(b.shape) differ")
    return zip(a.values, b.values).map { abs($0 - $1) }.max() ?? 0
}
