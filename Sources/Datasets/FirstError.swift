import Foundation

/// Keeps the first error thrown by any of several parallel workers.
public final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?
    public init() {}
    public func record(_ e: Error) { lock.lock(); if error == nil { error = e }; lock.unlock() }
    public func rethrow() throws { lock.lock(); defer { lock.unlock() }; if let error { throw error } }
}
