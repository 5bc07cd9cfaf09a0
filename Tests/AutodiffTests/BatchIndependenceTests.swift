import Autodiff
import XCTest

/// An image's convolution must not depend on the other images in its batch: identical images
/// give bit-identical outputs. Generation relies on it (equal z_sem and noise → equal frames),
/// and an untrained DiffAE turns a one-ulp difference into a different picture within a few
/// DDIM steps. Winograd once packed tiles of several images into one GEMM, where OpenBLAS
/// rounds a column by its position, so this held only while OpenBLAS happened to split the
/// GEMM at the image boundary.
final class BatchIndependenceTests: XCTestCase {
    func testIdenticalImagesGiveIdenticalConvolutions() {
        var rng = RandomGenerator(seed: 11)
        // (image shape, output channels): the DiffAE-tiny shape that failed, an odd tile count,
        // and small images whose single tile has its GEMM split by output channels when the
        // image is alone (a ragged 40 = 32 + 8 rows, and 64 = 2 × 32), but not in a batch;
        // then two that F(4×4, 3×3) takes, one cut into several blocks of tile rows.
        let shapes = [([32, 16, 16], 32), ([16, 18, 18], 32), ([8, 9, 9], 8), ([24, 8, 8], 40), ([16, 6, 7], 64),
                      ([8, 32, 32], 16), ([4, 66, 41], 8)]
        for (shape, outChannels) in shapes {
            let one = Tensor.randn([1] + shape, using: &rng)
            let w = Tensor.randn([outChannels, shape[0], 3, 3], using: &rng), b = Tensor.randn([outChannels], using: &rng)
            // Five images: enough work items for the batch to be spread item by item, while one
            // image alone has its steps spread instead.
            let y = conv2d(concat(Array(repeating: one, count: 5), dim: 0), w, bias: b, padding: 1)
            let alone = conv2d(one, w, bias: b, padding: 1)
            for n in 0..<5 {
                XCTAssertEqual(y.slice(dim: 0, n..<n + 1).values, alone.values, "\(shape): image \(n) of 5 vs alone")
            }
        }
    }
}
