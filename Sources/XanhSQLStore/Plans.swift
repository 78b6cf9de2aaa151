import Foundation
import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: PlanStore {
    public func agencies() async throws -> [Agency] {
        try await read { c in
            try await c.query("SELECT id, name, name_en, kind, unit, parent, emails FROM agencies ORDER BY id\(raw: c.dialect.bytewise) LIMIT 20000")
                .map {
                    Agency(
                        id: try $0.text("id"), name: try $0.text("name"), nameEn: $0.optionalText("name_en"),
                        kind: Agency.Kind(rawValue: try $0.text("kind")) ?? .other, unit: $0.optionalText("unit"), parent: $0.optionalText("parent"),
                        emails: StoredJSON.decode([String].self, $0.optionalText("emails")) ?? [])
                }
        }
    }

    public func upsertAgencies(_ agencies: [Agency]) async throws {
        var seen = Set<String>()
        let rows = agencies.reversed().filter { seen.insert($0.id).inserted }.reversed()
        try await write { c in
            try await c.insertRows(
                into: "agencies", columns: ["id", "name", "name_en", "kind", "unit", "parent", "emails"],
                rows: rows.map {
                    [
                        .text($0.id), .text($0.name), $0.nameEn.sqlValue, .text($0.kind.rawValue), $0.unit.sqlValue, $0.parent.sqlValue,
                        .text(StoredJSON.encode($0.emails)),
                    ]
                },
                conflict: """
                    ON CONFLICT(id) DO UPDATE SET name = excluded.name, name_en = excluded.name_en, kind = excluded.kind, unit = excluded.unit,
                      parent = excluded.parent, emails = excluded.emails
                    """)
        }
    }

    public func plans() async throws -> [Plan] {
        try await read { c in
            try await c.query("SELECT definition FROM plans ORDER BY id\(raw: c.dialect.bytewise) LIMIT 1000").compactMap {
                StoredJSON.decode(Plan.self, $0.optionalText("definition"))
            }
        }
    }

    public func plan(id: String) async throws -> Plan? {
        try await read { c in StoredJSON.decode(Plan.self, try await c.scalar("SELECT definition FROM plans WHERE id = \(id)").text) }
    }

    public func upsertPlan(_ p: Plan) async throws {
        try await write { c in
            try await c.execute(
                """
                INSERT INTO plans(id, number, status, definition) VALUES (\(p.id), \(p.number), \(p.status.rawValue), \(StoredJSON.encode(p)))
                ON CONFLICT(id) DO UPDATE SET number = excluded.number, status = excluded.status, definition = excluded.definition
                """)
        }
    }

    public func obligations() async throws -> [ReportingObligation] {
        try await read { c in
            try await c.query("SELECT definition FROM obligations ORDER BY id\(raw: c.dialect.bytewise) LIMIT 1000").compactMap {
                StoredJSON.decode(ReportingObligation.self, $0.optionalText("definition"))
            }
        }
    }

    public func upsertObligation(_ o: ReportingObligation) async throws {
        try await write { c in
            try await c.execute(
                """
                INSERT INTO obligations(id, plan, definition) VALUES (\(o.id), \(o.plan), \(StoredJSON.encode(o)))
                ON CONFLICT(id) DO UPDATE SET plan = excluded.plan, definition = excluded.definition
                """)
        }
    }

    static let reportColumns: SQL =
        "SELECT obligation, period, agency, stage, sections, nothing_to_report, submitted_by, submitted_at, decided_by, decided_at, note, due FROM reports"

    static func report(_ r: SQLRow) throws -> ReportInstance {
        ReportInstance(
            obligation: try r.text("obligation"), period: try r.text("period"), agency: try r.text("agency"),
            stage: ReportInstance.Stage(rawValue: try r.text("stage")) ?? .open,
            sections: StoredJSON.decode([String: String].self, r.optionalText("sections")) ?? [:], nothingToReport: try r.bool("nothing_to_report"),
            submittedBy: r.optionalText("submitted_by"), submittedAt: try r.optionalInt64("submitted_at"), decidedBy: r.optionalText("decided_by"),
            decidedAt: try r.optionalInt64("decided_at"), note: r.optionalText("note"), due: r.optionalText("due").flatMap(CivilDate.init))
    }

    public func ensureReports(_ reports: [ReportInstance]) async throws {
        guard !reports.isEmpty else { return }
        var seen = Set<String>()
        let rows = reports.filter { seen.insert($0.id).inserted }
        try await write { c in
            try await c.insertRows(
                into: "reports", columns: ["id", "obligation", "period", "agency", "stage", "due"],
                rows: rows.map {
                    [
                        .text($0.id), .text($0.obligation), .text($0.period), .text($0.agency), .text($0.stage.rawValue),
                        $0.due?.description.sqlValue ?? .null,
                    ]
                },
                conflict: "ON CONFLICT(id) DO NOTHING")
        }
    }

    public func reports(_ f: ReportFilter) async throws -> [ReportInstance] {
        var clauses: [SQL] = []
        if let o = f.obligations { clauses.append("obligation IN (\(list: o))") }
        if let p = f.period { clauses.append("period = \(p)") }
        if let a = f.agency { clauses.append("agency = \(a)") }
        if let s = f.stages { clauses.append("stage IN (\(list: s.map(\.rawValue)))") }
        let whereSQL: SQL = clauses.isEmpty ? "" : " WHERE " + SQL.join(clauses, " AND ")
        let limit = max(1, min(f.limit, 20_000))
        return try await read { c in
            let order = c.dialect.bytewise
            return try await c.query(
                Self.reportColumns + whereSQL + " ORDER BY obligation\(raw: order), period\(raw: order), agency\(raw: order) LIMIT \(limit)"
            ).map(Self.report)
        }
    }

    public func changeReport(id: String, _ change: @Sendable (ReportInstance) throws -> ReportInstance) async throws -> ReportInstance {
        try await write { c in
            let lock: SQL = c.dialect.isPostgres ? " FOR UPDATE" : ""
            guard let row = try await c.one(Self.reportColumns + " WHERE id = \(id)" + lock) else {
                throw StoreError.notFound("no report '\(id)'")
            }
            let r = try change(try Self.report(row))
            try await c.execute(
                """
                UPDATE reports SET stage = \(r.stage.rawValue), sections = \(StoredJSON.encode(r.sections)), nothing_to_report = \(r.nothingToReport),
                  submitted_by = \(r.submittedBy), submitted_at = \(r.submittedAt), decided_by = \(r.decidedBy), decided_at = \(r.decidedAt),
                  note = \(r.note), due = \(r.due?.description) WHERE id = \(id)
                """)
            return r
        }
    }

    public func progress(plan: String, period: String?) async throws -> [ProgressEntry] {
        let periodSQL: SQL = period.map { " AND period = \($0)" } ?? ""
        return try await read { c in
            let order = c.dialect.bytewise
            return try await c.query(
                "SELECT entry FROM task_progress WHERE plan = \(plan)" + periodSQL
                    + " ORDER BY task\(raw: order), period\(raw: order), agency\(raw: order) LIMIT 50000"
            ).compactMap { StoredJSON.decode(ProgressEntry.self, $0.optionalText("entry")) }
        }
    }

    public func upsertProgress(_ entries: [ProgressEntry]) async throws {
        var seen = Set<String>()
        let rows = entries.reversed().filter { seen.insert("\($0.plan)\u{1}\($0.task)\u{1}\($0.period)\u{1}\($0.agency)").inserted }.reversed()
        try await write { c in
            try await c.insertRows(
                into: "task_progress", columns: ["plan", "task", "period", "agency", "status", "entry", "updated_at"],
                rows: rows.map {
                    [
                        .text($0.plan), .text($0.task), .text($0.period), .text($0.agency), .text($0.status.rawValue), .text(StoredJSON.encode($0)),
                        $0.updatedAt.sqlValue,
                    ]
                },
                conflict:
                    "ON CONFLICT(plan, task, period, agency) DO UPDATE SET status = excluded.status, entry = excluded.entry, updated_at = excluded.updated_at"
            )
        }
    }

    public func addEvidence(_ file: EvidenceFile) async throws {
        try await write { c in
            // Base64 in a text column: one schema on both engines; files are bounded by the upload limit.
            try await c.execute(
                """
                INSERT INTO evidence_files(sha256, filename, content_type, size, data, uploaded_by, uploaded_at)
                VALUES (\(file.sha256), \(file.filename), \(file.contentType), \(Int64(file.data.count)), \(file.data.base64EncodedString()),
                  \(file.uploadedBy), \(file.uploadedAt))
                ON CONFLICT(sha256) DO NOTHING
                """)
        }
    }

    public func evidence(sha256: String) async throws -> EvidenceFile? {
        try await read { c in
            guard
                let r = try await c.one(
                    "SELECT filename, content_type, data, uploaded_by, uploaded_at FROM evidence_files WHERE sha256 = \(sha256)")
            else { return nil }
            guard let data = Data(base64Encoded: try r.text("data")) else {
                throw StoreError.invalid([.init(field: "evidence_files.data", message: "is not base64 for \(sha256)")])
            }
            return EvidenceFile(
                sha256: sha256, filename: try r.text("filename"), contentType: try r.text("content_type"), data: data,
                uploadedBy: try r.text("uploaded_by"), uploadedAt: try r.int64("uploaded_at"))
        }
    }

    public func claimReminder(recipient: String, day: String, at: Int64) async throws -> Bool {
        try await write { c in
            try await c.execute(
                "INSERT INTO reminders_sent(recipient, day, at) VALUES (\(recipient), \(day), \(at)) ON CONFLICT(recipient, day) DO NOTHING") == 1
        }
    }

    public func releaseReminder(recipient: String, day: String) async throws {
        try await write { c in try await c.execute("DELETE FROM reminders_sent WHERE recipient = \(recipient) AND day = \(day)") }
    }
}
