import Autodiff
import XCTest

/// Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise (NaNs must match).
func assertElementsClose(
    _ actual: [Float], _ expected: [Float], atol: Float = 1e-5, rtol: Float = 1e-5,
    _ message: String = "", file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.count, expected.count, "element counts differ \(message)", file: file, line: line)
    var failures = 0
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        let ok = (a.isNaN && e.isNaN) || a == e || abs(a - e) <= atol + rtol * abs(e)
        if !ok {
            failures += 1
            if failures <= 5 { XCTFail("element \(i): \(a) vs expected \(e) \(message)", file: file, line: line) }
        }
    }
}
