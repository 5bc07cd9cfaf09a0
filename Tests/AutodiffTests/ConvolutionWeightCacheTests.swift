@testable import Autodiff
import XCTest

/// `withCachedConvolutionWeights`: the cached path must give the uncached bits, and the cache
/// must live exactly as long as its scope and only serve convolutions run without gradients.
final class ConvolutionWeightCacheTests: XCTestCase {
    /// x (2, 16, 16, 16) and w (24, 16, 3, 3): 64 tiles per image, so Winograd runs.
    private func convolution(seed: UInt64) -> (x: Tensor, w: Tensor, b: Tensor) {
        var rng = RandomGenerator(seed: seed)
        return (Tensor.randn([2, 16, 16, 16], using: &rng), Tensor.randn([24, 16, 3, 3], using: &rng), Tensor.randn([24], using: &rng))
    }

    private func assertSameBits(_ a: Tensor, _ b: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.values.map(\.bitPattern), b.values.map(\.bitPattern), what, file: file, line: line)
    }

    func testCachedConvolutionGivesTheUncachedBits() {
        let (x, w, b) = convolution(seed: 1)
        let uncached = withoutGradients { conv2d(x, w, bias: b, padding: 1) }
        withoutGradients {
            withCachedConvolutionWeights {
                let first = conv2d(x, w, bias: b, padding: 1)     // fills the cache
                XCTAssertEqual(ConvolutionWeightCache.current?.count, 1)
                let second = conv2d(x, w, bias: b, padding: 1)    // uses it
                XCTAssertEqual(ConvolutionWeightCache.current?.count, 1)
                assertSameBits(first, uncached, "first call in the scope")
                assertSameBits(second, uncached, "second call in the scope")
                // A 1×1 convolution has nothing to prepare.
                var rng = RandomGenerator(seed: 4)
                _ = conv2d(x, Tensor.randn([8, 16, 1, 1], using: &rng))
                XCTAssertEqual(ConvolutionWeightCache.current?.count, 1)
            }
        }
    }

    /// The same weight on 32×32 images (64 4×4 tiles: F(4×4, 3×3)) and on 16×16 ones
    /// (F(2×2, 3×3)): one cached transform for each, and the uncached bits from both.
    func testEachWinogradVariantGetsItsOwnTransform() {
        let (small, w, b) = convolution(seed: 5)
        var rng = RandomGenerator(seed: 6)
        let large = Tensor.randn([2, 16, 32, 32], using: &rng)
        let uncached = withoutGradients { (conv2d(large, w, bias: b, padding: 1), conv2d(small, w, bias: b, padding: 1)) }
        withoutGradients {
            withCachedConvolutionWeights {
                let first = conv2d(large, w, bias: b, padding: 1)
                XCTAssertEqual(ConvolutionWeightCache.current?.count, 1)
                let second = conv2d(small, w, bias: b, padding: 1)
                XCTAssertEqual(ConvolutionWeightCache.current?.count, 2)
                assertSameBits(first, uncached.0, "32×32 images")
                assertSameBits(second, uncached.1, "16×16 images")
                assertSameBits(conv2d(large, w, bias: b, padding: 1), uncached.0, "32×32 images again")
            }
        }
    }

    func testCacheIsDroppedWhenItsScopeEnds() {
        let (x, w, b) = convolution(seed: 2)
        let before = withoutGradients { withCachedConvolutionWeights { conv2d(x, w, bias: b, padding: 1) } }
        XCTAssertNil(ConvolutionWeightCache.current)
        for i in 0..<w.count { w.pointer[i] *= 0.5 }   // as an optimizer step would
        let expected = withoutGradients { conv2d(x, w, bias: b, padding: 1) }
        let after = withoutGradients { withCachedConvolutionWeights { conv2d(x, w, bias: b, padding: 1) } }
        XCTAssertNotEqual(after.values, before.values, "a new scope must see the changed weights")
        assertSameBits(after, expected, "new scope vs uncached, changed weights")
    }

    func testConvolutionsWithGradientsNeverUseTheCache() {
        let (x, w, b) = convolution(seed: 3)
        w.requiringGrad()
        let stepped = w.copy()                         // w after a training step
        for i in 0..<stepped.count { stepped.pointer[i] += 0.25 }
        let expected = withoutGradients { conv2d(x, stepped, bias: b, padding: 1) }
        withCachedConvolutionWeights {
            _ = conv2d(x, w, bias: b, padding: 1)
            XCTAssertEqual(ConvolutionWeightCache.current?.count, 0, "a recorded forward filled the cache")
            _ = withoutGradients { conv2d(x, w, bias: b, padding: 1) }
            XCTAssertEqual(ConvolutionWeightCache.current?.count, 1)
            w.pointer.update(from: stepped.pointer, count: w.count)   // the step, inside the scope
            assertSameBits(conv2d(x, w, bias: b, padding: 1), expected, "recorded forward after the step")
        }
    }
}
