import GRDB
import XanhCore

extension SQLiteStore {
    /// The baseline the ingest benchmark compares with: plain INSERTs of the rows through one cached prepared
    /// statement in one transaction — no parsing, validation, upsert check or derivation marks.
    public func rawInsertBaseline(_ rows: [ValidObservation]) throws {
        try writer.write { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO observations(series_id, t, value, status, qc) VALUES (?,?,?,?,?)")
            for r in rows { try insert.execute(arguments: [r.seriesID, r.t, r.value, r.status.rawValue, r.qc.rawValue]) }
        }
    }
}
