import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhStore

/// `POST /api/v1/wqi`: public, answers the index with its band and every part, says why when it cannot, names a bad
/// field, and writes nothing to the audit log.
@Suite struct WQIAPITests {
    static func post(_ client: some TestClientProtocol, _ body: String) async throws -> (HTTPResponse.Status, [String: Any]) {
        try await client.execute(uri: "/api/v1/wqi", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body)) {
            ($0.status, (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body))) as? [String: Any] ?? [:])
        }
    }

    @Test func theCalculatorAnswersWithoutAKey() async throws {
        let f = try await Fixture()
        try await f.test { client in
            let moderate =
                #"{"pH":7.8,"DO":5.2,"T":27,"BOD5":8,"COD":18,"N-NH4":0.45,"N-NO3":3.0,"N-NO2":0.04,"P-PO4":0.15,"Coliform":4200,"E.coli":40}"#
            let (ok, r) = try await Self.post(client, moderate)
            #expect(ok == .ok && r["wqi"] as? Int == 81 && r["band"] as? String == "good" && r["color"] as? String == "#00E400")
            #expect(r["bandName"] as? String == "Tốt" && (r["use"] as? String)?.contains("cấp nước sinh hoạt") == true)
            #expect((r["groups"] as? [String: Double])?.keys.sorted() == ["I", "IV", "V"] && (r["subIndices"] as? [String: Double])?["DO"] != nil)
            #expect((r["missing"] as? [String])?.contains("As") == true && r["aggregation"] as? String == "sqrt")
            let (_, weighted) = try await Self.post(client, moderate.dropLast() + #","aggregation":"weighted"}"#)
            #expect(weighted["wqi"] as? Int == 80 && weighted["aggregation"] as? String == "weighted")
            // Not computable: null with the reason.
            let (thin, t) = try await Self.post(client, #"{"pH":7,"BOD5":3,"COD":8,"Coliform":100,"DO":6}"#)
            #expect(thin == .ok && t["wqi"] is NSNull && t["computable"] as? Bool == false)
            #expect((t["notComputable"] as? [String])?.first?.contains("group IV") == true && (t["unused"] as? [String])?.count == 1)
            // Refusals name the field.
            let (unknown, u) = try await Self.post(client, #"{"pH":7,"PM2.5":3}"#)
            #expect(unknown == .unprocessableContent && (u["detail"] as? String)?.hasPrefix("/PM2.5: not a VN_WQI parameter") == true)
            let (badSetting, b) = try await Self.post(client, #"{"pH":7,"heptachlor":"both"}"#)
            #expect(badSetting == .unprocessableContent && b["pointer"] as? String == "/heptachlor")
            #expect(try await Self.post(client, #"{"pH":"seven"}"#).0 == .badRequest)
            #expect(try await Self.post(client, "[1,2]").0 == .badRequest)
        }
        #expect(try await f.store.auditEntries(AuditFilter(), beforeSeq: nil, limit: 10).isEmpty, "a calculation is not audited")
    }
}

/// `POST /api/v1/samples`: a value below its detection limit and one above QCVN 08 column A are stored, flagged and
/// reported as such, with the sample's VN_WQI; the same sample twice is one; problems name their field; a key
/// limited to other stations is refused; `GET /api/v1/samples` and `GET /api/v1/stations/{code}/wqi` answer them.
@Suite struct SampleAPITests {
    static let body = #"""
        {"station":"LS-KC-01","time":"2026-05-12T09:30:00+07:00","campaign":"Q2/2026","laboratory":"Trung tâm Quan trắc Lạng Sơn",
         "accreditation":"VIMCERTS 045","values":[
          {"parameter":"pH","value":7.4},{"parameter":"T","value":26,"unit":"°C"},{"parameter":"DO","value":5.6,"unit":"mg/L"},
          {"parameter":"BOD5","value":7.5,"unit":"mg/L","method":"TCVN 6001-1:2021"},{"parameter":"COD","value":16,"unit":"mg/l"},
          {"parameter":"NH4","value":0.42,"unit":"mg/L"},{"parameter":"P-PO4","value":0.12,"unit":"mg/L"},
          {"parameter":"Pb","value":"< 0.002","unit":"mg/L"},{"parameter":"Coliform","value":3900,"unit":"MPN/100mL"}]}
        """#

    @Test func aSampleIsStoredFlaggedComparedAndIndexed() async throws {
        let f = try await Fixture()
        _ = try await f.store.createStation(
            Station(code: "LS-KC-01", name: "Sông Kỳ Cùng, cầu Kỳ Lừa", kind: .surfaceWater, province: "20", parameters: []))
        let other = APIKeys.generate()
        try await f.store.createAPIKey(name: "lab-other", hash: APIKeys.hash(other), role: "facility_operator")
        try await f.store.setAPIKeyScope(name: "lab-other", scope: AccessScope(stations: ["HN-NKT"]))
        try await f.test { client in
            func post(_ body: String, key: String) async throws -> (HTTPResponse.Status, [String: Any]) {
                try await client.execute(
                    uri: "/api/v1/samples", method: .post, headers: [.contentType: "application/json", .authorization: "Bearer \(key)"],
                    body: ByteBuffer(string: body)
                ) { ($0.status, (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body))) as? [String: Any] ?? [:]) }
            }
            let (created, r) = try await post(Self.body, key: f.key)
            #expect(created == .created && r["added"] as? Int == 1)
            let item = try #require((r["items"] as? [[String: Any]])?.first)
            let values = try #require(item["values"] as? [[String: Any]])
            let pb = try #require(values.first { $0["parameter"] as? String == "Pb" })
            #expect(pb["belowDetection"] as? Bool == true && pb["detectionLimit"] as? Double == 0.002 && pb["value"] == nil)
            #expect(pb["flags"] as? [String] == ["below_lod"] && pb["exceeds"] as? [String] == [])
            let bod = try #require(values.first { $0["parameter"] as? String == "BOD5" })
            #expect(bod["exceeds"] as? [String] == ["A", "B"], "7.5 mg/L is above column A (4) and B (6), within C (10)")
            #expect(values.contains { $0["parameter"] as? String == "N-NH4" }, "the alias NH4 is stored as N-NH4")
            let wqi = try #require(item["wqi"] as? [String: Any])
            #expect(wqi["computable"] as? Bool == true && (wqi["wqi"] as? Int).map { $0 > 50 && $0 < 91 } == true)
            #expect(item["lodRule"] as? String == "half" && (wqi["subIndices"] as? [String: Double])?["Pb"] == 100)
            // The same sample again: replaced, not doubled.
            let (again, r2) = try await post(Self.body, key: f.key)
            #expect(again == .ok && r2["added"] as? Int == 0 && r2["replaced"] as? Int == 1)
            // Problems name the field; nothing stored.
            let (bad, p) = try await post(Self.body.replacingOccurrences(of: #""unit":"mg/l""#, with: #""unit":"µg/m³""#), key: f.key)
            #expect(bad == .unprocessableContent && (p["detail"] as? String)?.contains("/values/4/unit") == true)
            let (unknown, _) = try await post(Self.body.replacingOccurrences(of: "LS-KC-01", with: "NOPE"), key: f.key)
            #expect(unknown == .unprocessableContent)
            let (outside, _) = try await post(Self.body, key: other)
            #expect(outside == .forbidden)
            let list = try await client.execute(uri: "/api/v1/samples?station=LS-KC-01&campaign=Q2/2026", method: .get) {
                (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body))) as? [String: Any] ?? [:]
            }
            #expect((list["items"] as? [[String: Any]])?.count == 1)
            let series = try await client.execute(uri: "/api/v1/stations/LS-KC-01/wqi?from=2026-01-01", method: .get) {
                (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body))) as? [String: Any] ?? [:]
            }
            let point = try #require((series["items"] as? [[String: Any]])?.first)
            #expect(point["time"] as? String == "2026-05-12T09:30:00+07:00" && point["source"] as? String == "sample")
        }
        #expect(try await f.store.samples(station: nil, campaign: nil, from: nil, to: nil, limit: 10).count == 1)
    }
}

/// `/water`: the demo's points with their latest VN_WQI in its colour, the history of each, in both languages.
@Suite struct WaterPageTests {
    @Test func thePublicSeesEachPointsLatestIndexAndHistory() async throws {
        let f = try await Fixture()
        for s in DemoWater.stations() { _ = try await f.services.registry.createStation(s) }
        _ = try await f.services.samples.store(DemoWater.samples(end: Fixture.now))
        try await f.test { client in
            let vi = try await client.execute(uri: "/water", method: .get) { ($0.status, String(buffer: $0.body)) }
            #expect(vi.0 == .ok && vi.1.contains("Kênh An Kim Hải") && vi.1.contains(#"id="point-HP-SW-03""#))
            let canal = vi.1.components(separatedBy: #"id="point-HP-SW-03""#).dropFirst().first ?? ""
            let latest = canal.components(separatedBy: #"data-wqi=""#).dropFirst().first.flatMap { Int($0.prefix { $0.isNumber }) }
            #expect(latest.map { $0 < 50 } == true, "the canal's latest WQI: \(String(describing: latest))")
            #expect(canal.contains("BOD5 (A, B, C)"), "the canal's BOD5 is above columns A to C")
            let en = try await client.execute(uri: "/water?lang=en", method: .get) { String(buffer: $0.body) }
            #expect(en.contains("Surface-water monitoring points") && en.contains("Sampling point"))
        }
    }
}

/// Samples as files: the XLSX template (Vietnamese headers with keys) filled and sent back, and a CSV; a problem
/// names its cell or line; a time typed into Excel (a day number) is read as Vietnam's time.
@Suite struct SampleSheetTests {
    @Test func theTemplateFilledAndACSVAreStoredWithProblemsNamedByCell() async throws {
        let f = try await Fixture()
        for s in DemoWater.stations() { _ = try await f.services.registry.createStation(s) }
        try await f.test { client in
            let template = try await client.execute(uri: "/api/v1/samples/template", method: .get) { Data(buffer: $0.body) }
            let sheets = try XLSX.read(template)
            let head = try #require(sheets.first { $0.name == "mau_nuoc" }?.rows.first)
            #expect(head.map { XLSX.headerKey($0.text ?? "") } == SampleSheet.columns.map(\.key))
            #expect(head.first?.text == "Mã trạm, điểm lấy mẫu (station)")
            #expect(sheets.first { $0.name == "thong_so" }?.rows.contains { $0.first?.text == "N-NH4" } == true)
            // Filled: 15/05/2026 09:00 typed as an Excel day number (46157.375), one value below detection.
            var filled = XLSX.Sheet(name: "mau_nuoc", rows: [head])
            for (p, v, u) in [
                ("pH", "7.5", ""), ("DO", "6,2", "mg/L"), ("T", "28", "°C"), ("BOD5", "4.8", "mg/L"), ("COD", "10", "mg/L"), ("NH4", "0.2", "mg/L"),
                ("Pb", "< 0.002", "mg/L"),
            ] {
                filled.rows.append([
                    .text("LS-SW-01"), .number(46157.375), .text("Q2/2026"), .text("TTQT Lạng Sơn"), .text("VIMCERTS 045"), .text(p), .text(v),
                    .text(u), .empty,
                ])
            }
            let h: HTTPFields = [
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", .authorization: "Bearer \(f.key)",
            ]
            let (status, body) = try await client.execute(
                uri: "/api/v1/samples", method: .post, headers: h, body: ByteBuffer(bytes: try XLSX.write([filled]))
            ) {
                ($0.status, (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body))) as? [String: Any] ?? [:])
            }
            #expect(status == .created && body["added"] as? Int == 1, "\(body)")
            let item = try #require((body["items"] as? [[String: Any]])?.first)
            #expect(item["time"] as? String == "2026-05-15T09:00:00+07:00" && (item["values"] as? [Any])?.count == 7)
            // The same sheet with a wrong unit on the COD row: refused, the cell named.
            filled.rows[5][7] = .text("µg/m³")
            let (bad, problem) = try await client.execute(
                uri: "/api/v1/samples", method: .post, headers: h, body: ByteBuffer(bytes: try XLSX.write([filled]))
            ) {
                ($0.status, (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body))) as? [String: Any] ?? [:])
            }
            #expect(bad == .unprocessableContent && (problem["detail"] as? String)?.contains("mau_nuoc!H6") == true, "\(problem)")
            // A CSV with the keys as headers; the third line's value is not a number.
            let csv = """
                station,time,campaign,parameter,value,unit
                HP-SW-01,2026-08-15 09:00,Q3/2026,pH,7.1,
                HP-SW-01,2026-08-15 09:00,Q3/2026,BOD5,abc,mg/L
                """
            let c: HTTPFields = [.contentType: "text/csv; charset=utf-8", .authorization: "Bearer \(f.key)"]
            let (csvBad, p2) = try await client.execute(uri: "/api/v1/samples", method: .post, headers: c, body: ByteBuffer(string: csv)) {
                ($0.status, (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body))) as? [String: Any] ?? [:])
            }
            #expect(csvBad == .unprocessableContent && (p2["detail"] as? String)?.contains("CSV line 3, value") == true, "\(p2)")
            let (csvOK, _) = try await client.execute(
                uri: "/api/v1/samples", method: .post, headers: c, body: ByteBuffer(string: csv.replacingOccurrences(of: "abc", with: "5.5"))
            ) { ($0.status, 0) }
            #expect(csvOK == .created)
        }
        #expect(try await f.store.samples(station: nil, campaign: nil, from: nil, to: nil, limit: 10).count == 2)
    }
}

/// An automatic surface-water station's hours: computed from its hourly means when it measures enough groups; with
/// pH and group IV alone (what such stations carry) every hour is "not computable", and the answer counts why.
@Suite struct AutomaticWQITests {
    @Test func anAutomaticStationsHoursSayWhyTheyHaveNoIndex() async throws {
        let f = try await Fixture()
        _ = try await f.store.createStation(
            Station(
                code: "HP-SW-AUTO", name: "Trạm tự động sông Cấm", kind: .surfaceWater, province: "31", latitude: 20.87, longitude: 106.68,
                parameters: ["pH", "DO", "Temp", "COD", "NH4"].map { StationParameter(parameter: $0) }))
        var rows: [ObservationInput] = []
        for m in stride(from: 5, through: 120, by: 5) {
            let t = Timestamps.format(Fixture.now - 3 * 3600 + Int64(m) * 60)
            for (p, v) in [("pH", 7.2), ("DO", 6.0), ("Temp", 27.0), ("COD", 12.0), ("NH4", 0.45)] {
                rows.append(ObservationInput(station: "HP-SW-AUTO", parameter: p, time: t, value: v, status: "00"))
            }
        }
        _ = try await f.services.ingestor.ingest(rows)
        try await f.services.deriver.drain()
        let station = try #require(try await f.store.station(code: "HP-SW-AUTO"))
        let points = try await f.services.automaticWQI.points(station, from: Fixture.now - 86_400, to: Fixture.now + 3600, day: false)
        #expect(points.count == 2 && points.allSatisfy { $0.result.wqi == nil && $0.result.groups.keys.sorted() == ["I", "IV"] })
        #expect(
            points.first?.result.subIndices["T"] == nil && abs((points.first?.result.subIndices["N-NH4"] ?? 0) - 62.5) < 1e-6,
            "NH4 read as N-NH4; T feeds DO: \(points.first?.result.subIndices ?? [:])")
        try await f.test { client in
            let body = try await client.execute(uri: "/api/v1/stations/HP-SW-AUTO/wqi?period=hour", method: .get) {
                (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body))) as? [String: Any] ?? [:]
            }
            #expect((body["items"] as? [Any])?.isEmpty == true)
            #expect((body["notComputable"] as? [String: Int])?["2 group(s) present; at least 3 are needed"] == 2, "\(body)")
            let bad = try await client.execute(uri: "/api/v1/stations/HP-SW-AUTO/wqi?period=week", method: .get) { $0.status }
            #expect(bad == .badRequest)
        }
    }
}
