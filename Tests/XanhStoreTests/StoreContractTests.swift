import Foundation
import Testing
import XanhCore
import XanhPostgres
import XanhSQL
import XanhSQLStore
import XanhSQLite
import XanhServices
import XanhStore

/// The engines the contract suite runs on: SQLite always, PostgreSQL when `XANH_TEST_POSTGRES_URL` names a database
/// (each store gets its own schema there, so tests run in parallel).
enum Engine: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    static var postgresURL: String? { ProcessInfo.processInfo.environment["XANH_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 } }
    static var available: [Engine] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }
    var testDescription: String { rawValue }
}

/// The contract every store passes, on every engine.
enum StoreFactory {
    static let reference = try! ReferenceData.bundled()

    static func make(_ engine: Engine, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) async throws -> SQLStore {
        try await open(newLocation(engine), clock: clock)
    }

    /// Where a new, empty database of the engine goes: a SQLite file, or a PostgreSQL schema of its own.
    static func newLocation(_ engine: Engine) -> String {
        switch engine {
        case .sqlite: return FileManager.default.temporaryDirectory.appendingPathComponent("xanh-test-\(UUID().uuidString).sqlite").path
        case .postgres: return testSchemaURL()
        }
    }

    /// Opens (or reopens, as a restarted process would) the store at a location.
    static func open(_ location: String, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) async throws -> SQLStore {
        let db: any SQLDatabase =
            PGLocation.isPostgresURL(location)
            ? try await PostgresDatabase.open(url: location, maxConnections: 4) : try SQLiteDatabase(path: location)
        return try await SQLStore.open(db, reference: reference, rules: .xanh, clock: clock)
    }

    /// The test database's URL with a fresh schema.
    static func testSchemaURL() -> String {
        let url = Engine.postgresURL!
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        return PGLocation.url(url, schema: schema)
    }
}

let ambient = Station(
    code: "HN-NKT", name: "Nguyễn Khánh Toàn", kind: .ambientAir, province: "01", latitude: 21.0375, longitude: 105.8005,
    parameters: ["PM2.5", "PM10", "O3", "NO2"].map { StationParameter(parameter: $0, interval: 300) })

/// Rows every 5 minutes for a series from `start` (exclusive) for `hours` hours.
/// Five-minute rows around `value(t)`, alternating ±0.5 so that a real sensor's noise keeps the flat-line rule quiet;
/// every whole hour averages to `value` exactly.
func rows(_ series: Int64, from start: Int64, hours: Int, value: (Int64) -> Double) -> [ValidObservation] {
    (1...(hours * 12)).map { i in
        let t = start + Int64(i) * 300
        return ValidObservation(seriesID: series, t: t, value: value(t) + (i % 2 == 0 ? 0.5 : -0.5), status: .measuring, qc: .ok)
    }
}

@Suite struct StoreContractTests {
    @Test(arguments: Engine.available) func registryRoundTripAndValidation(_ engine: Engine) async throws {
        // Given an empty store
        let store = try await StoreFactory.make(engine)
        let registry = RegistryService(stations: store, facilities: store, rules: store, reference: StoreFactory.reference)
        // When a station is created with a Circular 10 parameter code
        var s = ambient
        s.parameters[0].parameter = "PM2,5"
        let created = try await registry.createStation(s)
        // Then it is stored under canonical codes, and a duplicate is a conflict
        #expect(created.parameters.first?.parameter == "PM2.5")
        #expect(try await store.station(code: "HN-NKT")?.parameters.count == 4)
        await #expect(throws: StoreError.conflict("station 'HN-NKT' already exists")) { try await store.createStation(ambient) }
        // Bad fields are named before the store is asked
        var bad = ambient
        bad.code = "X1"
        bad.province = "99"
        bad.parameters = [StationParameter(parameter: "FOO")]
        do {
            _ = try await registry.createStation(bad)
            Issue.record("expected a validation error")
        } catch StoreError.invalid(let problems) {
            #expect(problems.map(\.field) == ["province", "parameters/0/parameter"])
        }
        // Update replaces the parameter list; deactivation keeps the station
        var upd = ambient
        upd.parameters = [StationParameter(parameter: "PM2.5", interval: 60)]
        _ = try await store.updateStation(upd)
        #expect(try await store.station(code: "HN-NKT")?.parameters == [StationParameter(parameter: "PM2.5", interval: 60)])
        try await store.setStationActive(code: "HN-NKT", active: false)
        #expect(try await store.station(code: "HN-NKT")?.active == false)
        #expect(try await store.seriesDirectory().stations["HN-NKT"]?.active == false)
        // Facilities
        let f = try await store.createFacility(Facility(name: "KCN Đình Vũ", taxCode: "0200589145", province: "31"))
        #expect(f.id != nil)
        #expect(try await store.facility(id: f.id!)?.name == "KCN Đình Vũ")
    }

