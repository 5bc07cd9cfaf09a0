/// residual + conv2d(x, weight, bias), the closing sum of a residual block. Without gradients
/// the residual is added to each output tile as soon as the convolution writes it, while the
/// tile is still in cache, instead of in a pass of its own over the whole output; with
/// gradients (or a depthwise kernel) it is the two ops. The same bits either way: each
/// element gets the one float addition of the separate op (addition commutes exactly).
/// residual: the output's shape (N, O, outH, outW).
public func conv2d(
    _ x: Tensor, _ weight: Tensor, bias: Tensor? = nil,
    stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1, adding residual: Tensor
) -> Tensor {
    let g = ConvGeometry(input: x.shape, weight: weight.shape, stride: (stride, stride), padding: (padding, padding),
                         dilation: (dilation, dilation), groups: groups)
    let shape = [g.batch, g.outChannels, g.outH, g.outW]
    if Tensor.needsGrad(x, weight, bias, residual) || g.isDepthwise || residual.shape != shape {
        return residual + conv2d(x, weight, bias: bias, stride: stride, padding: padding, dilation: dilation, groups: groups)
    }
    return convolutionOutput(x, weight, bias: bias, g, adding: residual)
}
