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

