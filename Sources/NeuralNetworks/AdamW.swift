import Autodiff
import Foundation

/// Adam with decoupled weight decay, exactly as `torch.optim.AdamW` (amsgrad off):
///
///     p ← p · (1 − lr·λ)
///     m ← m + (g − m)(1 − β₁)          v ← v·β₂ + (1 − β₂)·g²
///     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// with a step count `t` per parameter. Hyperparameters are Doubles, like PyTorch's Python
/// floats (β₂ = 0.99 as a Float makes 1 − β₂ off by 1e-6); they become Float where
/// PyTorch casts them, at the elementwise kernels.
public final class AdamW: Optimizer {
    public var learningRate: Double
    public var betas: (Double, Double)
    public var eps: Double
    public var weightDecay: Double
    /// Parameters whose name starts with a prefix step at `scale` × the learning rate (the
    /// first matching prefix counts; others at the full rate). Empty: one rate for all.
    public var rateScales: [(prefix: String, scale: Double)] = []

    /// Per-parameter state, keyed by parameter name.
    private struct Slot {
        var step: Int
        let firstMoment: Tensor   // m, same shape as the parameter
        let secondMoment: Tensor  // v
    }
    private var slots: [String: Slot] = [:]

    public init(
        learningRate: Double = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Double = 1e-8,
        weightDecay: Double = 1e-2
    ) {
        self.learningRate = learningRate
        self.betas = betas
        self.eps = eps
        self.weightDecay = weightDecay
    }

    public func update(parameters: [(String, Tensor)]) {
        for (name, p) in parameters {
            guard let g = p.grad else { continue }
            precondition(g.shape == p.shape, "gradient \(g.shape) for parameter '\(name)' \(p.shape)")
            var slot = slots[name] ?? Slot(step: 0, firstMoment: .zeros(p.shape), secondMoment: .zeros(p.shape))
            slot.step += 1
            slots[name] = slot
            step(p, g, slot, learningRate: learningRate * rateScale(of: name))
        }
    }

    /// The factor `rateScales` gives the parameter `name`.
    public func rateScale(of name: String) -> Double {
        rateScales.first { name.hasPrefix($0.prefix) }?.scale ?? 1
    }

    private func step(_ p: Tensor, _ g: Tensor, _ slot: Slot, learningRate lr: Double) {
        let t = Double(slot.step)
        let (b1, b2) = betas
        let decay = Float(1 - lr * weightDecay)
        let stepSize = Float(lr / (1 - pow(b1, t)))
        let correction2Sqrt = Float((1 - pow(b2, t)).squareRoot())
        let w1 = Float(1 - b1), keep2 = Float(b2), w2 = Float(1 - b2), eps = Float(self.eps)

        let pp = p.pointer, gp = g.pointer
        let mp = slot.firstMoment.pointer, vp = slot.secondMoment.pointer
        Parallel.forRanges(p.count) { range in
            var i = range.lowerBound
            while i + 16 <= range.upperBound {
                let gv = UnsafeRawPointer(gp + i).loadUnaligned(as: SIMD16<Float>.self)
                var pv = UnsafeRawPointer(pp + i).loadUnaligned(as: SIMD16<Float>.self)
                var m = UnsafeRawPointer(mp + i).loadUnaligned(as: SIMD16<Float>.self)
                var v = UnsafeRawPointer(vp + i).loadUnaligned(as: SIMD16<Float>.self)
                pv *= decay
                m += (gv - m) * w1
                v = v * keep2 + w2 * gv * gv
                let denom = v.squareRoot() / correction2Sqrt + eps
                pv += (-stepSize) * m / denom
                UnsafeMutableRawPointer(pp + i).storeBytes(of: pv, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(mp + i).storeBytes(of: m, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(vp + i).storeBytes(of: v, as: SIMD16<Float>.self)
                i += 16
            }
            while i < range.upperBound {
                let gi = gp[i]
                pp[i] *= decay
                mp[i] += (gi - mp[i]) * w1
                vp[i] = vp[i] * keep2 + w2 * gi * gi
                let denom = vp[i].squareRoot() / correction2Sqrt + eps
                pp[i] += (-stepSize) * mp[i] / denom
                i += 1
            }
        }
    }

    // MARK: - State (PyTorch's names: exp_avg, exp_avg_sq, step)

    public func stateTensors() -> [String: Tensor] {
        var out: [String: Tensor] = [:]
        for (name, slot) in slots {
            out["\(name).exp_avg"] = slot.firstMoment.copy()
            out["\(name).exp_avg_sq"] = slot.secondMoment.copy()
            out["\(name).step"] = Tensor(Float(slot.step))
        }
        return out
    }

    public func loadState(_ tensors: [String: Tensor], for parameters: [(String, Tensor)]) throws {
        let shapes = Dictionary(parameters.map { ($0.0, $0.1.shape) }, uniquingKeysWith: { a, _ in a })
        var loaded: [String: Slot] = [:]
        for key in tensors.keys.sorted() where key.hasSuffix(".step") {
            let name = String(key.dropLast(".step".count))
            let step = tensors[key]!
            guard step.count == 1, step.item >= 0, step.item == step.item.rounded() else {
                throw TrainingStateError(key: key, reason: "step must be one non-negative whole number")
            }
            guard let m = tensors["\(name).exp_avg"], let v = tensors["\(name).exp_avg_sq"] else {
                throw TrainingStateError(key: name, reason: "exp_avg or exp_avg_sq is missing")
            }
            guard let shape = shapes[name] else {
                throw TrainingStateError(key: name, reason: "no such trainable parameter")
            }
            guard m.shape == shape && v.shape == shape else {
                throw TrainingStateError(key: name, reason: "exp_avg \(m.shape) and exp_avg_sq \(v.shape) for parameter \(shape)")
            }
            loaded[name] = Slot(step: Int(step.item), firstMoment: m.copy(), secondMoment: v.copy())
        }
        let expected = Set(loaded.keys.flatMap { ["\($0).exp_avg", "\($0).exp_avg_sq", "\($0).step"] })
        if let stray = tensors.keys.sorted().first(where: { !expected.contains($0) }) {
            throw TrainingStateError(key: stray, reason: "not part of any parameter's AdamW state")
        }
        slots = loaded
    }
}
