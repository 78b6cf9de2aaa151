import Foundation
import Testing
import XanhCore
import XanhSQL
import XanhSQLStore
import XanhStore

/// Table copying, the store's identity and faults, the SensorThings source and migrations, called directly.
@Suite struct MaintenanceContractTests {
    @Test(arguments: Engine.available) func tablesAreReadAndWrittenByKey(_ engine: Engine) async throws {
        let a = try await StoreFactory.make(engine)
        let f1 = try await a.createFacility(Facility(name: "A", province: "31"))
        let f2 = try await a.createFacility(Facility(name: "B", province: "01"))
        let tables = try await a.copyTables()
        let facilities = try #require(tables.first { $0.name == "facilities" })
        #expect(facilities.key == ["id"])
        #expect(tables.first { $0.name == "observations" }?.key == ["series_id", "t"])
        #expect(!tables.contains { CopyProgress.isBookkeeping($0.name) })

        let first = try await a.readChunk(facilities, after: nil, limit: 1)
        #expect(first.count == 1)
        let rest = try await a.readChunk(facilities, after: [.int(try #require(f1.id))], limit: 10)
        #expect(rest.count == 1)

        let b = try await StoreFactory.make(engine)
        try await b.beginCopy()
        try await b.writeChunk(
            facilities, rows: first + rest, clearFirst: true,
            progress: CopyProgress(table: "facilities", lastKey: [.int(f2.id ?? 0)], rows: 2, done: true))
        #expect(try await b.copyProgress()["facilities"] == CopyProgress(table: "facilities", lastKey: [.int(f2.id ?? 0)], rows: 2, done: true))
        try await b.endCopy()
        #expect(try await b.facilities(after: nil, limit: 10) == [f1, f2])
        // Ids continue after the copied ones.
        #expect(try await b.createFacility(Facility(name: "C", province: "01")).id == (f2.id ?? 0) + 1)
        #expect(try await b.checksum(facilities) != (try await a.checksum(facilities)))
    }

    @Test(arguments: Engine.available) func identityPingFaultsAndClose(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        #expect(store.engine == (engine == .sqlite ? "sqlite" : "postgresql"))
        #expect(!store.location.isEmpty && !store.location.contains("password"))
        try await store.ping(timeout: .seconds(2))
        #expect(store.fault(StoreFault.full("disk")) == .full("disk"))
        struct Other: Error {}
        #expect(store.fault(Other()) == nil)
        // A change the schema refuses is the caller's conflict, not a fault of the database.
        do {
            try await store.staWrite { c in try await c.execute(SQL(verbatim: "INSERT INTO stations (code) VALUES (NULL)", [])) }
            Issue.record("a station without a code was stored")
        } catch {
            #expect(store.isConstraintViolation(error), "\(error)")
            #expect(store.fault(error) == nil)
        }
        #expect(!store.isConstraintViolation(Other()) && !store.isConstraintViolation(StoreFault.full("disk")))
        await store.close()
        await #expect(throws: (any Error).self) { try await store.ping(timeout: .seconds(1)) }
    }

    /// The seam's columnar read, which long series use: the same columns on both engines, in the order of the first.
    @Test(arguments: Engine.available) func numberColumnsReadInColumns(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let pm = try #require(try await store.seriesDirectory().stations["HN-NKT"]?.series["PM2.5"])
        let day = Timestamps.parseDate("2026-11-20")!
        try await store.staWrite { c in try await store.staIngest(rows(pm, from: day, hours: 2) { _ in 20 }, c) }
        let cols = try await store.staRead { c in
            try await c.numberColumns(SQL("SELECT t, value, qc FROM observations WHERE series_id = \(pm) ORDER BY t"), [.int, .double, .int])
        }
        #expect(cols.count == 3 && cols[0].count == 24)
        if case .ints(let t) = cols[0] { #expect(t == t.sorted() && t.first == day + 300) } else { Issue.record("t is not integers: \(cols[0])") }
        #expect(cols[1].double(0) == 19.5 && cols[1].double(23) == 20.5 && cols[2] == .ints(Array(repeating: 0, count: 24)))
        let none = try await store.staRead { c in
            try await c.numberColumns(SQL("SELECT t, value FROM observations WHERE series_id = \(pm + 1000)"), [.int, .double])
        }
        #expect(none == [.ints([]), .doubles([])])
        // Columns that arrive out of order are put in the order of the first, together.
        #expect(SQLNumbers.ordered([.ints([3, 1, 2]), .doubles([30, 10, 20])]) == [.ints([1, 2, 3]), .doubles([10, 20, 30])])
        #expect(SQLNumbers.ordered([.ints([1, 2]), .doubles([5, 6])]) == [.ints([1, 2]), .doubles([5, 6])])
    }

    @Test(arguments: Engine.available) func sensorThingsWritesAreTransactions(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let pm = try #require(try await store.seriesDirectory().stations["HN-NKT"]?.series["PM2.5"])
        let day = Timestamps.parseDate("2026-11-20")!
        try await store.staWrite { c in try await store.staIngest(rows(pm, from: day, hours: 1) { _ in 20 }, c) }
        #expect(try await store.observationCount() == 12)
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await store.staWrite { c in
                try await store.staIngest(rows(pm, from: day + 3600, hours: 1) { _ in 20 }, c)
                throw Abort()
            }
        }
        #expect(try await store.observationCount() == 12)
        #expect(try await store.staRead { c in try await c.scalar("SELECT count(*) FROM sta_sensors").int64 } == 1)
    }

    @Test(arguments: Engine.available) func migrationsRunOnceAndAreRecorded(_ engine: Engine) async throws {
        let location = StoreFactory.newLocation(engine)
        let first = try await StoreFactory.open(location)
        let applied = try await first.appliedMigrations()
        #expect(applied.contains("sta-reference"))
        #expect(applied.first == (engine == .sqlite ? "v1-schema" : "pg-v1-schema"))
        #expect(applied.contains { $0.hasPrefix("reference:") } && applied.contains { $0.hasPrefix("indicators:") })
        await first.close()
        // A restart applies nothing new.
        let again = try await StoreFactory.open(location)
        #expect(try await again.appliedMigrations() == applied)
    }
}
