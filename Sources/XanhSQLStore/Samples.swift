import Foundation
import XanhCore
import XanhSQL
import XanhStore

extension SQLStore: SampleStore {
    public func upsertSamples(_ samples: [Sample], at: Int64) async throws -> Int {
        try await write { c in
            var added = 0
            for s in samples {
                if try await !c.exists("SELECT 1 FROM samples WHERE station = \(s.station) AND time = \(s.time)") { added += 1 }
                try await c.execute(
                    """
                    INSERT INTO samples(station, time, campaign, wqi, doc, updated_at)
                    VALUES (\(s.station), \(s.time), \(s.campaign), \(s.wqi?.wqi.map(Int64.init)), \(StoredJSON.encode(s)), \(at))
                    ON CONFLICT(station, time) DO UPDATE SET campaign = excluded.campaign, wqi = excluded.wqi, doc = excluded.doc,
                      updated_at = excluded.updated_at
                    """)
            }
            return added
        }
    }

    public func samples(station: String?, campaign: String?, from: Int64?, to: Int64?, limit: Int) async throws -> [Sample] {
        try await read { c in
            var sql: SQL = "SELECT doc FROM samples WHERE 1 = 1"
            if let station { sql = sql + " AND station = \(station)" }
            if let campaign { sql = sql + " AND campaign = \(campaign)" }
            if let from { sql = sql + " AND time >= \(from)" }
            if let to { sql = sql + " AND time < \(to)" }
            sql = sql + " ORDER BY time, station\(raw: c.dialect.bytewise) LIMIT \(Int64(max(0, min(limit, 100_000))))"
            return try await c.query(sql).map { r in
                guard let s = StoredJSON.decode(Sample.self, try r.text("doc")) else {
                    throw StoreError.invalid([.init(field: "samples.doc", message: "is not a sample")])
                }
                return s
            }
        }
    }
}
