import Foundation
import Testing
import XanhCore
import XanhPostgres
import XanhSQLStore
import XanhSQLite
import XanhServices
import XanhStore

/// `xanh migrate-data`: a store copied to another engine and back is the same, table by table; an interrupted copy
/// resumes; a difference is named.
@Suite struct DataMigrationTests {
    /// A SQLite store with a station, six hours of derived data, an alert rule, an indicator value with its history.
    static func source() async throws -> SQLStore {
        let store = try await StoreFactory.make(.sqlite)
        _ = try await store.createStation(ambient)
        let dir = try await store.seriesDirectory().stations["HN-NKT"]!
        let day = Timestamps.parseDate("2026-11-20")!
        _ = try await store.ingest(rows(dir.series["PM2.5"]!, from: day, hours: 6) { _ in 60 })
        _ = try await store.ingest(rows(dir.series["NO2"]!, from: day, hours: 6) { _ in 250 })
        try await Deriver(store: store, reference: StoreFactory.reference, clock: { day + Timestamps.day }).drain()
        _ = try await store.createRule(AlertRule(name: "AQI", kind: .aqi, scope: AlertScope(), aqiAtLeast: 150))
        try await IndicatorService(store: store).write(
            [IndicatorValueWrite(indicator: "2.1", unit: "01", period: "2025", value: 12.5, numerator: nil, denominator: nil, origin: "row 2")],
            status: .draft, by: "test", at: day)
        return store
    }

    static func sqliteTarget() async throws -> SQLStore { try await StoreFactory.make(.sqlite) }

    @Test func copiesEveryTableAndVerifiesIt() async throws {
        let a = try await Self.source()
        let b = try await Self.sqliteTarget()
        let reports = try await DataMigrator(source: a, target: b, chunk: 50).run()
        #expect(reports.allSatisfy { $0.matches })
        #expect(reports.first { $0.table == "observations" }?.source.rows == 144)
        #expect(reports.first { $0.table == "hourly" }!.source.rows > 0)
        // The copy answers like the original through the store API, and keeps the SensorThings triggers.
        #expect(try await b.observationCount() == 144)
        let original = try await a.station(code: "HN-NKT")
        #expect(try await b.station(code: "HN-NKT") == original)
        let day = Timestamps.parseDate("2026-11-20")!
        let hours = try await a.hourlySeries(station: "HN-NKT", parameter: "NO2", from: day, to: day + Timestamps.day)
        #expect(!hours.isEmpty)
        #expect(try await b.hourlySeries(station: "HN-NKT", parameter: "NO2", from: day, to: day + Timestamps.day) == hours)
        #expect(try await b.exceedances(station: nil, from: 0, to: .max, afterID: nil, limit: 10).count > 0)
        _ = try await b.createStation(
            Station(code: "NEW", name: "New", kind: .ambientAir, province: "01", latitude: 21, longitude: 105, parameters: []))
        #expect(try await b.staRead { c in try await c.scalar("SELECT count(*) FROM sta_locations").int64 } == 2)
    }

    @Test func anInterruptedCopyResumesAndADifferenceIsNamed() async throws {
        let a = try await Self.source()
        let b = try await Self.sqliteTarget()
        // Stopped after 4 chunks of 10 rows: the first tables are done, observations not reached.
        _ = try await DataMigrator(source: a, target: b, chunk: 10).run(stopAfterChunks: 4)
        let partial = try await b.copyProgress()
        #expect(partial["meta"]?.done == true)
        #expect(partial["observations"] == nil)
        // Run again: it continues, and everything matches.
        let reports = try await DataMigrator(source: a, target: b, chunk: 10).run()
        #expect(reports.allSatisfy { $0.matches })
        #expect(try await b.observationCount() == 144)
        // A row changed on one side is found, and its table named.
        let series = try await b.seriesDirectory().stations["HN-NKT"]!.series["PM2.5"]!
        _ = try await b.ingest([
            ValidObservation(seriesID: series, t: Timestamps.parseDate("2026-11-20")! + 300, value: 1, status: .measuring, qc: .ok)
        ])
        do {
            _ = try await DataMigrator(source: a, target: b).verify()
            Issue.record("expected a mismatch")
        } catch let DataMigrator.Failure.mismatch(bad) {
            #expect(bad.map(\.table).contains("observations"))
        }
    }

    /// SQLite → PostgreSQL → SQLite gives back the same rows in every table.
    @Test(.enabled(if: Engine.postgresURL != nil)) func roundTripThroughPostgreSQL() async throws {
        let a = try await Self.source()
        let pg = try await StoreFactory.make(.postgres)
        let there = try await DataMigrator(source: a, target: pg, chunk: 25).run()
        #expect(there.allSatisfy { $0.matches })
        #expect(try await pg.observationCount() == 144)
        let latest = try await a.latestAQI()
        #expect(try await pg.latestAQI() == latest)
        let b = try await Self.sqliteTarget()
        _ = try await DataMigrator(source: pg, target: b, chunk: 25).run()
        let back = try await DataMigrator(source: a, target: b).verify()
        #expect(back.count == there.count)
        #expect(back.allSatisfy { $0.matches })
        // Ids continue after the copied ones on PostgreSQL.
        let rule = try await pg.createRule(AlertRule(name: "second", kind: .aqi, scope: AlertScope(), aqiAtLeast: 200))
        #expect(rule.id == 2)
    }

    /// The SQLite online backup is a complete database equal to the live one, taken while it stays open.
    @Test func sqliteBackupRoundTrips() async throws {
        let a = try await Self.source()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-backup-\(UUID().uuidString).sqlite").path
        try a.db.backup(to: path)
        #expect(throws: StoreError.self) { try a.db.backup(to: path) }  // never overwrites
        let restored = try await SQLStore.open(try SQLiteDatabase(path: path), reference: StoreFactory.reference, rules: .xanh)
        let reports = try await DataMigrator(source: a, target: restored).verify()
        #expect(reports.count > 30)
        #expect(reports.allSatisfy { $0.matches })
        #expect(try await restored.observationCount() == 144)
    }
}

@Suite struct PGLocationTests {
    @Test func urlsAreParsedAndBadOnesNamed() throws {
        let l = try PGLocation(url: "postgres://xanh:secret@db.example:6543/monitoring?schema=hp")
        #expect(l == PGLocation(host: "db.example", port: 6543, user: "xanh", password: "secret", database: "monitoring", schema: "hp"))
        #expect(l.description == "postgres://xanh@db.example:6543/monitoring?schema=hp")  // never the password
        #expect(try PGLocation(url: "postgresql://u@h/d").port == 5432)
        #expect(!PGLocation.isPostgresURL("/var/lib/xanh/xanh.sqlite"))
        for bad in ["postgres://", "postgres://u@h", "postgres://u@h/d?schema=a;drop"] {
            #expect(throws: StoreError.self) { try PGLocation(url: bad) }
        }
    }
}
