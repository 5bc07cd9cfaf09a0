import Foundation

/// A recipe field that is wrong, by its path (`split_weights.pose`, `data[1]`; empty for the
/// file as a whole) and why; `file` is the recipe as given on the command line, when there is one.
public struct RecipeError: Error, Equatable, CustomStringConvertible, LocalizedError {
    public var file: String?
    public var field: String
    public var why: String

    public init(file: String? = nil, field: String, _ why: String) {
        self.file = file
        self.field = field
        self.why = why
    }

    /// "runs/x.json: split_weights.pose_readout: must be ≥ 0 (got -1)".
    public var description: String {
        [file, field.isEmpty ? nil : field].compactMap { $0 }.map { "\($0): " }.joined() + why
    }
    public var errorDescription: String? { description }

    /// The same error, said of `file`.
    public func inFile(_ file: String?) -> RecipeError {
        var error = self
        error.file = file
        return error
    }

    /// A decoding error said in the recipe's words: the field's path and what was wrong with it.
    public init(_ error: DecodingError, file: String? = nil) {
        func path(_ keys: [CodingKey]) -> String {
            keys.reduce("") { path, key in
                if let index = key.intValue { return path + "[\(index)]" }
                return path.isEmpty ? key.stringValue : path + "." + key.stringValue
            }
        }
        switch error {
        case .typeMismatch(let type, let context):
            self.init(file: file, field: path(context.codingPath), "must be \(Self.describe(type))")
        case .valueNotFound(let type, let context):
            self.init(file: file, field: path(context.codingPath), "must be \(Self.describe(type)), not null")
        case .keyNotFound(let key, let context):
            self.init(file: file, field: path(context.codingPath + [key]), "is missing")
        case .dataCorrupted(let context):
            let why = context.codingPath.isEmpty && context.debugDescription.contains("not valid JSON")
                ? "is not valid JSON" + (context.underlyingError.map { " (\($0.localizedDescription))" } ?? "") : context.debugDescription
            self.init(file: file, field: path(context.codingPath), why)
        @unknown default:
            self.init(file: file, field: "", "\(error)")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: return "true or false"
        case is String.Type: return "a string"
        case is Int.Type, is UInt64.Type: return "a whole number"
        case is Float.Type, is Double.Type: return "a number"
        case is [Any].Type: return "a list"
        case is [String: Any].Type: return "an object"
        default:
            let name = "\(type)"
            if name.hasPrefix("Array") { return "a list" }
            if name.hasPrefix("Dictionary") { return "an object" }
            return name
        }
    }
}