    @Test(arguments: Engine.available) func ingestIsIdempotentAndCountsReplacements(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let series = try await store.seriesDirectory().stations["HN-NKT"]!.series["PM2.5"]!
        let batch = rows(series, from: Timestamps.parseDate("2026-11-20")!, hours: 2) { _ in 30 }
        let first = try await store.ingest(batch)
        #expect(first == IngestCounts(accepted: 24, replaced: 0))
        let second = try await store.ingest(batch)
        #expect(second == IngestCounts(accepted: 24, replaced: 24))
        #expect(try await store.observationCount() == 24)
    }

    @Test(arguments: Engine.available) func derivationComputesMeansAQIAndReplacesOnLateData(_ engine: Engine) async throws {
        // Given a station with PM2.5 and NO2 every 5 minutes for a day
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let dir = try await store.seriesDirectory().stations["HN-NKT"]!
        let day = Timestamps.parseDate("2026-11-20")!
        let deriver = Deriver(store: store, reference: StoreFactory.reference, clock: { day + 2 * Timestamps.day })
        _ = try await store.ingest(rows(dir.series["PM2.5"]!, from: day, hours: 24) { _ in 20 })
        _ = try await store.ingest(rows(dir.series["NO2"]!, from: day, hours: 24) { _ in 150 })
        // When derived
        try await deriver.drain()
        // Then hourly means are labelled by the end of the hour, with full coverage
        let hours = try await store.hourlySeries(station: "HN-NKT", parameter: "PM2.5", from: day, to: day + Timestamps.day)
        #expect(hours.count == 24)
        #expect(hours.first?.hourEnd == day + 3600)
        #expect(hours.first?.mean == 20)
        #expect(hours.first?.coverage == 100)
        let days = try await store.dailySeries(station: "HN-NKT", parameter: "PM2.5", from: day, to: day)
        #expect(days.count == 1)
        #expect(days.first?.hours == 24)
        // VN_AQI hourly: PM2.5 NowCast 20 → 40; NO2 150 → 75 dominates
        let aqi = try await store.aqiSeries(station: "HN-NKT", scale: .vn, resolution: .hour, from: day, to: day + Timestamps.day)
        // The first hour has no NowCast: it needs 2 of the last 3 hours.
        #expect(aqi.count == 23)
        #expect(aqi.first?.t == day + 2 * 3600)
        #expect(aqi.last?.result.aqi == 75)
        #expect(aqi.last?.result.dominant == "NO2")
        #expect(aqi.last?.result.subindices["PM2.5"] == 40)
        let daily = try await store.aqiSeries(station: "HN-NKT", scale: .vn, resolution: .day, from: day, to: day)
        #expect(daily.first?.result.aqi == 75)
        // The hour after the last data still has a NowCast (c2 and c3 are present), so it is the latest.
        let latest = try await store.latestAQI()
        #expect(latest.first?.t == day + Timestamps.day + 3600)
        #expect(latest.first?.result.aqi == 40)
        let us = try await store.aqiSeries(station: "HN-NKT", scale: .us, resolution: .hour, from: day, to: day + Timestamps.day)
        #expect(us.count == 24)  // NO2 alone gives a US AQI in the first hour

        // When a late value replaces one hour's data with a spike
        _ = try await store.ingest(
            (1...12).map { i in
                ValidObservation(seriesID: dir.series["PM2.5"]!, t: day + 10 * 3600 + Int64(i) * 300, value: 200, status: .measuring, qc: .ok)
            })
        try await deriver.drain()
        // Then that hour and the NowCast of the following hours change, and earlier hours do not
        let after = try await store.hourlySeries(station: "HN-NKT", parameter: "PM2.5", from: day, to: day + Timestamps.day)
        #expect(after.first { $0.hourEnd == day + 11 * 3600 }?.mean == 200)
        let aqi2 = try await store.aqiSeries(station: "HN-NKT", scale: .vn, resolution: .hour, from: day, to: day + Timestamps.day)
        #expect(aqi2.first { $0.t == day + 11 * 3600 }!.result.subindices["PM2.5"]! > 40)
        #expect(aqi2.first { $0.t == day + 10 * 3600 }!.result.subindices["PM2.5"] == 40)
        // And the 1-hour NO2 limit (200) was never passed, while the 24-hour NO2 limit (100) was
        let events = try await store.exceedances(
            station: "HN-NKT", from: day - Timestamps.day, to: day + 2 * Timestamps.day, afterID: nil, limit: 100)
        #expect(events.map(\.event.period) == [.hour24])
        #expect(events.first?.event.parameter == "NO2")
        #expect(events.first?.event.limit == 100)
        #expect(events.first?.event.start == day)
        #expect(events.first?.event.end == day + Timestamps.day)
    }

