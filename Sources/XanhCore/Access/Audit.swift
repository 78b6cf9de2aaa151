import Foundation

/// One entry of the audit log: who (a user or a key, with the role it acted in), from where (an address, or `cli`,
/// or the drop folder), by which path in, when, what (the entity and its key) and the state before and after.
/// Entries form a chain: each one's hash covers its content and the hash of the entry before it, so editing,
/// deleting or reordering any entry breaks every hash after it (`AuditChain.verify`).
public struct AuditEntry: Sendable, Equatable, Codable {
    /// Position in the chain, from 1.
    public var seq: Int64
    /// Unix seconds.
    public var at: Int64
    public var actor: String
    /// `user`, `key` or `operator` (the command line, run by whoever holds the database).
    public var actorKind: String
    public var role: String
    /// The client's address, `cli`, or `drop-folder`.
    public var address: String
    /// The path in: `api`, `sensorthings`, `web`, `cli`, `drop-folder`.
    public var channel: String
    /// What was done: the HTTP method and route (`PUT /api/v1/stations/{code}`) or the command (`station add`).
    public var action: String
    /// The kind of thing changed (`station`, `observations`, `value`, `user`, …) and which one.
    public var entity: String
    public var entityKey: String
    /// The state before and after, as JSON text where there is one (bounded: long bodies are cut and say so).
    public var before: String?
    public var after: String?
    /// The hash of the entry before (64 zeros for the first) and of this one.
    public var prevHash: String
    public var hash: String

    public init(
        seq: Int64, at: Int64, actor: String, actorKind: String, role: String, address: String, channel: String, action: String,
        entity: String, entityKey: String, before: String?, after: String?, prevHash: String = "", hash: String = ""
    ) {
        self.seq = seq
        self.at = at
        self.actor = actor
        self.actorKind = actorKind
        self.role = role
        self.address = address
        self.channel = channel
        self.action = action
        self.entity = entity
        self.entityKey = entityKey
        self.before = before
        self.after = after
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// The chain's arithmetic: pure, so the store that appends and the command that verifies compute the same thing.
public enum AuditChain {
    public static let genesis = String(repeating: "0", count: 64)
    /// At most this many bytes of a before or after state are kept; longer ones are cut and say how long they were.
    public static let maxState = 8192

    /// The hash of an entry: SHA-256 over the previous hash and every field, each length-prefixed so that no two
    /// different entries serialize alike.
    public static func hash(_ e: AuditEntry, prev: String) -> String {
        var bytes: [UInt8] = []
        func field(_ s: String?) {
            guard let s else {
                bytes.append(contentsOf: Array("-1:".utf8))
                return
            }
            let u = Array(s.utf8)
            bytes.append(contentsOf: Array("\(u.count):".utf8))
            bytes.append(contentsOf: u)
        }
        field(prev)
        field(String(e.seq))
        field(String(e.at))
        for f in [e.actor, e.actorKind, e.role, e.address, e.channel, e.action, e.entity, e.entityKey] { field(f) }
        field(e.before)
        field(e.after)
        return Hex.encode(SHA256.digest(bytes))
    }

    /// Seals an entry onto the chain after `prev`.
    public static func seal(_ e: AuditEntry, prev: String) -> AuditEntry {
        var e = e
        e.prevHash = prev
        e.hash = hash(e, prev: prev)
        return e
    }

    /// A state as stored: cut to `maxState` bytes on a character boundary, with a note of the full length.
    public static func bounded(_ s: String?) -> String? {
        guard let s else { return nil }
        let count = s.utf8.count
        guard count > maxState else { return s }
        var cut = ""
        var used = 0
        for ch in s {
            let n = String(ch).utf8.count
            if used + n > maxState { break }
            cut.append(ch)
            used += n
        }
        return cut + "…[cut: \(count) bytes]"
    }

    /// An entry as it can be stored on either engine: no NUL in any text (PostgreSQL refuses it), states bounded.
    public static func storable(_ e: AuditEntry) -> AuditEntry {
        func clean(_ s: String) -> String { s.contains("\u{0}") ? s.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : s }
        var e = e
        e.actor = clean(e.actor)
        e.actorKind = clean(e.actorKind)
        e.role = clean(e.role)
        e.address = clean(e.address)
        e.channel = clean(e.channel)
        e.action = clean(e.action)
        e.entity = clean(e.entity)
        e.entityKey = clean(e.entityKey)
        e.before = bounded(e.before.map(clean))
        e.after = bounded(e.after.map(clean))
        return e
    }

    /// What is wrong with one entry, given the hash of the one before it (nil when it holds).
    public static func problem(_ e: AuditEntry, expectedSeq: Int64, prev: String) -> String? {
        if e.seq != expectedSeq { return "entry \(expectedSeq) is missing (the next entry is \(e.seq))" }
        if e.prevHash != prev { return "entry \(e.seq) does not follow entry \(e.seq - 1): its previous hash was changed, or an entry was removed" }
        if hash(e, prev: prev) != e.hash { return "entry \(e.seq) was changed after it was written: its content no longer matches its hash" }
        return nil
    }
}
