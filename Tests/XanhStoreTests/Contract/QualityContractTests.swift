import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhStore

/// The file ledger, overrides by staff, completeness and station events, called directly on each engine.
@Suite struct QualityContractTests {
    static let day = Timestamps.parseDate("2026-11-20")!

    @Test(arguments: Engine.available) func aFileIsCountedOnceAndNamesMapToStations(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let pm = try #require(try await store.seriesDirectory().stations["HN-NKT"]?.series["PM2.5"])
        let a = FileIngest(name: "HN_NKT_20261120000500.txt", fingerprint: "f1", rows: rows(pm, from: Self.day, hours: 1) { _ in 20 })
        let b = FileIngest(name: "HN_NKT_20261120010500.txt", fingerprint: "f2", rows: rows(pm, from: Self.day + 3600, hours: 1) { _ in 20 })
        #expect(try await store.ingestFiles([a, b, a]) == [.ingested(12), .ingested(12), .duplicate])
        #expect(try await store.ingestFiles([b]) == [.duplicate])
        // The same name with other content is another file.
        var changed = b
        changed.fingerprint = "f2'"
        #expect(try await store.ingestFiles([changed]) == [.ingested(12)])
        #expect(try await store.ingestedFileCount() == 3)
        #expect(try await store.observationCount() == 24)
        #expect(try await store.ingestFiles([]).isEmpty)

        try await store.mapFileName("HaiPhong_DinhVu_NuocThai01", toStation: "HN-NKT")
        #expect(try await store.fileNameMap() == ["HaiPhong_DinhVu_NuocThai01": "HN-NKT"])
        await #expect(throws: StoreError.notFound("station 'NOPE' does not exist")) { try await store.mapFileName("X", toStation: "NOPE") }
        try await store.mapFileName("HaiPhong_DinhVu_NuocThai01", toStation: nil)
        #expect(try await store.fileNameMap().isEmpty)
    }

