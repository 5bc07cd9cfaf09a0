/// 2-D convolution (PyTorch's cross-correlation): x (N, C, H, W), weight (O, C/groups, kH, kW),
/// bias (O)? → (N, O, outH, outW) with outH = (H + 2·padding − dilation·(kH − 1) − 1) / stride + 1.
public func conv2d(
    _ x: Tensor, _ weight: Tensor, bias: Tensor? = nil,
    stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1
) -> Tensor {
    conv2d(x, weight, bias: bias, stride: (stride, stride), padding: (padding, padding),
           dilation: (dilation, dilation), groups: groups)
}

/// 2-D convolution with separate (height, width) stride, padding and dilation.
///
/// Three kernels, chosen from the geometry: 3×3 stride-1 convolutions by Winograd, F(4×4, 3×3)
/// on large images (WinogradF4) and F(2×2, 3×3) on smaller ones (Winograd); depthwise ones (one
/// input and one output channel per group) by direct SIMD loops (DepthwiseConv); everything
/// else by GEMMs over im2col tiles (ConvGEMM). Forward saves
/// nothing beyond its inputs: backward recomputes the transforms, cheaper than keeping them.
/// With stride 1 the input gradient is itself a convolution (of gy with the flipped kernel).
public func conv2d(
    _ x: Tensor, _ weight: Tensor, bias: Tensor? = nil,
    stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int) = (1, 1), groups: Int = 1
) -> Tensor {
    let g = ConvGeometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding,
                         dilation: dilation, groups: groups)
    let y = convolutionOutput(x, weight, bias: bias, g)
    let kernel: ConvKernel = g.isDepthwise ? .depthwise : .gemm

    y.record("conv2d", inputs: [x, weight] + (bias.map { [$0] } ?? [])) { gy in
        let gx = x.requiresGrad ? Tensor(uninitializedShape: x.shape) : nil
        let gw = weight.requiresGrad ? Tensor(uninitializedShape: weight.shape) : nil
        if gx != nil || gw != nil {
            kernel.backward(x: x.pointer, weight: weight.pointer, gy: gy.pointer, g, gx: gx?.pointer, gw: gw?.pointer)
        }
        if let gx { x.accumulateGrad(gx) }
        if let gw { weight.accumulateGrad(gw) }
        if let bias, bias.requiresGrad {
            let gb = Tensor(uninitializedShape: bias.shape)
            ConvGEMM.biasGradient(gy: gy.pointer, batch: g.batch, channels: g.outChannels, plane: g.outPlane, into: gb.pointer)
            bias.accumulateGrad(gb)
        }
    }
    return y
}

/// The forward of `conv2d` (and of `conv2d(…, adding:)`, whose `residual` is summed in as the
/// GEMM kernels write each output tile): y (N, O, outH, outW) by the kernel the geometry picks.
/// Inside `withCachedConvolutionWeights` (inference only) a 3×3 weight is Winograd-transformed
/// once per scope rather than on every call.
func convolutionOutput(_ x: Tensor, _ weight: Tensor, bias: Tensor?, _ g: ConvGeometry, adding residual: Tensor? = nil) -> Tensor {
    if let bias { precondition(bias.shape == [g.outChannels], "conv2d bias \(bias.shape) for \(g.outChannels) output channels") }
    let y = Tensor(uninitializedShape: [g.batch, g.outChannels, g.outH, g.outW])
    if g.isDepthwise {
        precondition(residual == nil, "the depthwise kernel adds no residual")
        DepthwiseConv.forward(x: x.pointer, weight: weight.pointer, bias: bias?.pointer, g, y: y.pointer)
    } else {
        let winogradKernels = ConvolutionWeightCache.active?.winogradKernels(of: weight, for: g)
        ConvGEMM.forward(x: x.pointer, weight: weight.pointer, winogradKernels: winogradKernels, bias: bias?.pointer, g,
                         y: y.pointer, residual: residual?.pointer)
    }
    return y
}

/// Which loop nest computes a convolution; chosen once per call from its geometry.
enum ConvKernel {
    case gemm, depthwise


    func backward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, gy: UnsafePointer<Float>, _ g: ConvGeometry,
                  gx: UnsafeMutablePointer<Float>?, gw: UnsafeMutablePointer<Float>?) {
        switch self {
        case .gemm: ConvGEMM.backward(x: x, weight: weight, gy: gy, g, gx: gx, gw: gw)
        case .depthwise: DepthwiseConv.backward(x: x, weight: weight, gy: gy, g, gx: gx, gw: gw)
        }
    }
}
