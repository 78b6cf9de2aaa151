import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhSQLite
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

@Suite struct QualityAPITests {
    /// PM2.5 every 5 minutes from 09:00 to 10:00 (local) with one spike at 09:30.
    static func spiky() -> [[String: Any]] {
        let start = Fixture.now - 3 * 3600
        return (1...12).map { i -> [String: Any] in
            let value: Double = i == 6 ? 700 : 30 + Double(i % 3)
            let time: String = Timestamps.format(start + Int64(i) * 300)
            return ["station": "HN-NKT", "parameter": "PM2.5", "time": time, "value": value]
        }
    }

    @Test func spikesAreFlaggedByTheDeriverAndStaffCanOverrideWithAReason() async throws {
        let f = try await Fixture()
        let spikeTime = Timestamps.format(Fixture.now - 3 * 3600 + 6 * 300)
        try await f.test { client in
            let r = try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: Fixture.observations(Self.spiky()))
            #expect(r.status == .ok)
            try await f.services.deriver.drain()
            let from = Timestamps.format(Fixture.now - 4 * 3600).replacingOccurrences(of: "+", with: "%2B")
            var series = try await client.execute(uri: "/api/v1/stations/HN-NKT/series?parameter=PM2.5&resolution=raw&from=\(from)", method: .get)
            var items = try #require(Fixture.json(series)["items"] as? [[String: Any]])
            let spike = try #require(items.first { $0["time"] as? String == spikeTime })
            #expect(spike["qc"] as? String == "spike")
            #expect((spike["qcReason"] as? String)?.contains("per 5 minutes") == true)
            var hour = try await client.execute(uri: "/api/v1/stations/HN-NKT/series?parameter=PM2.5&resolution=hour&from=\(from)", method: .get)
            var hourly = try #require(Fixture.json(hour)["items"] as? [[String: Any]])
            #expect((hourly.first?["max"] as? Double).map { $0 < 100 } == true)  // the spike is not in the mean

            // Staff look at the camera: it was a real plume. They accept the value, with a reason.
            let body =
                #"{"parameter":"PM2.5","from":"\#(spikeTime)","to":"\#(spikeTime)","flag":"ok","reason":"khói đốt rơm cạnh trạm, xác nhận qua camera"}"#
            let created = try await client.execute(
                uri: "/api/v1/stations/HN-NKT/overrides", method: .post, headers: f.auth, body: ByteBuffer(string: body))
            #expect(created.status == .created)
            #expect(Fixture.json(created)["by"] as? String == "test")
            try await f.services.deriver.drain()
            series = try await client.execute(uri: "/api/v1/stations/HN-NKT/series?parameter=PM2.5&resolution=raw&from=\(from)", method: .get)
            items = try #require(Fixture.json(series)["items"] as? [[String: Any]])
            let accepted = try #require(items.first { $0["time"] as? String == spikeTime })
            #expect(accepted["qc"] as? String == "ok")
            #expect(accepted["qcOverridden"] as? Bool == true)
            #expect((accepted["qcReason"] as? String)?.contains("khói đốt rơm") == true)
            hour = try await client.execute(uri: "/api/v1/stations/HN-NKT/series?parameter=PM2.5&resolution=hour&from=\(from)", method: .get)
            hourly = try #require(Fixture.json(hour)["items"] as? [[String: Any]])
            #expect(hourly.first?["max"] as? Double == 700)
            // The override is on record.
            let list = try await client.execute(uri: "/api/v1/stations/HN-NKT/overrides?from=\(from)", method: .get)
            #expect((Fixture.json(list)["items"] as? [[String: Any]])?.count == 1)
        }
    }

    @Test func overrideNeedsAReasonAndValidTimes() async throws {
        let f = try await Fixture()
        try await f.test { client in
            let r = try await client.execute(
                uri: "/api/v1/stations/HN-NKT/overrides", method: .post, headers: f.auth,
                body: ByteBuffer(string: #"{"parameter":"PM2.5","from":"2026-11-20 10:00","to":"2026-11-20T11:00:00+07:00","flag":"bogus"}"#))
            #expect(r.status == .unprocessableContent)
            let pointers = (Fixture.json(r)["errors"] as? [[String: String]])?.compactMap { $0["pointer"] } ?? []
            #expect(Set(pointers) == ["/reason", "/from", "/flag"])
        }
    }

    @Test func completenessPerHourAndDay() async throws {
        let f = try await Fixture()
        // 6 of 12 PM2.5 records in the hour ending 10:00, one of them flagged (status 01); nothing for PM10 or NO2.
        let start = Fixture.now - 3 * 3600
        let rows: [[String: Any]] = (1...6).map { i -> [String: Any] in
            let time: String = Timestamps.format(start + Int64(i) * 300)
            let value: Double = 30 + Double(i)
            return ["station": "HN-NKT", "parameter": "PM2.5", "time": time, "value": value, "status": i == 1 ? "01" : "00"]
        }
        let body = Fixture.observations(rows)
        try await f.test { client in
            _ = try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: body)
            try await f.services.deriver.drain()
            let from = Timestamps.format(start).replacingOccurrences(of: "+", with: "%2B")
            let to = Timestamps.format(start + 3 * 3600).replacingOccurrences(of: "+", with: "%2B")
            let r = try await client.execute(uri: "/api/v1/stations/HN-NKT/completeness?from=\(from)&to=\(to)", method: .get)
            let items = try #require(Fixture.json(r)["items"] as? [[String: Any]])
            #expect(items.count == 4)  // hour ends 09:00 (from) … 12:00
            let h = try #require(items.first { $0["time"] as? String == Timestamps.format(start + 3600) })
            #expect(h["expected"] as? Double == 36)
            #expect(h["received"] as? Int == 6)
            #expect(h["valid"] as? Int == 5)
            #expect((h["parameters"] as? [String: Double])?["PM2.5"] == 50)
            #expect((h["parameters"] as? [String: Double])?["NO2"] == 0)
            #expect(items.last?["received"] as? Int == 0)
            let d = try await client.execute(uri: "/api/v1/stations/HN-NKT/completeness?resolution=day&from=\(from)&to=\(to)", method: .get)
            let days = try #require(Fixture.json(d)["items"] as? [[String: Any]])
            #expect(days.count == 1)
            // Only the hours inside the range are expected: 09:00 to 12:00 is 4 hours × 36.
            #expect(days.first?["expected"] as? Double == 144)
            #expect(days.first?["received"] as? Int == 6)
        }
    }

    @Test func silenceOpensAndClosesWithTheStationsReturn() async throws {
        let store = try await Fixture.makeStore()
        _ = try await store.createStation(
            Station(
                code: "LS-TP", name: "Lạng Sơn", kind: .ambientAir, province: "20", parameters: [StationParameter(parameter: "PM2.5")],
                silenceAfter: 1800))
        let series = try await store.seriesDirectory().stations["LS-TP"]!.series["PM2.5"]!
        let t0 = Fixture.now
        _ = try await store.ingest([ValidObservation(seriesID: series, t: t0, value: 20, status: .measuring, qc: .ok)])
        final class Clock: @unchecked Sendable { var now: Int64 = 0 }
        let clock = Clock()
        let engine = AlertEngine(store: store, clock: { clock.now })
        _ = try await store.createRule(AlertRule(name: "im lặng", kind: .silent, scope: AlertScope(provinces: ["20"])))
        clock.now = t0 + 1800
        #expect(try await engine.checkSilence() == 0)  // exactly the threshold: not yet
        clock.now = t0 + 1801
        #expect(try await engine.tick() == (1, 0))
        var events = try await store.stationEvents(station: "LS-TP", kind: .silent, from: 0, to: .max, limit: 10)
        #expect(events.count == 1 && events[0].event.start == t0 && events[0].event.end == nil)
        // The station returns.
        _ = try await store.ingest([ValidObservation(seriesID: series, t: t0 + 3600, value: 21, status: .measuring, qc: .ok)])
        clock.now = t0 + 3700
        #expect(try await engine.tick() == (0, 1))
        events = try await store.stationEvents(station: "LS-TP", kind: .silent, from: 0, to: .max, limit: 10)
        #expect(events.first?.event.end == t0 + 3600)
    }
}

