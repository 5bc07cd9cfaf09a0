import Autodiff

/// A layer or model: a class whose stored properties are its state.
///
/// Reflection finds the state, so a model declares it as plain properties:
/// - a `Tensor` (or `Tensor?`, `[Tensor]`) is a parameter; `@Buffer` marks one that is
///   saved but never trained (running statistics);
/// - a `Module` (or `Module?`, `[Module]`) is a child; arrays give keys `blocks.0.…`
///   (nest a `Sequential` rather than an array of arrays);
/// - properties whose names start with `_`, lazy properties and everything else (numbers,
///   flags, generators) are ignored.
///
/// Keys are PyTorch state-dict keys: the Swift name in snake_case (`feedForward` →
/// `feed_forward`), joined by dots. A class whose reference uses other names lists them
/// in `keyOverrides`. Order is PyTorch's too: each module's own tensors in declaration
/// order (parameters, then buffers), then its children, depth first.
///
/// Parameters are trainable by default (`requiresGrad`, as `nn.Parameter`): `Module.init`
/// marks the tensors a subclass assigned before calling it — which Swift's two-phase
/// initialisation guarantees for every stored property.
open class Module {
    /// Training mode (dropout active, batch statistics); `eval()` turns it off.
    public private(set) var training = true

    public init() {
        for (_, item) in localItems() {
            if case .parameter(let p) = item { p.requiresGrad = true }
        }
    }

    /// Swift property name → state-dict key, for names the snake_case rule gets wrong.
    /// An empty key puts an array's elements directly under this module ("0.weight"),
    /// as in PyTorch's `nn.Sequential`.
    open class var keyOverrides: [String: String] { [:] }

    // MARK: - Walking the tree

    enum Item {
        case parameter(Tensor)
        case buffer(Tensor)
        case module(Module)
    }

    /// This module's own tensors and children, in declaration order (superclass first).
    func localItems() -> [(key: String, item: Item)] {
        var mirrors: [Mirror] = []
        var mirror: Mirror? = Mirror(reflecting: self)
        while let m = mirror {
            mirrors.append(m)
            mirror = m.superclassMirror
        }
        let overrides = Self.keyOverrides
        var items: [(key: String, item: Item)] = []
        for m in mirrors.reversed() {
            for child in m.children {
                guard var name = child.label else { continue }
                var value = child.value
                var isBuffer = false
                if let buffer = value as? BufferStorage {
                    name.removeFirst()  // the wrapper's storage is `_name`
                    isBuffer = true
                    guard let t = buffer.tensor else { continue }
                    value = t
                } else if name.hasPrefix("_") || name.hasPrefix("$") {
                    continue  // private by convention, or compiler storage (lazy properties)
                }
                let key = overrides[name] ?? snakeCase(name)
                switch value {
                case let t as Tensor: items.append((key, isBuffer ? .buffer(t) : .parameter(t)))
                case let m as Module: items.append((key, .module(m)))
                case let ts as [Tensor]:
                    for (i, t) in ts.enumerated() { items.append((indexed(key, i), .parameter(t))) }
                case let ms as [Module]:
                    for (i, m) in ms.enumerated() { items.append((indexed(key, i), .module(m))) }
                default: break  // nil optionals, configuration values
                }
            }
        }
        return items
    }

    /// The direct children with their keys.
    public func children() -> [(String, Module)] {
        localItems().compactMap { key, item in
            if case .module(let m) = item { return (key, m) }
            return nil
        }
    }

    /// Every tensor of the tree, PyTorch order: own tensors first, then each child's.
    private func walk(prefix: String = "", _ visit: (String, Tensor, _ isBuffer: Bool) -> Void) {
        let items = localItems()
        for (key, item) in items {
            if case .parameter(let t) = item { visit(prefix + key, t, false) }
        }
        for (key, item) in items {
            if case .buffer(let t) = item { visit(prefix + key, t, true) }
        }
        for (key, item) in items {
            if case .module(let m) = item { m.walk(prefix: prefix + key + ".", visit) }
        }
    }

    // MARK: - Parameters and state

    /// Parameters (trainable or frozen, not buffers) with their keys. A tensor shared by
    /// two layers (tied weights) appears once, under its first key, as in PyTorch — so an
    /// optimizer steps it once.
    public func namedParameters() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        var seen = Set<ObjectIdentifier>()
        walk { key, t, isBuffer in
            if !isBuffer, seen.insert(ObjectIdentifier(t)).inserted { result.append((key, t)) }
        }
        return result
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.1) }

    /// Parameters that receive gradients (not frozen).
    public func namedTrainableParameters() -> [(String, Tensor)] {
        namedParameters().filter { $0.1.requiresGrad }
    }

    public func trainableParameters() -> [Tensor] { namedTrainableParameters().map(\.1) }

    public func namedBuffers() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        walk { key, t, isBuffer in if isBuffer { result.append((key, t)) } }
        return result
    }

    /// Everything a checkpoint holds (parameters and buffers), like `state_dict()`
    /// (tied weights appear under each of their keys).
    public func namedState() -> [(String, Tensor)] {
        var result: [(String, Tensor)] = []
        walk { key, t, _ in result.append((key, t)) }
        return result
    }

    /// Number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.count } }

    // MARK: - Training controls

    /// Stops gradients to every parameter of this module and its children.
    public func freeze() { for p in parameters() { p.requiresGrad = false } }

    public func unfreeze() { for p in parameters() { p.requiresGrad = true } }

    /// Forgets accumulated gradients (call before each backward pass).
    public func zeroGrad() { for p in parameters() { p.grad = nil } }

    /// Sets training mode here and in every descendant.
    @discardableResult
    public func train(_ on: Bool = true) -> Self {
        training = on
        for (_, child) in children() { child.train(on) }
        return self
    }

    /// Evaluation mode: `train(false)`.
    @discardableResult
    public func eval() -> Self { train(false) }
}

/// "blocks", 0 → "blocks.0"; "", 0 → "0".
private func indexed(_ key: String, _ index: Int) -> String { key.isEmpty ? "\(index)" : "\(key).\(index)" }

/// `feedForward` → `feed_forward`, `linearQ` → `linear_q`, `conv1` → `conv1`.
func snakeCase(_ name: String) -> String {
    var out = ""
    for c in name {
        if c.isUppercase {
            if !out.isEmpty { out.append("_") }
            out.append(contentsOf: c.lowercased())
        } else {
            out.append(c)
        }
    }
    return out
}
