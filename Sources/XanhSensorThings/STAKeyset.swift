import XanhSQL

/// Keyset continuation (`$skiptoken`): where a page ended, so that the next page starts there by the index instead of
/// counting past every row before it with `OFFSET`. Written into `@iot.nextLink` whenever a collection is read in an
/// order Xanh indexes; `$skip` keeps working for clients that send it.
///
/// The token is opaque to clients; it reads `a<arm>_<base>[_<t>]` (the union of Datastream or Observation arms in id
/// order), `t<t>` or `d<t>` (one Datastream's Observations by time, ascending or descending) or `i<id>` (any other
/// collection by id).
enum Keyset: Equatable {
    case arm(STAIDs.Arm, base: Int64, t: Int64?)
    case time(Int64, descending: Bool)
    case id(Int64)

    /// The orders a keyset can continue.
    enum Order: Equatable {
        /// The default order over the arms' union (`Renderer.byArm`).
        case arms
        /// One Datastream's Observations by their key time.
        case time(descending: Bool)
        /// By id.
        case id
    }

    /// The keyset order of a read with these `ORDER BY` keys, if it has one.
    static func order(of keys: [String]) -> Order? {
        switch keys {
        case ["e.t ASC"]: return .time(descending: false)
        case ["e.t DESC"]: return .time(descending: true)
        case ["e.id ASC"]: return .id
        default: return nil
        }
    }

    var token: String {
        switch self {
        case .arm(let arm, let base, let t): return "a\(arm.rawValue)_\(base)" + (t.map { "_\($0)" } ?? "")
        case .time(let t, let descending): return (descending ? "d" : "t") + String(t)
        case .id(let id): return "i\(id)"
        }
    }

    /// The key a token names, when it is one this server writes.
    init?(token: String) {
        guard let kind = token.first else { return nil }
        let parts = token.dropFirst().split(separator: "_", omittingEmptySubsequences: false)
        let n = parts.compactMap { Int64($0) }
        guard n.count == parts.count else { return nil }
        switch (kind, n.count) {
        case ("a", 2...3):
            guard let arm = STAIDs.Arm(rawValue: n[0]) else { return nil }
            self = .arm(arm, base: n[1], t: n.count == 3 ? n[2] : nil)
        case ("t", 1): self = .time(n[0], descending: false)
        case ("d", 1): self = .time(n[0], descending: true)
        case ("i", 1): self = .id(n[0])
        default: return nil
        }
    }

    /// The token of a request, checked against the order it is read in.
    static func of(_ o: STAOptions, order: Order?, entity: STAEntity) throws -> Keyset? {
        guard let text = o.skipToken else { return nil }
        guard let k = Keyset(token: text), let order, k.fits(order, entity) else {
            throw STAError(.badRequest, "$skiptoken '\(text)' does not continue this query; follow @iot.nextLink as the server wrote it")
        }
        return k
    }

    func fits(_ order: Order, _ entity: STAEntity) -> Bool {
        switch (self, order) {
        case (.arm(_, _, let t), .arms): return (t != nil) == (entity == .observation)
        case (.time(_, let a), .time(let b)): return a == b
        case (.id, .id): return true
        default: return false
        }
    }

    /// The rows after this key, for the arm (or single view) being read; nil when the whole view comes after it.
    func condition(arm: STAIDs.Arm? = nil) -> String? {
        switch self {
        case .arm(let from, let base, let t):
            guard arm == from else { return nil }
            return t.map { "(e.base, e.t) > (\(base), \($0))" } ?? "e.base > \(base)"
        case .time(let t, let descending): return descending ? "e.t < \(t)" : "e.t > \(t)"
        case .id(let id): return "e.id > \(id)"
        }
    }

    /// Whether an arm lies wholly before the key (the union is read arm after arm).
    func passes(_ arm: STAIDs.Arm) -> Bool {
        if case .arm(let from, _, _) = self { return arm.rawValue < from.rawValue }
        return false
    }

    /// The key of the last row of a page read in `order`.
    static func after(_ last: SQLRow, _ order: Order, _ entity: STAEntity) -> Keyset? {
        switch order {
        case .arms:
            let ds = entity == .datastream ? last["id"].int64 : last["datastream_id"].int64
            guard let ds, let (arm, base) = STAIDs.datastream(ds) else { return nil }
            if entity == .datastream { return .arm(arm, base: base, t: nil) }
            return last["t"].int64.map { .arm(arm, base: base, t: $0) }
        case .time(let descending): return last["t"].int64.map { .time($0, descending: descending) }
        case .id: return last["id"].int64.map { .id($0) }
        }
    }
}
