import ArgumentParser
import Foundation
import XanhCore
import XanhHTTP
import XanhSQL
import XanhSQLStore
import XanhServices
import XanhStore

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `xanh-bench --audit`: what the audit chain costs live data. Real-time-shaped batches (one station, six
/// parameters, one time step) posted one after another to a live server, which writes an audit entry for each;
/// against the same batches stored through the ingestor directly (no HTTP, no audit) and the audit appends alone, in
/// the same run, on SQLite and (with `--postgres`) PostgreSQL. Also the bytes each entry takes on disk.
struct AuditBench {
    let batches: Int
    let port: Int
    let postgres: String?

    func run() async throws {
        print("machine: \(Machine.describe())")
        print("real-time batches: \(batches) × 6 observations")
        let reference = try ReferenceData.bundled()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-auditbench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var engines: [(String, String?)] = [("SQLite", nil)]
        if let postgres { engines.append(("PostgreSQL", postgres)) }
        for (engine, url) in engines {
            func open(_ name: String) async throws -> SQLStore {
                try await BenchStore.open(
                    url, sqlite: dir.appendingPathComponent("\(name).sqlite").path, schema: "auditbench_\(name)", reference: reference)
            }
            let now = Int64(Date().timeIntervalSince1970)
            let rows = Bench.inputs(rows: batches * 6, now: now)
            let slices = stride(from: 0, to: rows.count, by: 6).map { Array(rows[$0..<min($0 + 6, rows.count)]) }

            // 1. The ingestor alone: one transaction per batch, no HTTP, no audit.
            let direct = try await open("direct")
            for i in 0..<Bench.stationCount { _ = try await direct.createStation(Bench.station(i)) }
            let ingestor = direct.services.ingestor
            let directSeconds = try await Clocked.seconds { for s in slices { _ = try await ingestor.ingest(s) } }

            // 2. The audit appends alone, as the server writes them for these batches.
            let audit = try await open("audit")
            let log = audit.services.audit
            let caller = Caller(name: "logger-b0", role: "facility_operator")
            let sizeBefore = try await audit.auditBytes()
            let auditSeconds = try await Clocked.seconds {
                for i in 0..<slices.count {
                    try await log.record(
                        caller, address: "10.0.0.\(i % 250)", channel: "api", action: "POST /api/v1/observations", entity: "observations", key: "",
                        after:
                            #"{"observations":[{"station":"B-0","parameter":"PM2.5","time":"2026-11-20T10:00:00+07:00","value":31.5,"status":"00"}]}"#
                    )
                }
            }
            let perEntry = Double(try await audit.auditBytes() - sizeBefore) / Double(slices.count)

            // 3. Through HTTP to a live server, which audits each batch.
            let http = try await open("http")
            for i in 0..<Bench.stationCount { _ = try await http.createStation(Bench.station(i)) }
            let key = APIKeys.generate()
            try await http.createAPIKey(name: "bench", hash: APIKeys.hash(key), role: "admin")
            let bodies = Bench.bodies(rows, batch: 6)
            let (server, base) = try await Bench.startServer(http, services: http.services, port: port)
            let session = URLSession(configuration: .ephemeral)
            var accepted = 0
            let httpSeconds = try await Clocked.seconds {
                for body in bodies { accepted += try await Bench.post(body, base: base, key: key, session: session) }
            }
            server.cancel()
            let entries = try await http.auditEntries(AuditFilter(entity: "observations"), beforeSeq: nil, limit: 10_000).count
            guard accepted == rows.count, entries == min(slices.count, 10_000) else {
                throw ValidationError("accepted \(accepted) of \(rows.count); \(entries) audit entries for \(slices.count) batches")
            }
            let ms = { (s: Double) in String(format: "%.3f ms", s * 1000 / Double(slices.count)) }
            print("\(engine):")
            print("  ingestor, per batch (baseline)        \(ms(directSeconds))")
            print(
                "  audit append, per entry                \(ms(auditSeconds))  (\(String(format: "%.2f", auditSeconds / directSeconds)) × the baseline)"
            )
            print(
                "  HTTP POST with its audit, per batch    \(ms(httpSeconds))  (\(String(format: "%.2f", httpSeconds / directSeconds)) × the baseline)"
            )
            print("  audit share of an HTTP batch           \(String(format: "%.0f %%", auditSeconds / httpSeconds * 100))")
            print("  disk per audit entry                   \(Int(perEntry)) B")
            for s in [direct, audit, http] { try await s.dropBenchSchema() }
        }
    }
}

extension SQLStore {
    /// Bytes the audit table and its indexes take: PostgreSQL's relation sizes; SQLite's pages (the audit store holds
    /// nothing else that grows).
    func auditBytes() async throws -> Int {
        if isPostgres {
            let v = try await db.read { c in try await c.scalar("SELECT pg_total_relation_size('audit_log')") }
            return Int(v.int64 ?? 0)
        }
        return try await db.read { c in
            let pages = try await c.scalar("PRAGMA page_count").int64 ?? 0
            let size = try await c.scalar("PRAGMA page_size").int64 ?? 0
            return Int(pages * size)
        }
    }
}
