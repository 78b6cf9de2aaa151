import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhStore

/// The primitives the Deriver builds on, called directly: what is pending, what a series is, its raw points, and a
/// batch of derived results applied and read back.
@Suite struct DerivationContractTests {
    static let day = Timestamps.parseDate("2026-11-20")!

    @Test(arguments: Engine.available) func pendingMarksSeriesAndPoints(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let station = try await store.createStation(ambient)
        let pm = try #require(try await store.seriesDirectory().stations["HN-NKT"]?.series["PM2.5"])
        _ = try await store.ingest(rows(pm, from: Self.day, hours: 2) { _ in 30 })

        // Every hour the rows touch is pending, once.
        let pending = try await store.pendingDirty(limit: 100)
        #expect(Set(pending.marks) == [DirtyMark(series: pm, hourEnd: Self.day + 3600), DirtyMark(series: pm, hourEnd: Self.day + 7200)])
        #expect(pending.maxSeq > 0)
        #expect(try await store.pendingDirty(limit: 1).marks.count == 1)

        let info = try #require(try await store.seriesInfo(ids: [pm, 987_654]).first)
        #expect(info.parameter == "PM2.5" && info.kind == .ambientAir && info.interval == 300)
        #expect(try await store.seriesInfo(ids: []).isEmpty)
        let all = try await store.seriesOfStation(info.stationID)
        #expect(Set(all.map(\.parameter)) == Set(station.parameters.map(\.parameter)))

        // Raw points with from < t ≤ to, in time order.
        let points = try await store.qcPoints(series: pm, from: Self.day, to: Self.day + 3600)
        #expect(points.count == 12)
        #expect(points.first?.point.t == Self.day + 300 && points.last?.point.t == Self.day + 3600)
        #expect(points.allSatisfy { $0.qc == StoredQC(flag: .ok) && $0.point.status == .measuring })
        #expect(try await store.overrides(series: pm, from: Self.day, to: Self.day + 7200).isEmpty)
    }

    @Test(arguments: Engine.available) func aDerivedBatchIsAppliedWholeAndReplacesItsRanges(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        _ = try await store.createStation(ambient)
        let pm = try #require(try await store.seriesDirectory().stations["HN-NKT"]?.series["PM2.5"])
        let info = try #require(try await store.seriesInfo(ids: [pm]).first)
        _ = try await store.ingest(rows(pm, from: Self.day, hours: 2) { _ in 30 })
        let pending = try await store.pendingDirty(limit: 100)
        let day = Self.day
        let h1 = HourlyStat(hourEnd: day + 3600, mean: 30, min: 29.5, max: 30.5, count: 12, coverage: 100)
        let h2 = HourlyStat(hourEnd: day + 7200, mean: 31, min: 30.5, max: 31.5, count: 11, coverage: 91.7)
        let event = ExceedanceEvent(
            parameter: "PM2.5", period: .hour24, start: day, end: day + Timestamps.day, peak: 80, peakTime: day + 3600, limit: 45,
            standard: "QCVN 05:2023/BTNMT")

        var batch = DerivedBatch()
        batch.flags = [.init(series: pm, changes: [(t: day + 300, qc: StoredQC(flag: .spike))])]
        batch.counts = [.init(series: pm, from: day + 3600, to: day + 7200, rows: [HourCount(hourEnd: day + 3600, received: 12, valid: 11)])]
        batch.deviceErrors = [.init(series: pm, from: day, to: day + 7200, runs: [(start: day + 600, end: day + 1200)])]
        batch.hourly = [.init(series: pm, from: day + 3600, to: day + 7200, rows: [h1, h2])]
        batch.daily = [
            .init(
                series: pm, from: day, to: day,
                rows: [DailyStat(dayStart: day, mean: 30.5, min: 29.5, max: 31.5, count: 23, hours: 2, coverage: 8.3, maxHourly: 31)])
        ]
        batch.aqi = [
            .init(
                stationID: info.stationID, scale: .vn, resolution: .hour, from: day + 3600, to: day + 7200,
                rows: [
                    (t: day + 3600, result: AQIResult(aqi: 60, dominant: "PM2.5", subindices: ["PM2.5": 60])),
                    (t: day + 7200, result: AQIResult(aqi: 62, dominant: "PM2.5", subindices: ["PM2.5": 62])),
                ])
        ]
        batch.events = [.init(series: pm, replace: [], rows: [event])]
        batch.clearDirtyUpTo = pending.maxSeq
        try await store.apply(batch)

        #expect(try await store.hourly(series: pm, from: day, to: day + 7200) == [h1, h2])
        #expect(try await store.daily(series: pm, from: day, to: day).map(\.mean) == [30.5])
        let events = try await store.events(series: pm, period: .hour24, from: day, to: day + Timestamps.day)
        #expect(events.map(\.event) == [event])
        #expect(try await store.events(series: pm, period: .hour1, from: day, to: day + Timestamps.day).isEmpty)
        #expect(try await store.pendingDirty(limit: 100).marks.isEmpty)
        #expect(try await store.qcPoints(series: pm, from: day, to: day + 300).first?.qc == StoredQC(flag: .spike))
        let counts = try await store.hourCounts(station: "HN-NKT", from: day, to: day + 7200)
        #expect(counts.first { $0.parameter == "PM2.5" }?.counts == [HourCount(hourEnd: day + 3600, received: 12, valid: 11)])
        let devices = try await store.stationEvents(station: "HN-NKT", kind: .deviceError, from: day, to: day + 7200, limit: 10)
        #expect(devices.map(\.event) == [StationEvent(kind: .deviceError, parameter: "PM2.5", start: day + 600, end: day + 1200)])
        #expect(try await store.latestAQI().map(\.t) == [day + 7200])
        #expect(try await store.aqiSeries(station: "HN-NKT", scale: .vn, resolution: .hour, from: day, to: day + 7200).map(\.result.aqi) == [60, 62])
        #expect(try await store.exceedances(station: "HN-NKT", from: day, to: day + Timestamps.day, afterID: nil, limit: 10).map(\.event) == [event])

        // A second batch over the same ranges replaces what the first stored there, and nothing else.
        var again = DerivedBatch()
        again.hourly = [.init(series: pm, from: day + 7200, to: day + 7200, rows: [])]
        again.events = [.init(series: pm, replace: events.map(\.id), rows: [])]
        again.deviceErrors = [.init(series: pm, from: day, to: day + 7200, runs: [(start: day + 1800, end: nil)])]
        again.aqi = [.init(stationID: info.stationID, scale: .vn, resolution: .hour, from: day + 7200, to: day + 7200, rows: [])]
        try await store.apply(again)
        #expect(try await store.hourly(series: pm, from: day, to: day + 7200) == [h1])
        #expect(try await store.events(series: pm, period: .hour24, from: day, to: day + Timestamps.day).isEmpty)
        #expect(try await store.stationEvents(station: nil, kind: .deviceError, from: day, to: day + 7200, limit: 10).map(\.event.end) == [nil])
        #expect(try await store.latestAQI().map(\.t) == [day + 3600])
    }
}