    @Test(arguments: Engine.available) func hourlyAQIOnlyForHoursThatHaveEnded(_ engine: Engine) async throws {
        // Given data up to 02:30 and a clock at 02:30
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let series = try await store.seriesDirectory().stations["HN-NKT"]!.series["PM2.5"]!
        let day = Timestamps.parseDate("2026-11-20")!
        let deriver = Deriver(store: store, reference: StoreFactory.reference, clock: { day + 2 * 3600 + 1800 })
        _ = try await store.ingest(Array(rows(series, from: day, hours: 3) { _ in 30 }.prefix(30)))
        try await deriver.drain()
        // Then the latest hourly AQI is the hour labelled 02:00; 03:00 has not ended
        let latest = try await store.latestAQI()
        #expect(latest.first?.t == day + 2 * 3600)
    }

    @Test(arguments: Engine.available) func flaggedValuesAreStoredButExcluded(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let series = try await store.seriesDirectory().stations["HN-NKT"]!.series["PM2.5"]!
        let day = Timestamps.parseDate("2026-11-20")!
        let deriver = Deriver(store: store, reference: StoreFactory.reference, clock: { day + Timestamps.day })
        var batch = rows(series, from: day, hours: 1) { _ in 20 }
        batch[0].value = 900
        batch[0].status = .calibrating
        batch[0].qc = .calibrating
        _ = try await store.ingest(batch)
        try await deriver.drain()
        let raw = try await store.rawSeries(station: "HN-NKT", parameter: "PM2.5", from: day, to: day + 3600, limit: 100)
        #expect(raw.count == 12)
        #expect(raw.first?.qc.flag == .calibrating)
        let hour = try await store.hourlySeries(station: "HN-NKT", parameter: "PM2.5", from: day, to: day + 3600)
        #expect(hour.first?.mean == batch.dropFirst().map(\.value).reduce(0, +) / 11)
        #expect(hour.first?.count == 11)
        // The latest value of each parameter: the last of the batch, whatever order rows came in; none for silent ones.
        _ = try await store.ingest(Array(batch.prefix(3)))
        let latest = try await store.latestValues(station: "HN-NKT")
        #expect(latest == ["PM2.5": StoredObservation(t: batch[11].t, value: batch[11].value, status: .measuring, qc: StoredQC(raw: 0))])
        #expect(try await store.latestValues(station: "NO-SUCH").isEmpty)
    }

