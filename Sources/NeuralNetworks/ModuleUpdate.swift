import Autodiff

/// Which disagreements between a module and a set of named tensors are errors.
/// A shape mismatch always is: values are copied into the existing tensors.
public struct VerifyUpdate: OptionSet, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// Every given key must name a parameter or buffer of the module.
    public static let noUnusedKeys = VerifyUpdate(rawValue: 1 << 0)
    /// Every parameter and buffer of the module must be given.
    public static let allModelKeysSet = VerifyUpdate(rawValue: 1 << 1)
    public static let all: VerifyUpdate = [.noUnusedKeys, .allModelKeysSet]
    public static let none: VerifyUpdate = []
}

/// Everything wrong with an update, found before anything was changed.
public struct ParameterUpdateError: Error, CustomStringConvertible {
    public struct ShapeMismatch: Sendable, Equatable {
        public let key: String
        public let expected: [Int]
        public let given: [Int]
        public init(key: String, expected: [Int], given: [Int]) {
            (self.key, self.expected, self.given) = (key, expected, given)
        }
    }

    /// Module keys that were not given.
    public let missing: [String]
    /// Given keys the module does not have.
    public let unused: [String]
    public let mismatched: [ShapeMismatch]

    public var description: String {
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing keys: \(missing.joined(separator: ", "))") }
        if !unused.isEmpty { parts.append("unexpected keys: \(unused.joined(separator: ", "))") }
        if !mismatched.isEmpty {
            let list = mismatched.map { "\($0.key) (module \($0.expected), given \($0.given))" }
            parts.append("shape mismatch: \(list.joined(separator: ", "))")
        }
        return "cannot update parameters; " + parts.joined(separator: "; ")
    }
}

extension Module {
    /// Copies `parameters` (parameters and buffers, by state-dict key) into this module's
    /// tensors. The tensor objects stay the same — optimizers and EMA keep holding them.
    ///
    /// All checks run first and every problem is reported in one error; on error nothing
    /// has been changed (no partial load).
    public func update(parameters: [String: Tensor], verify: VerifyUpdate = .all) throws {
        let state = namedState()
        var missing: [String] = []
        var mismatched: [ParameterUpdateError.ShapeMismatch] = []
        var moves: [(target: Tensor, source: Tensor)] = []
        var known = Set<String>()
        for (key, target) in state {
            known.insert(key)
            guard let source = parameters[key] else {
                missing.append(key)
                continue
            }
            if source.shape != target.shape {
                mismatched.append(.init(key: key, expected: target.shape, given: source.shape))
            } else {
                moves.append((target, source))
            }
        }
        let unused = parameters.keys.filter { !known.contains($0) }.sorted()
        let failing = (verify.contains(.allModelKeysSet) ? missing : [])
        let extra = (verify.contains(.noUnusedKeys) ? unused : [])
        if !failing.isEmpty || !extra.isEmpty || !mismatched.isEmpty {
            throw ParameterUpdateError(missing: failing, unused: extra, mismatched: mismatched)
        }
        for (target, source) in moves where target !== source {
            target.pointer.update(from: source.pointer, count: target.count)
        }
    }
}
