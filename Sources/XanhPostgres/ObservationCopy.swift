import XanhCore
import XanhSQL

/// PostgreSQL's way with a batch of observations: fresh data goes in by `COPY` (inside a savepoint); a batch that
/// repeats a stored key, or one the probe cannot rule out, takes the upsert over arrays. New keys go in first; only
/// when some key already existed is the batch joined again to replace those values (`xmax`, the usual way to tell
/// inserts from updates, cannot be read from a partitioned table). A key sent twice in one batch keeps the last value
/// and counts as a replacement, as on SQLite.
enum ObservationCopy {
    static func write(_ rows: [ValidObservation], _ c: PGConn) async throws -> Int {
        var index: [Key: Int] = [:]  // (series, t) → position in the arrays
        index.reserveCapacity(rows.count)
        var series: [Int64] = [], times: [Int64] = [], values: [Double] = [], statuses: [Int64] = [], qcs: [Int64] = []
        series.reserveCapacity(rows.count)
        times.reserveCapacity(rows.count)
        values.reserveCapacity(rows.count)
        statuses.reserveCapacity(rows.count)
        qcs.reserveCapacity(rows.count)
        var duplicates = 0
        for r in rows {
            let key = Key(series: r.seriesID, t: r.t)
            if let i = index[key] {
                values[i] = r.value
                statuses[i] = Int64(r.status.rawValue)
                qcs[i] = Int64(r.qc.rawValue)
                duplicates += 1
                continue
            }
            index[key] = series.count
            series.append(r.seriesID)
            times.append(r.t)
            values.append(r.value)
            statuses.append(Int64(r.status.rawValue))
            qcs.append(Int64(r.qc.rawValue))
        }
        var inserted: Int?
        if duplicates == 0, values.allSatisfy(\.isFinite), try await !anyStored(series: series, times: times, c) {
            _ = try await c.run("SAVEPOINT xanh_copy", [])
            do {
                try await c.copy(table: "observations", columns: ["series_id", "t", "value", "status", "qc"], count: series.count) { i, b in
                    b.writeString("\(series[i])\t\(times[i])\t\(values[i])\t\(statuses[i])\t\(qcs[i])\n")
                }
                _ = try await c.run("RELEASE SAVEPOINT xanh_copy", [])
                inserted = series.count
            } catch let e as PGQueryError where e.isConstraint {
                // A key stored since the probe (a concurrent writer): the upsert below decides.
                _ = try await c.run("ROLLBACK TO SAVEPOINT xanh_copy", [])
            }
        }
        let arrays: [PGArg] = [.ints(series), .ints(times), .doubles(values), .ints(statuses), .ints(qcs)]
        let stored: Int
        if let inserted {
            stored = inserted
        } else {
            let result = try await c.run(
                """
                WITH ins AS (
                  INSERT INTO observations(series_id, t, value, status, qc)
                  SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::bigint[], ?::bigint[])
                  ON CONFLICT (series_id, t) DO NOTHING RETURNING 1)
                SELECT count(*) FROM ins
                """, arrays)
            stored = Int(result.rows.first.flatMap { $0.first.map(PGConn.value)?.int64 } ?? 0)
        }
        let replaced = series.count - stored
        if replaced > 0 {
            _ = try await c.run(
                """
                UPDATE observations o SET value = v.value, status = v.status, qc = v.qc
                FROM unnest(?::bigint[], ?::bigint[], ?::float8[], ?::bigint[], ?::bigint[]) AS v(series_id, t, value, status, qc)
                WHERE o.series_id = v.series_id AND o.t = v.t AND (o.value, o.status, o.qc) IS DISTINCT FROM (v.value, v.status, v.qc)
                """, arrays)
        }
        return replaced + duplicates
    }

    struct Key: Hashable {
        var series: Int64
        var t: Int64
    }

    /// Whether any of a few rows (first, middle, last, and for small batches all) is stored already: a resend is
    /// usually whole, so this sends it straight to the upsert instead of a COPY bound to fail.
    static func anyStored(series: [Int64], times: [Int64], _ c: PGConn) async throws -> Bool {
        let n = series.count
        guard n > 0 else { return false }
        let picks = n <= 16 ? Array(0..<n) : Array(Set([0, n / 4, n / 2, 3 * n / 4, n - 1])).sorted()
        let r = try await c.run(
            "SELECT EXISTS (SELECT 1 FROM observations o JOIN unnest(?::bigint[], ?::bigint[]) AS k(s, t) ON o.series_id = k.s AND o.t = k.t)",
            [.ints(picks.map { series[$0] }), .ints(picks.map { times[$0] })])
        return r.rows.first.flatMap { $0.first.map(PGConn.value)?.int64 } == 1
    }
}
