import Foundation

/// A value shared between tasks behind a lock (a store's caches; a flag one task sets and another reads).
public final class Locked<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    public init(_ value: T) { self.value = value }
    public func get() -> T { lock.withLock { value } }
    public func set(_ v: T) { lock.withLock { value = v } }
    /// Reads and changes the value in one step.
    public func update<R>(_ body: (inout T) -> R) -> R { lock.withLock { body(&value) } }
}
