import Foundation
import XanhCore
import XanhStore

/// Writes and checks the audit log. Every path in that changes something calls `record`: the HTTP layer for each
/// write it accepts (API, SensorThings, web forms), the command line for each command that writes, the drop folder
/// for each file it ingests.
public struct AuditLog: Sendable {
    public let store: any AuditStore
    public let clock: @Sendable () -> Int64

    public init(store: any AuditStore, clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.clock = clock
    }

    /// The command line's caller: the operator of the machine (`USER`), acting as admin.
    public static var operatorCaller: Caller {
        Caller(name: ProcessInfo.processInfo.environment["USER"] ?? NSUserName(), role: Role.admin.rawValue, kind: .operator)
    }

    @discardableResult
    public func record(
        _ caller: Caller, address: String, channel: String, action: String, entity: String, key: String, before: String? = nil,
        after: String? = nil
    ) async throws -> AuditEntry {
        try await store.appendAudit(
            AuditEntry(
                seq: 0, at: clock(), actor: caller.name, actorKind: caller.kind.rawValue, role: caller.role, address: address, channel: channel,
                action: action, entity: entity, entityKey: key, before: before, after: after))
    }

    /// What `xanh audit verify` reports.
    public struct Verification: Sendable, Equatable {
        public var entries: Int64
        /// The first entry that does not hold, and why.
        public var problem: String?
        public var badSeq: Int64?
    }

    /// Walks the whole chain in pages and stops at the first entry that does not hold.
    public func verify(page: Int = 5_000) async throws -> Verification {
        var prev = AuditChain.genesis
        var expected: Int64 = 1
        while true {
            let entries = try await store.auditChain(afterSeq: expected - 1, limit: page)
            for e in entries {
                if let why = AuditChain.problem(e, expectedSeq: expected, prev: prev) {
                    return Verification(entries: expected - 1, problem: why, badSeq: min(e.seq, expected))
                }
                prev = e.hash
                expected += 1
            }
            if entries.count < page { return Verification(entries: expected - 1, problem: nil, badSeq: nil) }
        }
    }
}
