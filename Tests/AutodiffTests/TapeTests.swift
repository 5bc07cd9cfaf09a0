import Autodiff
import XCTest

final class TapeTests: XCTestCase {
    func testReshapeAndSumGradient() {
        let x = randomTensor([2, 3, 4], seed: 1)
        checkGradients([x]) { $0[0].reshaped([6, -1]) }
        checkGradients([x]) { $0[0].sum() }
    }

    func testNoRecordingWithoutGradients() {
        let x = randomTensor([3], seed: 2).requiringGrad()
        let y = withoutGradients { x.reshaped([3, 1]) }
        XCTAssertNil(y.gradFunction)
        XCTAssertFalse(y.requiresGrad)
    }

    func testGradientAccumulatesOverTwoUses() {
        let x = Tensor(shape: [2], values: [1, 2]).requiringGrad()
        let a = x.reshaped([2, 1]).sum()
        let b = x.reshaped([1, 2]).sum()
        a.backward()
        b.backward()
        XCTAssertEqual(x.grad?.values, [2, 2])
    }
}
