import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

/// An approver's key next to the fixture's editor key.
private func approver(_ f: Fixture) async throws -> HTTPFields {
    let key = APIKeys.generate()
    try await f.store.createAPIKey(name: "approver", hash: APIKeys.hash(key), role: "approver")
    return [.authorization: "Bearer \(key)", .contentType: "application/json"]
}

private func post(_ client: any TestClientProtocol, _ uri: String, _ headers: HTTPFields, _ json: String) async throws -> (Int, [String: Any]) {
    try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json)) { r in (Int(r.status.code), Fixture.json(r)) }
}

/// Items of a list, read with `headers` (staff see unpublished values; no credentials, the public's view).
private func items(_ client: any TestClientProtocol, _ headers: HTTPFields, _ uri: String) async throws -> [[String: Any]] {
    try await client.execute(uri: uri, method: .get, headers: headers) { r in Fixture.json(r)["items"] as? [[String: Any]] ?? [] }
}

/// Province names as the page prints them.
enum WebControllerNames {
    static let provinces = Dictionary(uniqueKeysWithValues: try! ProvinceCatalogue.bundled().map { ($0.code, $0.nameVi) })
    static func province(_ code: String) -> String { provinces[code] ?? code }
}

@Suite struct IndicatorAPITests {
    @Test func ratioOverCommunesAndValuesOfOldProvinces() async throws {
        let f = try await Fixture(station: false)
        try await f.store.upsertUnits([
            AdminUnit(id: "31001", code: "31001", nameVi: "Xã A", nameEn: "A", level: .commune, parent: "31"),
            AdminUnit(id: "31002", code: "31002", nameVi: "Xã B", nameEn: "B", level: .commune, parent: "31"),
        ])
        try await f.test { client in
            // Communes of today's Hải Phòng in 2026: 90/100 and 1/10 households → 91/110 = 82.73 %, not the mean 50 %.
            // 2023: the old Hải Phòng (code 31 then) 800/1000 and Hải Dương (30) 450/500 → today's Hải Phòng 1250/1500.
            let (status, body) = try await post(
                client, "/api/v1/values", f.auth,
                """
                {"values":[
                 {"indicator":"HP.WATER-CLEAN","unit":"31001","period":"2026","numerator":90,"denominator":100},
                 {"indicator":"HP.WATER-CLEAN","unit":"31002","period":"2026","numerator":1,"denominator":10,"unitOfMeasure":"%"},
                 {"indicator":"HP.WATER-CLEAN","unit":"31","period":"2023","numerator":800,"denominator":1000},
                 {"indicator":"HP.WATER-CLEAN","unit":"30","period":"2023","numerator":450,"denominator":500}]}
                """)
            #expect(status == 200, "\(body)")
            let agg = try await items(client, f.auth, "/api/v1/aggregates?indicator=HP.WATER-CLEAN")
            func value(_ unit: String, _ period: String) -> Double? {
                agg.first { $0["unit"] as? String == unit && $0["period"] as? String == period }?["value"] as? Double
            }
            #expect(abs((value("31", "2026") ?? 0) - 91.0 / 110 * 100) < 1e-9)
            #expect(abs((value("31", "2023") ?? 0) - 1250.0 / 1500 * 100) < 1e-9)
            #expect(value("30", "2023") == nil)
            // Stored as reported: reproducible as it was.
            let old = try await items(client, f.auth, "/api/v1/values?unit=old-30")
            #expect(old.count == 1 && old.first?["value"] as? Double == 90)
            let units = try await items(client, f.auth, "/api/v1/units?level=province&date=2023-12-31")
            #expect(units.count == 63)
            #expect(units.first { $0["id"] as? String == "old-30" }?["currentProvince"] as? String == "31")
            #expect(try await items(client, f.auth, "/api/v1/units?level=province&date=2026-01-01").count == 34)
            // Bad rows are named and nothing is stored.
            let (bad, problem) = try await post(
                client, "/api/v1/values", f.auth,
                """
                {"values":[{"indicator":"HP.WATER-CLEAN","unit":"31","period":"2026","numerator":5,"denominator":10},
                 {"indicator":"HP.WATER-CLEAN","unit":"31","period":"2025","numerator":11,"denominator":10},
                 {"indicator":"NOPE","unit":"31","period":"2025","value":1},{"indicator":"HP.WATER-CLEAN","unit":"99","period":"2025","numerator":1,"denominator":2},
                 {"indicator":"MON.AQI-DAYS","unit":"31","period":"2025","value":3}]}
                """)
            #expect(bad == 422)
            let errors = problem["errors"] as? [[String: String]] ?? []
            #expect(errors.map { $0["origin"] ?? "" } == ["values/1", "values/2", "values/3", "values/4"])
            #expect(errors[0]["detail"]?.contains("larger than the denominator") == true)
            #expect(errors[3]["detail"]?.contains("computed (from monitoring data)") == true)
            #expect(try await items(client, f.auth, "/api/v1/values?period=2026&unit=31").isEmpty)

            // A formula indicator is computed from the aggregates of its parts: {2.1} − {2.2} per unit and period.
            let (ok, _) = try await post(
                client, "/api/v1/values", f.auth,
                """
                {"values":[{"indicator":"2.1","unit":"31001","period":"2026","numerator":30,"denominator":100},
                 {"indicator":"2.1","unit":"31002","period":"2026","numerator":20,"denominator":100},
                 {"indicator":"2.2","unit":"31","period":"2026","numerator":40,"denominator":200}]}
                """)
            #expect(ok == 200)
            let loss = try await items(client, f.auth, "/api/v1/aggregates?indicator=GG.ENERGY-LOSS")
            // 2.1 for Hải Phòng = 50/200 = 0.25 (ratio of sums of the communes); 2.2 = 40/200 = 0.2 → 0.05.
            #expect(abs((loss.first { $0["unit"] as? String == "31" }?["value"] as? Double ?? 0) - 0.05) < 1e-12)
            #expect(
                try await post(
                    client, "/api/v1/values", f.auth, #"{"values":[{"indicator":"GG.ENERGY-LOSS","unit":"31","period":"2026","value":1}]}"#
                ).0 == 422)
        }
    }

    @Test func approvedValuesAreLockedAndEveryChangeIsKept() async throws {
        let f = try await Fixture(station: false)
        let boss = try await approver(f)
        try await f.test { client in
            let key = #"{"items":[{"indicator":"QD1658.WW-URBAN","unit":"31","period":"2026"}]"#
            let write = { (n: Int) in
                #"{"values":[{"indicator":"QD1658.WW-URBAN","unit":"31","period":"2026","numerator":\#(n),"denominator":1000}],"submit":false}"#
            }
            #expect(try await post(client, "/api/v1/values", f.auth, write(212)).0 == 200)
            #expect(try await post(client, "/api/v1/values/submit", f.auth, key + "}").0 == 200)
            let (editorApproves, why) = try await post(client, "/api/v1/values/approve", f.auth, key + "}")
            // The policy refuses it before the workflow sees it: an admin's key does not hold 'approve'.
            #expect(editorApproves == 403 && (why["detail"] as? String)?.contains("'approve' permission") == true)
            #expect(try await post(client, "/api/v1/values/approve", boss, key + "}").0 == 200)
            // Locked: a write is refused and the value is unchanged.
            let (locked, lockedWhy) = try await post(client, "/api/v1/values", f.auth, write(300))
            #expect(locked == 422 && (lockedWhy["detail"] as? String)?.contains("locked") == true)
            #expect(try await items(client, f.auth, "/api/v1/values?unit=31&period=2026").first?["numerator"] as? Double == 212)
            // Reopening needs an approver and a comment.
            #expect(try await post(client, "/api/v1/values/reopen", f.auth, key + #","comment":"typo"}"#).0 == 403)
            #expect(try await post(client, "/api/v1/values/reopen", boss, key + "}").0 == 422)
            #expect(try await post(client, "/api/v1/values/reopen", boss, key + #","comment":"the treatment plant figure was for 2025"}"#).0 == 200)
            #expect(try await post(client, "/api/v1/values", f.auth, write(230)).0 == 200)
            let history = try await items(client, f.auth, "/api/v1/values/history?indicator=QD1658.WW-URBAN&unit=31&period=2026")
            #expect(history.map { $0["action"] as? String } == ["create", "submit", "approve", "reopen", "update"])
            #expect(history.map { $0["by"] as? String } == ["test", "test", "approver", "approver", "test"])
            #expect(history.last?["oldValue"] as? Double == 21.2)
            #expect(history.last?["newValue"] as? Double == 23)
            #expect(history[3]["comment"] as? String == "the treatment plant figure was for 2025")
        }
    }

    @Test func aFilledTemplateLandsAsSubmittedAndABadOneStoresNothing() async throws {
        let f = try await Fixture(station: false)
        try await f.test { client in
            let template = try await client.execute(
                uri: "/api/v1/values/template?indicators=HP.WATER-CLEAN,1.2&units=31,01&period=2026", method: .get
            ) { r -> Data in
                #expect(r.headers[.contentType]?.contains("spreadsheetml") == true)
                return Data(buffer: r.body)
            }
            // The "script": open the workbook, fill the value cells, save.
            func filled(_ edit: (inout XLSX.Sheet) -> Void) throws -> ByteBuffer {
                var sheets = try XLSX.read(template)
                edit(&sheets[0])
                return ByteBuffer(data: try XLSX.write(sheets))
            }
            let sheet = try XLSX.read(template)[0]
            #expect(sheet.rows.count == 5)  // header + 2 indicators × 2 units
            #expect(sheet.rows[0].compactMap(\.text) == IndicatorTemplate.header)
            let good = try filled { s in
                for r in 1..<s.rows.count {
                    if s.cell(r, 0) == .text("HP.WATER-CLEAN") {
                        s.set(r, 7, .number(95))
                        s.set(r, 8, .number(100))
                    } else {
                        s.set(r, 6, .text("1234,5"))  // a decimal comma, as Vietnamese Excel writes it
                    }
                }
            }
            try await client.execute(uri: "/api/v1/values/upload", method: .post, headers: f.auth, body: good) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            let stored = try await items(client, f.auth, "/api/v1/values?period=2026")
            #expect(stored.count == 4 && stored.allSatisfy { $0["status"] as? String == "submitted" })
            #expect(stored.first { $0["indicator"] as? String == "1.2" }?["value"] as? Double == 1234.5)

            // A wrong unit and a text in a number cell: the cells are named and nothing of the file is stored.
            let bad = try filled { s in
                s.set(1, 6, .number(10))
                s.set(1, 7, .number(1))
                s.set(1, 8, .number(2))
                s.set(1, 5, .text("households"))
                s.set(2, 7, .text("ninety"))
                s.set(2, 8, .number(100))
                s.set(3, 6, .number(5))
            }
            try await client.execute(uri: "/api/v1/values/upload?submit=false", method: .post, headers: f.auth, body: bad) { r in
                #expect(r.status == .unprocessableContent)
                let origins = (Fixture.json(r)["errors"] as? [[String: String]])?.compactMap { $0["origin"] } ?? []
                #expect(origins == ["so_lieu!F2", "so_lieu!H3"], "\(String(buffer: r.body))")
                #expect((Fixture.json(r)["detail"] as? String)?.contains("'ninety' is not a number") == true)
            }
            #expect(try await items(client, f.auth, "/api/v1/values?period=2026").allSatisfy { $0["status"] as? String == "submitted" })
            #expect(try await items(client, f.auth, "/api/v1/values?period=2026&status=draft").isEmpty)
            try await client.execute(uri: "/api/v1/values?period=2026&format=xlsx", method: .get, headers: f.auth) { r in
                let rows = try XLSX.read(Data(buffer: r.body))[0].rows
                #expect(rows.count == 5 && rows[0][0] == .text("indicator"))
            }
        }
    }

    /// The public sees approved values only, in lists, exports, aggregates and history; staff see drafts too.
    @Test func thePublicSeesApprovedValuesOnly() async throws {
        let f = try await Fixture(station: false)
        let boss = try await approver(f)
        try await f.test { client in
            let write = { (unit: String, n: Int) in
                #"{"values":[{"indicator":"QD1658.WW-URBAN","unit":"\#(unit)","period":"2026","numerator":\#(n),"denominator":1000}]}"#
            }
            #expect(try await post(client, "/api/v1/values", f.auth, write("31", 212)).0 == 200)  // submitted
            #expect(try await post(client, "/api/v1/values", f.auth, write("01", 500)).0 == 200)
            let key01 = #"{"items":[{"indicator":"QD1658.WW-URBAN","unit":"01","period":"2026"}]}"#
            #expect(try await post(client, "/api/v1/values/approve", boss, key01).0 == 200)
            let anonymous: HTTPFields = [:]
            let publicValues = try await items(client, anonymous, "/api/v1/values?period=2026&status=draft,submitted,approved")
            #expect(publicValues.map { $0["unit"] as? String } == ["01"] && publicValues.allSatisfy { $0["status"] as? String == "approved" })
            #expect(try await items(client, f.auth, "/api/v1/values?period=2026").count == 2)
            let csv = try await client.execute(uri: "/api/v1/values?period=2026&format=csv", method: .get) { String(buffer: $0.body) }
            #expect(csv.contains(",01,") && !csv.contains(",31,") && !csv.contains("submitted"), "\(csv)")
            let publicAgg = try await items(client, anonymous, "/api/v1/aggregates?indicator=QD1658.WW-URBAN&status=submitted,approved")
            #expect(!publicAgg.contains { $0["unit"] as? String == "31" })
            #expect(try await items(client, f.auth, "/api/v1/aggregates?indicator=QD1658.WW-URBAN").contains { $0["unit"] as? String == "31" })
            let hidden = try await items(client, anonymous, "/api/v1/values/history?indicator=QD1658.WW-URBAN&unit=31&period=2026")
            #expect(hidden.isEmpty)
            let shown = try await items(client, anonymous, "/api/v1/values/history?indicator=QD1658.WW-URBAN&unit=01&period=2026")
            #expect(shown.map { $0["action"] as? String } == ["approve"])
        }
    }

    @Test func theIndexRanksTheProvincesReproducibly() async throws {
        let f = try await Fixture(station: false)
        _ = try await DemoIndicatorLoader.load(services: f.services)
        try await f.test { client in
            let uri = "/api/v1/index/ggi-vn/scores?year=2024&runs=100&seed=7"
            let first = try await client.execute(uri: uri, method: .get) { String(buffer: $0.body) }
            let second = try await client.execute(uri: uri, method: .get) { String(buffer: $0.body) }
            #expect(first == second)
            let json = (try? JSONSerialization.jsonObject(with: Data(first.utf8))) as? [String: Any] ?? [:]
            let scores = json["scores"] as? [[String: Any]] ?? []
            #expect(scores.count == 34)
            #expect(scores.compactMap { $0["rank"] as? Int }.sorted() == Array(1...34))
            #expect((json["droppedIndicators"] as? [String]) == ["MON.AQI-DAYS"])
            let sensitivity = (json["sensitivity"] as? [String: Any])?["units"] as? [[String: Any]] ?? []
            #expect(sensitivity.count == 34 && sensitivity.allSatisfy { ($0["best"] as! Int) <= ($0["worst"] as! Int) })
            let progress = try await items(client, f.auth, "/api/v1/targets/progress?year=2024&unit=31&indicator=QD1658.WW-URBAN")
            // Hải Phòng 2024 = old Hải Phòng (53,000 of 250,000 m³/day) + demo Hải Dương.
            #expect(((progress.first?["progress"] as? [String: Any])?["status"] as? String) == "off_track")
            // The public page shows the same ranking, in Vietnamese and English.
            let page = try await client.execute(uri: "/indicators?year=2024", method: .get) { String(buffer: $0.body) }
            let ranks = scores.sorted { ($0["rank"] as! Int) < ($1["rank"] as! Int) }
            #expect(page.contains("Chỉ số tăng trưởng xanh cấp tỉnh") && page.contains("Hải Phòng") && page.contains("Chậm tiến độ"))
            #expect(page.components(separatedBy: "<tr><td>").count - 1 >= 34)
            let best = WebControllerNames.province(ranks.first?["unit"] as? String ?? "")
            #expect(
                page.range(of: best).map { page.distance(from: page.startIndex, to: $0.lowerBound) } ?? .max
                    < page.range(of: WebControllerNames.province(ranks.last?["unit"] as? String ?? "")).map {
                        page.distance(from: page.startIndex, to: $0.lowerBound)
                    } ?? 0)
            let english = try await client.execute(uri: "/indicators?year=2024&lang=en", method: .get) { String(buffer: $0.body) }
            #expect(english.contains("Provincial green growth index") && english.contains("Off track"))
        }
    }
}