    @Test(arguments: Engine.available) func pm25DailyExceedanceUsesTheLimitOfTheDay(_ engine: Engine) async throws {
        // 48 µg/m³ all day: below the 50 in force on 31 Dec 2025, above the 45 in force from 1 Jan 2026.
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let series = try await store.seriesDirectory().stations["HN-NKT"]!.series["PM2.5"]!
        let d1 = Timestamps.parseDate("2025-12-31")!
        let deriver = Deriver(store: store, reference: StoreFactory.reference, clock: { d1 + 3 * Timestamps.day })
        _ = try await store.ingest(rows(series, from: d1, hours: 48) { _ in 48 })
        try await deriver.drain()
        let events = try await store.exceedances(station: "HN-NKT", from: d1 - Timestamps.day, to: d1 + 3 * Timestamps.day, afterID: nil, limit: 10)
        #expect(events.count == 1)
        #expect(events.first?.event.start == d1 + Timestamps.day)
        #expect(events.first?.event.limit == 45)
        #expect(events.first?.event.standard == "QCVN 05:2023/BTNMT")
    }

    @Test(arguments: Engine.available) func retentionDropsOldRawValuesAndKeepsRollups(_ engine: Engine) async throws {
        // Given four days of 5-minute PM2.5 across a month boundary, derived
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let series = try await store.seriesDirectory().stations["HN-NKT"]!.series["PM2.5"]!
        let start = Timestamps.parseDate("2026-10-30")!
        let deriver = Deriver(store: store, reference: StoreFactory.reference, clock: { start + 5 * Timestamps.day })
        _ = try await store.ingest(rows(series, from: start, hours: 96) { _ in 30 })
        try await deriver.drain()
        let hoursBefore = try await store.hourlySeries(station: "HN-NKT", parameter: "PM2.5", from: start, to: start + 4 * Timestamps.day)
        // When raw values before 2 November (UTC) are retired
        let cut = try Timestamps.parseISO8601("2026-11-02T00:00:00Z")
        let report = try await store.applyRetention(rawBefore: cut)
        // Then only the raw values after it remain, every rollup stays, and the horizon is recorded
        #expect(report.horizon == cut)
        #expect(report.deletedRows == Int((cut - start) / 300) - 1)  // rows start 5 minutes after `start`
        if engine == .postgres { #expect(report.droppedPartitions == ["observations_y2026m10"]) }
        #expect(try await store.observationCount() == 96 * 12 - report.deletedRows)
        #expect(try await store.rawSeries(station: "HN-NKT", parameter: "PM2.5", from: start, to: cut - 1, limit: 10).isEmpty)
        #expect(try await store.hourlySeries(station: "HN-NKT", parameter: "PM2.5", from: start, to: start + 4 * Timestamps.day) == hoursBefore)
        #expect(try await store.rawHorizon() == cut)
        // A late value before the horizon is refused, naming the time; one after it is stored
        do {
            _ = try await store.ingest([ValidObservation(seriesID: series, t: cut - 600, value: 99, status: .measuring, qc: .ok)])
            Issue.record("expected a refusal")
        } catch StoreError.invalid(let problems) {
            #expect(problems.first?.message.contains("retention horizon") == true)
        }
        #expect(try await store.ingest([ValidObservation(seriesID: series, t: cut + 60, value: 31, status: .measuring, qc: .ok)]).accepted == 1)
        // And an hour still waiting for derivation holds the horizon back
        let report2 = try await store.applyRetention(rawBefore: cut + 2 * Timestamps.day)
        #expect(report2.horizon == Timestamps.hourEnd(cut + 60) - Timestamps.hour)
    }
}