    @Test(arguments: Engine.available) func overridesAreKeptAndMarkTheirHours(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let pm = try #require(try await store.seriesDirectory().stations["HN-NKT"]?.series["PM2.5"])
        let o = QCOverride(from: Self.day + 600, to: Self.day + 4200, flag: .rejected, reason: "đầu đo bị che", by: "lan", at: Self.day + 9000)
        let stored = try await store.addOverride(station: "HN-NKT", parameter: "PM2,5", o)
        #expect(stored.id > 0)
        #expect(try await store.overrides(station: "HN-NKT", parameter: nil, from: Self.day, to: Self.day + 7200).map(\.override) == [stored])
        #expect(try await store.overrides(station: "HN-NKT", parameter: "NO2", from: Self.day, to: Self.day + 7200).isEmpty)
        #expect(try await store.overrides(series: pm, from: Self.day + 4200, to: Self.day + 9000) == [stored])
        #expect(try await store.overrides(series: pm, from: Self.day + 4201, to: Self.day + 9000).isEmpty)
        // Both hours it covers are derived again.
        #expect(
            Set(try await store.pendingDirty(limit: 10).marks) == [
                DirtyMark(series: pm, hourEnd: Self.day + 3600), DirtyMark(series: pm, hourEnd: Self.day + 7200),
            ])
        await #expect(throws: StoreError.self) { try await store.addOverride(station: "HN-NKT", parameter: "SO2", o) }
        await #expect(throws: StoreError.notFound("station 'NOPE' does not exist")) {
            try await store.addOverride(station: "NOPE", parameter: "PM2.5", o)
        }
        // Completeness lists every active series of the station, counted or not.
        let counts = try await store.hourCounts(station: "HN-NKT", from: Self.day, to: Self.day + 7200)
        #expect(counts.map(\.parameter).sorted() == ["NO2", "O3", "PM10", "PM2.5"])
        #expect(counts.allSatisfy { $0.counts.isEmpty && $0.interval == 300 })
    }

    @Test(arguments: Engine.available) func flaggedValuesAreThoseNotYetOverriddenBySeriesAndTime(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let series = try #require(try await store.seriesDirectory().stations["HN-NKT"]?.series)
        let (pm, no2) = (try #require(series["PM2.5"]), try #require(series["NO2"]))
        func row(_ id: Int64, _ k: Int64, _ qc: QCFlag) -> ValidObservation {
            ValidObservation(seriesID: id, t: Self.day + k * 300, value: 10 + Double(k), status: .measuring, qc: qc)
        }
        _ = try await store.ingest([
            row(no2, 1, .spike), row(pm, 2, .flatLine), row(pm, 1, .flatLine), row(pm, 3, .ok), row(pm, 4, .calibrating), row(pm, 40, .deviceError),
        ])
        // A person's override marks a value (the deriver writes the flag with its overridden bit).
        let overridden = StoredQC(flag: .calibrating, overridden: true).raw
        try await store.db.write { c in
            try await c.execute("UPDATE observations SET qc = \(overridden) WHERE series_id = \(pm) AND t = \(Self.day + 1200)")
        }
        let all = try await store.flaggedValues(series: [pm, no2], from: Self.day, to: Self.day + 86_400, limit: 100)
        let expected: [FlaggedValue] = [
            .init(series: pm, t: Self.day + 300, value: 11, flag: .flatLine), .init(series: pm, t: Self.day + 600, value: 12, flag: .flatLine),
            .init(series: pm, t: Self.day + 12_000, value: 50, flag: .deviceError), .init(series: no2, t: Self.day + 300, value: 11, flag: .spike),
        ]
        // By series, then time: each series' values together, in order.
        #expect(all == expected.sorted { ($0.series, $0.t) < ($1.series, $1.t) })
        #expect(try await store.flaggedValues(series: [pm], from: Self.day, to: Self.day + 600, limit: 100).count == 2)
        #expect(try await store.flaggedValues(series: [pm, no2], from: Self.day, to: Self.day + 86_400, limit: 1).count == 1)
        #expect(try await store.flaggedValues(series: [], from: Self.day, to: Self.day + 86_400, limit: 10).isEmpty)
    }

    @Test(arguments: Engine.available) func silenceOpensOnceAndClosesAtTheFirstNewRecord(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let pm = try #require(try await store.seriesDirectory().stations["HN-NKT"]?.series["PM2.5"])
        _ = try await store.ingest(rows(pm, from: Self.day, hours: 1) { _ in 20 })
        let activity = try #require(try await store.stationActivity().first)
        #expect(activity.code == "HN-NKT" && activity.lastRecord == Self.day + 3600 && activity.silentSince == nil)
        #expect(activity.silenceAfter == Station.defaultSilenceAfter)

        try await store.openSilence(stationID: activity.stationID, start: Self.day + 3600)
        try await store.openSilence(stationID: activity.stationID, start: Self.day + 7200)  // already open: kept as it is
        #expect(try await store.stationActivity().first?.silentSince == Self.day + 3600)
        _ = try await store.ingest(rows(pm, from: Self.day + 3 * 3600, hours: 1) { _ in 20 })
        try await store.closeSilence(stationID: activity.stationID)
        let events = try await store.stationEvents(station: "HN-NKT", kind: .silent, from: Self.day, to: Self.day + Timestamps.day, limit: 10)
        #expect(events.map(\.event) == [StationEvent(kind: .silent, start: Self.day + 3600, end: Self.day + 3 * 3600 + 300)])
        #expect(try await store.stationActivity().first?.silentSince == nil)
        // Newest first; a window that ends before the event finds nothing.
        try await store.openSilence(stationID: activity.stationID, start: Self.day + 6 * 3600)
        let both = try await store.stationEvents(station: nil, kind: nil, from: Self.day, to: Self.day + Timestamps.day, limit: 10)
        #expect(both.map(\.event.start) == [Self.day + 6 * 3600, Self.day + 3600])
        #expect(try await store.stationEvents(station: "HN-NKT", kind: nil, from: 0, to: Self.day, limit: 10).isEmpty)
        #expect(try await store.stationEvents(station: "HN-NKT", kind: nil, from: 0, to: .max, limit: 1).count == 1)
    }
}
