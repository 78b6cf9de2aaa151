import Testing

@testable import XanhCore

@Suite struct AmbientLimitTests {
    let limits = try! AmbientLimits.bundled()

    @Test func pm25DailyLimitChangesOn2026_01_01() {
        #expect(limits.limit(parameter: "PM2.5", period: .hour24, at: Timestamps.parseDate("2025-12-31")!)?.value == 50)
        #expect(limits.limit(parameter: "PM2.5", period: .hour24, at: Timestamps.parseDate("2026-01-01")!)?.value == 45)
    }

    @Test func qcvn2013BeforeSeptember2023() {
        let l = limits.limit(parameter: "PM10", period: .hour24, at: Timestamps.parseDate("2023-09-11")!)
        #expect(l?.value == 150)
        #expect(l?.standard == "QCVN 05:2013/BTNMT")
        #expect(limits.limit(parameter: "PM10", period: .hour24, at: Timestamps.parseDate("2023-09-12")!)?.value == 100)
    }

    @Test func everyPeriodOfTable1() {
        let at = Timestamps.parseDate("2026-06-01")!
        #expect(limits.limit(parameter: "SO2", period: .hour1, at: at)?.value == 350)
        #expect(limits.limit(parameter: "CO", period: .hour8, at: at)?.value == 10_000)
        #expect(limits.limit(parameter: "NO2", period: .year, at: at)?.value == 40)
        #expect(limits.limit(parameter: "O3", period: .hour8, at: at)?.value == 120)
        #expect(limits.limit(parameter: "PM2.5", period: .year, at: at)?.value == 25)
        #expect(limits.limit(parameter: "PM2.5", period: .hour1, at: at) == nil)
    }
}

@Suite struct ExceedanceTests {
    let limits = try! AmbientLimits.bundled()

    func day(_ s: String, _ v: Double) -> PeriodValue {
        let d = Timestamps.parseDate(s)!
        return PeriodValue(start: d, end: d + Timestamps.day, value: v)
    }

    @Test func consecutiveDaysMergeAndTheLimitInForceApplies() {
        let values = [
            day("2025-12-29", 40), day("2025-12-30", 49), day("2025-12-31", 52), day("2026-01-01", 48), day("2026-01-02", 47), day("2026-01-04", 60),
        ]
        let events = ExceedanceDetector.events(parameter: "PM2.5", period: .hour24, values: values, step: Timestamps.day, limits: limits)
        #expect(events.count == 3)
        // 31 Dec 2025: 52 > 50 under the old value.
        #expect(events[0].start == Timestamps.parseDate("2025-12-31")!)
        #expect(events[0].limit == 50)
        // 1–2 Jan 2026: 48 and 47 are above the new 45 (and would not have been above 50).
        #expect(events[1].start == Timestamps.parseDate("2026-01-01")!)
        #expect(events[1].end == Timestamps.parseDate("2026-01-03")!)
        #expect(events[1].peak == 48)
        #expect(events[1].limit == 45)
        // 4 Jan is not next to 2 Jan: a new event.
        #expect(events[2].peak == 60)
    }

    @Test func hourlyPeriodValuesAndEightHourCompleteness() {
        let base = Timestamps.parseDate("2026-03-01")!
        let hours = (1...10).map { HourlyStat(hourEnd: base + Int64($0) * 3600, mean: $0 == 3 ? 250 : 100, min: 0, max: 0, count: 12, coverage: 100) }
        let h1 = ExceedanceDetector.periodValues(.hour1, hourly: hours, daily: [])
        #expect(h1.count == 10)
        let ev = ExceedanceDetector.events(parameter: "O3", period: .hour1, values: h1, step: 3600, limits: limits)
        #expect(ev.count == 1)
        #expect(ev[0].peak == 250)
        #expect(ev[0].start == base + 2 * 3600)
        let h8 = ExceedanceDetector.periodValues(.hour8, hourly: hours, daily: [])
        // Windows ending at hours 6 … 17 hold at least 6 of their 8 hours.
        #expect(h8.first?.end == base + 6 * 3600)
        #expect(h8.last?.end == base + 12 * 3600)
    }
}

@Suite struct RollupTests {
    @Test func hourLabelledByItsEnd() {
        let h = Timestamps.parseDate("2026-11-20")!  // 00:00 local
        let pts = [RawPoint(t: h, value: 1), RawPoint(t: h + 300, value: 10), RawPoint(t: h + 3600, value: 20), RawPoint(t: h + 3900, value: 30)]
        let hours = Rollup.hourly(pts, intervalSeconds: 300)
        #expect(hours.map(\.hourEnd) == [h, h + 3600, h + 7200])
        #expect(hours[1].mean == 15)
        #expect(hours[1].count == 2)
        #expect(abs(hours[1].coverage - 2.0 / 12 * 100) < 1e-9)
    }

    @Test func dayRunsFrom0100To2400() {
        let d = Timestamps.parseDate("2026-11-20")!
        let hours = (1...25).map {
            HourlyStat(hourEnd: d + Int64($0) * 3600, mean: Double($0), min: Double($0), max: Double($0), count: 12, coverage: 100)
        }
        let days = Rollup.daily(hours, intervalSeconds: 300)
        #expect(days.count == 2)
        #expect(days[0].dayStart == d)
        #expect(days[0].hours == 24)
        #expect(days[0].mean == 12.5)
        #expect(days[0].coverage == 100)
        #expect(days[0].maxHourly == 24)
        #expect(days[1].hours == 1)
    }
}
