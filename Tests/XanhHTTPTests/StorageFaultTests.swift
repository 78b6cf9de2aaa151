import Foundation
import GRDB
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhSQLite
import XanhHTTP
import XanhSQLStore
import XanhSensorThings
import XanhServices
import Prometheus
import XanhStore

/// A full disk and a read-only database answer 507 and 503, `/health` says degraded with the reason, and ingest
/// resumes by itself once the fault is gone. SQLite only: its page limit and `query_only` make the faults real
/// without filling a disk (PostgreSQL's are covered by scripts/pg-fault-test).
@Suite struct StorageFaultTests {
    @Test func fullDiskAndReadOnlyDatabaseAreToldApartAndRecovered() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-full-\(UUID().uuidString).sqlite").path
        let sqlite = try SQLiteDatabase(path: path)
        let store = try await SQLStore.open(sqlite, reference: Fixture.reference, rules: .xanh)
        let services = AppServices(store: store, reference: Fixture.reference, clock: { Fixture.now })
        let sta = STAService(store: store, catalogue: Fixture.reference.parameters, clock: { Fixture.now })
        let key = APIKeys.generate()
        try await store.createAPIKey(name: "t", hash: APIKeys.hash(key), role: "editor")
        _ = try await store.createStation(
            Station(code: "HN-F", name: "F", kind: .ambientAir, province: "01", parameters: [StationParameter(parameter: "PM2.5")]))
        let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
        @Sendable func batch(_ offset: Int) -> ByteBuffer {
            Fixture.observations(
                (0..<3000).map { i in
                    [
                        "station": "HN-F", "parameter": "PM2.5", "time": Timestamps.format(Fixture.now - 20 * 86_400 + Int64(offset + i) * 60),
                        "value": Double(i % 80),
                    ]
                })
        }
        @Sendable func pragma(_ sql: String) async throws { try await sqlite.pool.writeWithoutTransaction { db in try db.execute(sql: sql) } }

        let app = Application(router: try await buildRouter(services, sensorThings: sta, metrics: PrometheusCollectorRegistry()))
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/api/v1/observations", method: .post, headers: headers, body: batch(0)).status == .ok)
            let pages = try await sqlite.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0 }
            try await pragma("PRAGMA max_page_count = \(pages)")

            let full = try await client.execute(uri: "/api/v1/observations", method: .post, headers: headers, body: batch(10_000))
            #expect(full.status.code == 507, "\(full.status) \(String(buffer: full.body))")
            #expect(full.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            #expect(String(buffer: full.body).contains("full"))
            let degraded = Fixture.json(try await client.execute(uri: "/health", method: .get))
            #expect(degraded["status"] as? String == "degraded", "\(degraded)")
            #expect(((degraded["reasons"] as? [String]) ?? []).contains { $0.contains("full") })

            // Space returns: the same batch goes in, and /health is ok again.
            try await pragma("PRAGMA max_page_count = 1073741823")
            #expect(try await client.execute(uri: "/api/v1/observations", method: .post, headers: headers, body: batch(10_000)).status == .ok)
            #expect(Fixture.json(try await client.execute(uri: "/health", method: .get))["status"] as? String == "ok")

            // A read-only database: 503 with Retry-After, reads still answer.
            try await pragma("PRAGMA query_only = 1")
            let ro = try await client.execute(uri: "/api/v1/observations", method: .post, headers: headers, body: batch(20_000))
            #expect(ro.status == .serviceUnavailable, "\(ro.status) \(String(buffer: ro.body))")
            #expect(ro.headers[.retryAfter] != nil)
            #expect(try await client.execute(uri: "/api/v1/stations", method: .get).status == .ok)
            #expect(Fixture.json(try await client.execute(uri: "/health", method: .get))["status"] as? String == "degraded")
            try await pragma("PRAGMA query_only = 0")
            #expect(try await client.execute(uri: "/api/v1/observations", method: .post, headers: headers, body: batch(20_000)).status == .ok)
        }
        #expect(try await store.observationCount() == 9000)
    }
}
