import Autodiff

/// PyTorch's default initialisation of Linear and Conv layers: weight from
/// `kaiming_uniform_(a: √5)`, whose bound gain·√(3/fanIn) with gain √(2/(1+a²)) is 1/√fanIn,
/// and bias uniform in ±1/√fanIn. fanIn = input features × kernel elements (per group).
enum DefaultInitializer {
    static func uniform(_ shape: [Int], fanIn: Int, using rng: inout RandomGenerator) -> Tensor {
        let bound = fanIn > 0 ? 1 / Float(fanIn).squareRoot() : 0
        return Tensor.uniform(shape, in: -bound...bound, using: &rng)
    }
}
