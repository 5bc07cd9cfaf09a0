import Foundation

/// Training recipes: JSON objects whose snake_case keys name the settings of a run (the
/// `--recipe` of `dae train`, `s2l train` and `finetune`). JSONDecoder skips keys it does not
/// know, which would let a misspelt field keep its default without a word; every recipe type
/// therefore lists its fields and rejects others (`rejectUnknownKeys`), and every error names
/// the field at fault (`RecipeError`).
public enum RecipeFile {
    /// `userInfo` flag: the decoder reads a run's own record (options.json and the like),
    /// which may hold the keys earlier versions wrote and the state a run adds to its settings.
    public static let runRecord = CodingUserInfoKey(rawValue: "talkingface.recipe.runRecord")!

    /// `T` from the recipe at `path` (as given on the command line), with the top-level
    /// fields the file sets (so a caller can tell them from defaults).
    public static func read<T: Decodable>(_ type: T.Type, from path: String) throws -> (value: T, fields: Set<String>) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RecipeError(file: path, field: "", "cannot be read (no such file)")
        }
        return try decode(type, from: data, file: path)
    }

    /// `T` from recipe text; errors name `file` and the field.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, file: String? = nil,
                                            runRecord: Bool = false) throws -> (value: T, fields: Set<String>) {
        let decoder = JSONDecoder()
        if runRecord { decoder.userInfo[Self.runRecord] = true }
        do {
            let value = try decoder.decode(T.self, from: data)
            let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            return (value, Set(object?.keys.map { $0 } ?? []))
        } catch let error as DecodingError {
            throw RecipeError(error, file: file)
        } catch let error as RecipeError {
            throw error.inFile(file)
        }
    }
}

/// Any key of a JSON object (to list the keys an object holds).
public struct AnyCodingKey: CodingKey {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init?(intValue: Int) {
        stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// Whether this decoder reads a run's own record (`RecipeFile.runRecord`).
    public var readsRunRecord: Bool { userInfo[RecipeFile.runRecord] as? Bool == true }

    /// Throws for the first key of this JSON object that is neither among `known` nor among
    /// `accepted` (keys read but not advertised, such as those an earlier version wrote).
    public func rejectUnknownKeys(known: [String], accepted: [String] = []) throws {
        let present = try container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
        if let unknown = present.sorted().first(where: { !known.contains($0) && !accepted.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: codingPath, debugDescription: "unknown field '\(unknown)' (known: \(known.joined(separator: ", ")))"))
        }
    }
}

extension KeyedDecodingContainer {
    /// The value at `key` when present and not null.
    func value<T: Decodable>(_ key: Key) throws -> T? {
        // Linux Foundation reports a fraction where a whole number belongs as invalid JSON,
        // without saying where; say it of the field.
        if T.self == Int.self || T.self == UInt64.self, try holds(key), let number = try? decode(Double.self, forKey: key),
           number.rounded() != number || (T.self == UInt64.self && number < 0) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "must be a whole number\(T.self == UInt64.self ? " ≥ 0" : "") (got \(number))")
        }
        return try decodeIfPresent(T.self, forKey: key)
    }

    /// Whether `key` holds a value other than null.
    func holds(_ key: Key) throws -> Bool { try contains(key) && !decodeNil(forKey: key) }

    /// The nested object at `key`, checked for unknown keys first (`Decoder.rejectUnknownKeys`).
    func object<T: Decodable>(_ key: Key, known: [String]) throws -> T? {
        guard try holds(key) else { return nil }
        try superDecoder(forKey: key).rejectUnknownKeys(known: known)
        return try decode(T.self, forKey: key)
    }

    /// One of `choices` by its raw value at `key`; an unknown name is an error that lists them.
    func choice<T: RawRepresentable & CaseIterable>(_ key: Key) throws -> T? where T.RawValue == String {
        guard let name = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = T(rawValue: name) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(name)')")
        }
        return value
    }
}
