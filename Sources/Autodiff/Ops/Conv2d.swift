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
/// Three kernels, chosen from the geometry: 3×3 stride-1 convolutions by Winograd F(2×2, 3×3)
/// (Winograd), depthwise ones (one input and one output channel per group) by direct SIMD loops
/// (DepthwiseConv), everything else by GEMMs over im2col tiles (ConvGEMM). Forward saves
/// nothing beyond its inputs: backward recomputes the transforms, cheaper than keeping them.
/// With stride 1 the input gradient is itself a convolution (of gy with the flipped kernel).
public func conv2d(
    _ x: Tensor, _ weight: Tensor, bias: Tensor? = nil,
    stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int) = (1, 1), groups: Int = 1
) -> Tensor {
    let g = ConvGeometry(input: x.shape, weight: weight.shape, stride: stride, padding: padding,
                         dilation: dilation, groups: groups)
    if let bias { precondition(bias.shape == [g.outChannels], "conv2d bias \(bias.shape) for \(g.outChannels) output channels") }
    let y = Tensor(uninitializedShape: [g.batch, g.outChannels, g.outH, g.outW])
    let kernel: ConvKernel = g.isDepthwise ? .depthwise : .gemm
    // Inside `withCachedConvolutionWeights` (inference only) a weight is Winograd-transformed
    // once per scope rather than on every call.
    let winogradKernels = Winograd.applies(to: g) ? ConvolutionWeightCache.active?.winogradKernels(of: weight) : nil
    kernel.forward(x: x.pointer, weight: weight.pointer, winogradKernels: winogradKernels, bias: bias?.pointer, g, y: y.pointer)

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

/// Which loop nest computes a convolution; chosen once per call from its geometry.
enum ConvKernel {
    case gemm, depthwise

    /// `winogradKernels`: the weight's `Winograd.transformWeights`, when already made.
    func forward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, winogradKernels: UnsafePointer<Float>? = nil,
                 bias: UnsafePointer<Float>?, _ g: ConvGeometry, y: UnsafeMutablePointer<Float>) {
        switch self {
        case .gemm: ConvGEMM.forward(x: x, weight: weight, winogradKernels: winogradKernels, bias: bias, g, y: y)
        case .depthwise: DepthwiseConv.forward(x: x, weight: weight, bias: bias, g, y: y)
        }
    }

    func backward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, gy: UnsafePointer<Float>, _ g: ConvGeometry,
                  gx: UnsafeMutablePointer<Float>?, gw: UnsafeMutablePointer<Float>?) {
        switch self {
        case .gemm: ConvGEMM.backward(x: x, weight: weight, gy: gy, g, gx: gx, gw: gw)
        case .depthwise: DepthwiseConv.backward(x: x, weight: weight, gy: gy, g, gx: gx, gw: gw)
        }
    }
}
