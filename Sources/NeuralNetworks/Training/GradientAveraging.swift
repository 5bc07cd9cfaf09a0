import Autodiff

/// Averages the gradients of a model's trainable parameters over the ranks of a
/// `Communicator`, in buckets of about `bucketElements` floats (PyTorch DDP's 25 MiB by
/// default), so that a large model never needs a second copy of all its gradients at once.
///
/// The averaging runs after the backward pass: the tape (`Tensor.backward`) has no hook
/// that says when a leaf's gradient is complete, so buckets cannot be sent while the
/// backward pass still runs.
///
/// A parameter that has no gradient on a rank (not used by its part of the batch) counts
/// as zeros there; one that has none on any rank keeps none, as in a single process.
final class GradientAveraging {
    let parameters: [Tensor]
    let bucketElements: Int
    private var bucket: [Float]

    init(parameters: [Tensor], bucketElements: Int = 25 << 18) {
        self.parameters = parameters
        self.bucketElements = Swift.max(1, bucketElements)
        bucket = []
    }

    /// Averages every parameter's gradient, and `scalars` (the loss, a stop request …),
    /// over the ranks; returns the averaged scalars.
    func average(over communicator: Communicator, scalars: [Float]) throws -> [Float] {
        // 1. Which parameters have a gradient anywhere, and the scalars: one small message.
        var head = parameters.map { $0.grad == nil ? Float(0) : 1 } + scalars
        try head.withUnsafeMutableBufferPointer { try communicator.allreduceAverage($0) }
        let present = parameters.indices.filter { head[$0] > 0 }

        // 2. The gradients, bucket by bucket, in parameter order.
        var start = 0
        while start < present.count {
            var end = start, elements = 0
            while end < present.count && (end == start || elements + parameters[present[end]].count <= bucketElements) {
                elements += parameters[present[end]].count
                end += 1
            }
            try averageBucket(present[start..<end], elements: elements, over: communicator)
            start = end
        }
        return Array(head[parameters.count...])
    }

    private func averageBucket(_ members: ArraySlice<Int>, elements: Int, over communicator: Communicator) throws {
        if bucket.count < elements { bucket = [Float](repeating: 0, count: elements) }
        try bucket.withUnsafeMutableBufferPointer { buffer in
            var offset = 0
            for index in members {
                let p = parameters[index]
                if let g = p.grad {
                    (buffer.baseAddress! + offset).update(from: g.pointer, count: p.count)
                } else {
                    (buffer.baseAddress! + offset).update(repeating: 0, count: p.count)
                }
                offset += p.count
            }
            try communicator.allreduceAverage(UnsafeMutableBufferPointer(rebasing: buffer[0..<elements]))
            offset = 0
            for index in members {
                let p = parameters[index]
                let averaged = Tensor(uninitializedShape: p.shape)  // gradients are shared values: replace, never mutate
                averaged.pointer.update(from: buffer.baseAddress! + offset, count: p.count)
                p.grad = averaged
                offset += p.count
            }
        }
    }
}
