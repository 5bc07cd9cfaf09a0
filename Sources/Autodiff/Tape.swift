/// Reverse-mode autodiff.
///
/// Every op that sees an input with `requiresGrad` (while recording is on) attaches a
/// `GradFunction` to its output: the inputs, and a closure that turns the output's
/// gradient into contributions to the inputs' gradients. `backward()` orders these
/// records so that every tensor comes after everything computed from it (a topological
/// sort of the recorded graph, i.e. the tape) and runs the closures in that order.
public struct GradFunction {
    public let name: String
    public let inputs: [Tensor]
    /// Receives d(loss)/d(output) and calls `accumulateGrad` on the inputs.
    public let backward: (Tensor) -> Void
}

/// Whether ops record onto the tape. Off inside `withoutGradients` and inside backward.
public enum GradientMode {
    nonisolated(unsafe) public static var isEnabled = true
}

/// Runs `body` without recording: for inference, EMA updates and optimizer steps.
@discardableResult
public func withoutGradients<T>(_ body: () throws -> T) rethrows -> T {
    let saved = GradientMode.isEnabled
    GradientMode.isEnabled = false
    defer { GradientMode.isEnabled = saved }
    return try body()
}

extension Tensor {
    /// True when an op on these inputs must record its backward.
    @inlinable
    public static func needsGrad(_ inputs: Tensor?...) -> Bool {
        guard GradientMode.isEnabled else { return false }
        for case let x? in inputs where x.requiresGrad { return true }
        return false
    }

    /// Attaches the op's backward to `self` (the op's output) if any input needs a
    /// gradient. Ops call this last; `backward` must only capture what it needs.
    public func record(_ name: String, inputs: [Tensor], backward: @escaping (Tensor) -> Void) {
        guard GradientMode.isEnabled, inputs.contains(where: { $0.requiresGrad }) else { return }
        requiresGrad = true
        gradFunction = GradFunction(name: name, inputs: inputs, backward: backward)
    }

    /// Adds `g` (same shape as self) to this tensor's gradient, if it wants one.
    public func accumulateGrad(_ g: Tensor) {
        guard requiresGrad else { return }
        precondition(g.shape == shape, "gradient shape \(g.shape) for tensor \(shape)")
        if let existing = grad {
            grad = withoutGradients { existing + g }  // a new tensor: grads may be shared, never mutated
        } else {
            grad = g
        }
    }

    /// Back-propagates from this tensor. `gradient` defaults to ones (a scalar loss).
    ///
    /// Intermediate gradients and the recorded graph are released as it goes, like
    /// PyTorch without `retain_graph`; leaves keep their accumulated `grad`.
    public func backward(gradient: Tensor? = nil) {
        let order = topologicalOrder()
        accumulateGrad(gradient ?? Tensor(shape: shape, repeating: 1))
        withoutGradients {
            for node in order.reversed() {
                guard let fn = node.gradFunction else { continue }
                node.gradFunction = nil
                if let g = node.grad {
                    node.grad = nil
                    fn.backward(g)
                }
            }
        }
    }

    /// Recorded tensors reachable from self, each after all of its inputs.
    /// Iterative, because a long training graph would overflow a recursive walk.
    private func topologicalOrder() -> [Tensor] {
        var order: [Tensor] = []
        var visited = Set<ObjectIdentifier>()
        var stack: [(Tensor, Bool)] = [(self, false)]
        while let (node, expanded) = stack.popLast() {
            if expanded { order.append(node); continue }
            guard node.gradFunction != nil, visited.insert(ObjectIdentifier(node)).inserted else { continue }
            stack.append((node, true))
            for input in node.gradFunction!.inputs where input.gradFunction != nil {
                stack.append((input, false))
            }
        }
        return order
    }
}
