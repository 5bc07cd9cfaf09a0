import Autodiff
import XCTest

final class LossTests: XCTestCase {
    func testMSEAndL1Values() {
        let p = Tensor(shape: [2, 2], values: [1, 2, 3, 4]), t = Tensor(shape: [2, 2], values: [0, 2, 5, 3])
        XCTAssertEqual(mseLoss(p, t).item, (1 + 0 + 4 + 1) / 4, accuracy: 1e-6)
        XCTAssertEqual(l1Loss(p, t).item, (1 + 0 + 2 + 1) / 4, accuracy: 1e-6)
        // Mask (2, 1) broadcast over the last dim: only row 1 counts.
        let mask = Tensor(shape: [2, 1], values: [0, 1])
        XCTAssertEqual(mseLoss(p, t, mask: mask).item, (4 + 1) / 2, accuracy: 1e-6)
        XCTAssertEqual(l1Loss(p, t, mask: mask).item, (2 + 1) / 2, accuracy: 1e-6)
        XCTAssertEqual(mseLoss(p, t, mask: Tensor(shape: [2, 1], values: [0, 0])).item, 0)
    }

    func testGradients() {
        let p = randomTensor([3, 4], seed: 1), t = randomTensor([3, 4], seed: 2)
        let mask = Tensor(shape: [3, 1], values: [1, 0, 1])
        checkGradients([p, t]) { mseLoss($0[0], $0[1]) }
        checkGradients([p, t]) { mseLoss($0[0], $0[1], mask: mask) }
        checkGradients([p, t]) { l1Loss($0[0], $0[1]) }
        checkGradients([p, t]) { l1Loss($0[0], $0[1], mask: mask) }
    }
}
