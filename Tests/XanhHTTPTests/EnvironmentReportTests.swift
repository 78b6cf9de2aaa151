import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

/// The Mẫu 03 air figures against a direct computation over the stored daily means (decision 0016).
@Suite struct EnvironmentReportTests {
    /// Hourly PM2.5 and PM10 for the first quarter of 2025 and 2026; every tenth day has 12 hours only (not valid).
    static func rows() -> [[String: Any]] {
        var out: [[String: Any]] = []
        for year in [2025, 2026] {
            guard let start = Timestamps.parseDate("\(year)-01-01") else { continue }
            for day in 0..<90 {
                for h in 0..<(day % 10 == 0 ? 12 : 24) {
                    let t = start + Int64(day) * 86_400 + Int64(h + 1) * 3600
                    let pm25 = 30.0 + Double((day * 7 + year) % 40) + Double(h % 3)
                    let pm10 = 60.0 + Double((day * 11 + year) % 70) + Double(h % 4)
                    out.append(["station": "HN-NKT", "parameter": "PM2.5", "time": Timestamps.format(t), "value": pm25, "status": "00"])
                    out.append(["station": "HN-NKT", "parameter": "PM10", "time": Timestamps.format(t), "value": pm10, "status": "00"])
                }
            }
        }
        return out
    }

    @Test func exceedanceSharesAndMonthlyMeansEqualADirectComputation() async throws {
        let f = try await Fixture()
        let key = try await PlanAPITests.key(f, "stnmt", .approver)
        let rows = Self.rows()
        let bodies = stride(from: 0, to: rows.count, by: 5000).map { Fixture.observations(Array(rows[$0..<min(rows.count, $0 + 5000)])) }
        try await f.test { client in
            for body in bodies {
                try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: body) { r in #expect(r.status == .ok) }
            }
            try await f.services.deriver.drain()
            let (s, b) = try await PlanAPITests.send(client, .get, "/api/v1/reports/environment?year=2026&format=json", key)
            #expect(s == 200, "\(b)")
            let directory = try await f.store.seriesDirectory()
            let limits = ["PM2.5": 45.0, "PM10": 100.0]  // QCVN 05:2023, 24-hour means in force in 2026 (PM2.5: 45 from 01/01/2026)
            let stations = b["stations"] as? [[String: Any]] ?? []
            let monthly = b["monthly"] as? [[String: Any]] ?? []
            for parameter in ["PM2.5", "PM10"] {
                let series = try #require(directory.stations["HN-NKT"]?.series[parameter])
                let daily = try await f.store.daily(
                    series: series, from: Timestamps.parseDate("2024-01-01") ?? 0, to: Timestamps.parseDate("2026-12-31") ?? 0)
                func validDays(_ year: Int) -> [DailyStat] {
                    daily.filter { $0.hours >= 18 && Timestamps.localYear($0.dayStart) == year }
                }
                let valid = validDays(2026)
                #expect(valid.count == 81, "90 days less the 9 short ones")
                let above = valid.filter { $0.mean > (limits[parameter] ?? 0) }.count
                let got = try #require(stations.first { $0["parameter"] as? String == parameter })
                #expect(got["validDays"] as? Int == valid.count && got["daysAbove"] as? Int == above)
                // Equal to the digit the documents print, and to 1e-9 (JSONSerialization on Linux may read the last bit off).
                let share = Double(above) / Double(valid.count) * 100
                #expect(abs((got["share"] as? Double ?? -1) - share) < 1e-9, "\(got)")
                #expect(ReportDocument.number(got["share"] as? Double) == ReportDocument.number(share))
                #expect(above > 0 && above < valid.count, "the data cross the limit")
                let m = try #require(monthly.first { $0["parameter"] as? String == parameter && $0["key"] as? String == "HN-NKT" })
                let means = m["means"] as? [String: [Any]] ?? [:]
                for year in [2025, 2026] {
                    let byMonth = Dictionary(grouping: validDays(year)) { CivilDate(epochSeconds: $0.dayStart)?.month ?? 0 }
                    for month in 1...12 {
                        let expected = byMonth[month].map { $0.map(\.mean).reduce(0, +) / Double($0.count) }
                        let value = (means[String(year)]?[month - 1]) as? Double
                        #expect(
                            (value == nil && expected == nil) || abs((value ?? .nan) - (expected ?? .nan)) < 1e-9,
                            "\(parameter) \(year)-\(month): \(String(describing: value)) vs \(String(describing: expected))")
                        #expect(ReportDocument.number(value, digits: 1) == ReportDocument.number(expected, digits: 1))
                    }
                }
                // The city's daily means (one station: the station's), by day of the year.
                let cityDaily = try #require(
                    (b["daily"] as? [[String: Any]])?.first { $0["parameter"] as? String == parameter && $0["key"] as? String == "01" })
                let days2026 = (cityDaily["means"] as? [String: [Any]])?["2026"] ?? []
                #expect(days2026.count == 365)
                let jan1 = try #require(CivilDate("2026-01-01"))
                for d in valid {
                    let index = (CivilDate(epochSeconds: d.dayStart)?.dayNumber ?? 0) - jan1.dayNumber
                    #expect(abs((days2026[index] as? Double ?? -1) - d.mean) < 1e-9)
                }
                #expect(days2026.compactMap { $0 as? Double }.count == valid.count, "short days have no mean")
                // One station: the city's figures are the station's.
                let city = try #require((b["cities"] as? [[String: Any]])?.first { $0["parameter"] as? String == parameter })
                #expect(city["key"] as? String == "01" && city["daysAbove"] as? Int == above)
            }
            for format in ["docx", "html"] {
                try await client.execute(uri: "/api/v1/reports/environment?year=2026&format=\(format)", method: .get, headers: key) { r in
                    #expect(r.status == .ok && r.body.readableBytes > 2000)
                }
            }
            let (bad, _) = try await PlanAPITests.send(client, .get, "/api/v1/reports/environment?year=2026&format=pdf", key)
            #expect(bad == 400)
            let (anon, _) = try await PlanAPITests.send(client, .get, "/api/v1/reports/environment?year=2026", [:])
            #expect(anon == 401)
        }
    }
}
