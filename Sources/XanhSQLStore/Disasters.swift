import Foundation
import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: DisasterStore {
    public func changeDisasterEvent(
        id: String, by: String, at: Int64, _ change: @Sendable (DisasterEvent?) throws -> (event: DisasterEvent, action: String, comment: String?)
    ) async throws -> (event: DisasterEvent, created: Bool, action: String) {
        try await write { c in
            let lock: SQL = c.dialect.isPostgres ? " FOR UPDATE" : ""
            let old = try await c.one("SELECT doc FROM disaster_events WHERE id = \(id)" + lock).map { try Self.disaster($0) }
            var (event, action, comment) = try change(old)
            event.id = id
            if action == "unchanged", let old { return (old, false, action) }
            let doc = StoredJSON.encode(event)
            if old == nil {
                try await c.execute(
                    """
                    INSERT INTO disaster_events(id, kind, start_time, status, doc, updated_by, updated_at)
                    VALUES (\(id), \(event.kind.rawValue), \(event.start), \(event.status.rawValue), \(doc), \(by), \(at))
                    """)
            } else {
                try await c.execute(
                    """
                    UPDATE disaster_events SET kind = \(event.kind.rawValue), start_time = \(event.start), status = \(event.status.rawValue),
                      doc = \(doc), updated_by = \(by), updated_at = \(at) WHERE id = \(id)
                    """)
            }
            try await c.execute(
                """
                INSERT INTO disaster_history(event, seq, at, by_whom, action, old_status, new_status, comment)
                SELECT \(id), coalesce(max(seq), 0) + 1, \(at), \(by), \(action), \(old?.status.rawValue), \(event.status.rawValue), \(comment)
                FROM disaster_history WHERE event = \(id)
                """)
            return (event, old == nil, action)
        }
    }

    public func disasterEvent(id: String) async throws -> DisasterEvent? {
        try await read { c in try await c.one("SELECT doc FROM disaster_events WHERE id = \(id)").map { try Self.disaster($0) } }
    }

    public func disasterEvents(from: Int64?, to: Int64?, kind: HazardKind?, statuses: Set<ValueStatus>, limit: Int) async throws -> [DisasterEvent] {
        try await read { c in
            var sql: SQL = "SELECT doc FROM disaster_events WHERE 1 = 1"
            if let from { sql = sql + " AND start_time >= \(from)" }
            if let to { sql = sql + " AND start_time < \(to)" }
            if let kind { sql = sql + " AND kind = \(kind.rawValue)" }
            let wanted = ValueStatus.allCases.filter { statuses.contains($0) }
            if wanted.count < ValueStatus.allCases.count {
                guard !wanted.isEmpty else { return [] }
                sql = sql + " AND status IN (" + SQL.join(wanted.map { (s) -> SQL in "\(s.rawValue)" }, ", ") + ")"
            }
            sql = sql + " ORDER BY start_time, id\(raw: c.dialect.bytewise) LIMIT \(Int64(max(0, min(limit, 100_000))))"
            return try await c.query(sql).map { try Self.disaster($0) }
        }
    }

    public func disasterHistory(id: String) async throws -> [DisasterChange] {
        try await read { c in
            try await c.query("SELECT at, by_whom, action, old_status, new_status, comment FROM disaster_history WHERE event = \(id) ORDER BY seq")
                .map { r in
                    DisasterChange(
                        at: try r.int64("at"), by: try r.text("by_whom"), action: try r.text("action"),
                        oldStatus: r.optionalText("old_status").flatMap(ValueStatus.init(rawValue:)),
                        newStatus: ValueStatus(rawValue: try r.text("new_status")) ?? .draft, comment: r.optionalText("comment"))
                }
        }
    }

    static func disaster(_ r: SQLRow) throws -> DisasterEvent {
        guard let e = StoredJSON.decode(DisasterEvent.self, try r.text("doc")) else {
            throw StoreError.invalid([.init(field: "disaster_events.doc", message: "is not a disaster event")])
        }
        return e
    }
}