@Suite struct DemoQualityTests {
    /// The demo's calibration period (HCM-Q1, 3 hours five days ago, PM2.5 at 400 µg/m³ on span gas) is flagged and
    /// raises neither an AQI nor a limit event; its wastewater upset raises a QCVN 40 event and its stuck TSS analyser
    /// is flagged as a flat line.
    @Test func calibrationIsFlaggedAndRaisesNothing() async throws {
        let store = try await Fixture.makeStore()
        let facility = try await store.createFacility(DemoNetwork.facility)
        for s in DemoNetwork.stations(facilityID: facility.id) { _ = try await store.createStation(s) }
        let directory = try await store.seriesDirectory()
        let end = Fixture.now
        var batches: [[ValidObservation]] = []
        try DemoNetwork.generate(end: end) { rows in
            batches.append(
                rows.map { r in
                    let entry = directory.stations[r.station]!
                    let p = Fixture.reference.parameters.resolve(r.parameter, among: entry.series.keys)!
                    return ValidObservation(
                        seriesID: entry.series[p.code]!, t: r.t, value: r.value, status: r.status,
                        qc: QualityControl.flag(value: r.value, status: r.status, parameter: p))
                })
        }
        for b in batches { _ = try await store.ingest(b) }
        try await Deriver(store: store, reference: Fixture.reference, clock: { end }).drain()

        let from = end - 123 * 3600
        let to = end - 120 * 3600
        let raw = try await store.rawSeries(station: "HCM-Q1", parameter: "PM2.5", from: from + 300, to: to - 300, limit: 100)
        #expect(!raw.isEmpty)
        #expect(raw.allSatisfy { $0.qc.flag == .calibrating })
        #expect(raw.allSatisfy { $0.value == 400 })
        // No hourly mean, AQI above the haze-free level, or event from the span gas.
        let hours = try await store.hourlySeries(station: "HCM-Q1", parameter: "PM2.5", from: from + 3600, to: to)
        #expect(hours.allSatisfy { $0.max < 400 })
        let aqi = try await store.aqiSeries(station: "HCM-Q1", scale: .vn, resolution: .hour, from: from, to: to + 3600)
        #expect(!aqi.isEmpty && aqi.allSatisfy { $0.result.aqi < 200 })
        let events = try await store.exceedances(station: "HCM-Q1", from: from, to: to, afterID: nil, limit: 100)
        #expect(events.isEmpty)

        // The wastewater upset two days ago breaks QCVN 40 column B × 0.81 (COD 121.5 mg/L).
        let ww = try await store.exceedances(station: "HP-DV-WW", from: end - 50 * 3600, to: end - 45 * 3600, afterID: nil, limit: 10)
        #expect(ww.contains { $0.event.parameter == "COD" && $0.event.limit == 121.5 && $0.event.standard.hasPrefix("QCVN 40:2011/BTNMT column B") })
        // The stuck TSS analyser is a flat line.
        let tss = try await store.rawSeries(station: "HP-DV-WW", parameter: "TSS", from: end - 74 * 3600, to: end - 73 * 3600, limit: 20)
        #expect(!tss.isEmpty && tss.allSatisfy { $0.qc.flag == .flatLine })
        // The NH4 analyser's error is a device-error event.
        let dev = try await store.stationEvents(station: "HP-DV-WW", kind: .deviceError, from: end - 2 * 86_400, to: end, limit: 10)
        #expect(dev.count == 1 && dev[0].event.parameter == "NH4")
    }
}

