import Autodiff
import Foundation
import XCTest

/// Golden values written by Tests/Fixtures/make_nn_fixture.py (PyTorch).
enum Fixture {
    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nn_fixture.json")

    nonisolated(unsafe) static let root: [String: Any] = {
        let data = try! Data(contentsOf: url)
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static subscript(_ key: String) -> Any { root[key]! }

    /// {"shape": [...], "values": [...]} → Tensor.
    static func tensor(_ json: Any) -> Tensor {
        let dict = json as! [String: Any]
        let shape = (dict["shape"] as! [NSNumber]).map(\.intValue)
        let values = (dict["values"] as! [NSNumber]).map(\.floatValue)
        return Tensor(shape: shape, values: values)
    }

    static func tensors(_ json: Any) -> [Tensor] { (json as! [Any]).map(tensor) }
}

/// |a − b| ≤ atol + rtol·|b| everywhere, with the worst element in the message.
func assertClose(
    _ a: Tensor, _ b: Tensor, rtol: Float = 1e-5, atol: Float = 1e-6, _ what: String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
    guard a.shape == b.shape else { return }
    var worst = (index: 0, excess: -Float.infinity)
    for i in 0..<a.count {
        let excess = abs(a.pointer[i] - b.pointer[i]) - (atol + rtol * abs(b.pointer[i]))
        if excess > worst.excess { worst = (i, excess) }
    }
    XCTAssertLessThanOrEqual(
        worst.excess, 0,
        "\(what): element \(worst.index) is \(a.count > 0 ? a.pointer[worst.index] : 0), expected \(a.count > 0 ? b.pointer[worst.index] : 0)",
        file: file, line: line)
}