extension DerivationContractTests {
    /// The reads of a pass for many series at once answer, series by series, what each series' own read answers:
    /// ranges with the same bounds share statements, other bounds have their own.
    @Test(arguments: Engine.available) func setReadsAnswerAsEachSeriesDoes(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let station = try await store.createStation(ambient)
        let directory = try await store.seriesDirectory()
        let ids = try #require(directory.stations["HN-NKT"]).series.values.sorted()
        #expect(ids.count >= 3)
        for (k, id) in ids.enumerated() { _ = try await store.ingest(rows(id, from: Self.day, hours: 3) { Double($0 % 40 + Int64(k)) }) }
        let day = Self.day
        var batch = DerivedBatch()
        batch.hourly = ids.map { id in
            .init(
                series: id, from: day + 3600, to: day + 3 * 3600,
                rows: (1...3).map { HourlyStat(hourEnd: day + Int64($0) * 3600, mean: Double(id), min: 0, max: 1, count: 12, coverage: 100) })
        }
        batch.daily = ids.map {
            .init(
                series: $0, from: day, to: day,
                rows: [DailyStat(dayStart: day, mean: Double($0), min: 0, max: 1, count: 36, hours: 3, coverage: 12.5, maxHourly: 1)])
        }
        batch.events = ids.map {
            .init(
                series: $0, replace: [],
                rows: [
                    ExceedanceEvent(
                        parameter: "PM2.5", period: .hour1, start: day + 3600, end: day + 7200, peak: 99, peakTime: day + 3600, limit: 50,
                        standard: "QCVN 05:2023/BTNMT")
                ])
        }
        try await store.apply(batch)
        let ranges = [SeriesRange(ids[0], day, day + 3600), SeriesRange(ids[1], day, day + 3600), SeriesRange(ids[2], day + 3600, day + 3 * 3600)]

        let points = try await store.qcPoints(ranges)
        let hourly = try await store.hourly(ranges)
        let daily = try await store.daily(ranges)
        let events = try await store.events(ranges, period: .hour1)
        let overrides = try await store.overrides(ranges)
        for r in ranges {
            let own = try await store.qcPoints(series: r.series, from: r.from, to: r.to)
            #expect(
                !own.isEmpty && points[r.series]?.map(\.point.t) == own.map(\.point.t)
                    && points[r.series]?.map(\.point.value) == own.map(\.point.value))
            #expect(hourly[r.series] ?? [] == (try await store.hourly(series: r.series, from: r.from, to: r.to)))
            #expect(daily[r.series]?.map(\.mean) ?? [] == (try await store.daily(series: r.series, from: r.from, to: r.to)).map(\.mean))
            #expect(
                events[r.series]?.map(\.event) ?? []
                    == (try await store.events(series: r.series, period: .hour1, from: r.from, to: r.to)).map(\.event))
            #expect(overrides[r.series] == nil)
        }
        #expect(points[ids[0]]?.count == 12 && points[ids[2]]?.count == 24)
        #expect(hourly[ids[0]]?.map(\.hourEnd) == [day + 3600] && hourly[ids[2]]?.count == 3)
        #expect(try await store.qcPoints([]).isEmpty)
        let bystation = try await store.seriesOfStations([1_000_000, try #require(try await store.seriesInfo(ids: [ids[0]]).first).stationID])
        #expect(bystation.count == 1 && Set(bystation.values.first?.map(\.parameter) ?? []) == Set(station.parameters.map(\.parameter)))
    }
}