@Suite struct AlertPageTests {
    @Test func alertsPageListsOpenAlertsInBothLanguages() async throws {
        let f = try await Fixture()
        _ = try await f.store.createRule(AlertRule(name: "QCVN 05", kind: .exceedance))
        let series = try await f.store.seriesDirectory().stations["HN-NKT"]!.series["NO2"]!
        let start = Fixture.now - 2 * 3600
        _ = try await f.store.ingest(
            (1...12).map { i in ValidObservation(seriesID: series, t: start + Int64(i) * 300, value: 300 + Double(i % 2), status: .measuring, qc: .ok)
            })
        try await f.services.deriver.drain()
        #expect(try await f.services.alertEngine.tick().opened == 1)
        try await f.test { client in
            let vi = try await client.execute(uri: "/alerts", method: .get)
            let page = String(buffer: vi.body)
            #expect(vi.status == .ok)
            #expect(page.contains("Cảnh báo đang mở"))
            // The station by its name, what happened in words, local times (not codes and ISO strings).
            #expect(page.contains("Nguyễn Khánh Toàn") && page.contains("Vượt quy chuẩn") && page.contains("NO2 30"))
            #expect(!page.contains("+07:00") && page.range(of: #"\d{2}:\d{2} \d{2}/\d{2}/2026"#, options: .regularExpression) != nil)
            let en = try await client.execute(uri: "/alerts?lang=en", method: .get)
            #expect(String(buffer: en.body).contains("Limit exceeded"))
            let api = try await client.execute(uri: "/api/v1/alerts?open=true", method: .get)
            let items = try #require(Fixture.json(api)["items"] as? [[String: Any]])
            #expect(items.count == 1 && items[0]["open"] as? Bool == true)
            #expect((items[0]["alert"] as? [String: Any])?["station"] as? String == "HN-NKT")
        }
    }
}
