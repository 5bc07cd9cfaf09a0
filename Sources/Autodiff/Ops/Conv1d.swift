/// 1-D convolution: x (N, C, L), weight (O, C/groups, K), bias (O)? → (N, O, outL).
///
/// A 2-D convolution over a height-1 image (the reshapes are free views). With
/// groups == C == O it is depthwise (the Conformer conv module) and runs as direct SIMD loops.
public func conv1d(
    _ x: Tensor, _ weight: Tensor, bias: Tensor? = nil,
    stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1
) -> Tensor {
    precondition(x.rank == 3 && weight.rank == 3, "conv1d wants x (N,C,L) and weight (O,C/g,K), got \(x.shape) and \(weight.shape)")
    let y = conv2d(
        x.reshaped([x.shape[0], x.shape[1], 1, x.shape[2]]),
        weight.reshaped([weight.shape[0], weight.shape[1], 1, weight.shape[2]]),
        bias: bias, stride: (1, stride), padding: (0, padding), dilation: (1, dilation), groups: groups)
    return y.reshaped([y.shape[0], y.shape[1], y.shape[3]])
}
