import Foundation
import Testing
import XanhCore
import ZIPFoundation

@testable import XanhHTTP
import XanhSQLStore
import XanhServices

#if canImport(Glibc)
    import Glibc
#endif

/// Every way an attacker or a clumsy client knocked the server over (issue 13), and its neighbours, sent to a real
/// `xanh serve` process: each answers 4xx with a problem document (or its file is quarantined), the process stays up
/// and `/health` answers, and the process's peak memory over the whole suite stays under 300 MiB.
@Suite(.serialized) struct HostileInputTests {
    struct Case {
        var name: String
        var send: @Sendable (ServerProcess) throws -> ServerProcess.Answer
        var expect: ClosedRange<Int> = 400...499
        var check: (@Sendable (ServerProcess.Answer) -> String?)? = nil
    }

    static let now = Int64(Date().timeIntervalSince1970)

    /// Two ambient stations with two days of 5-minute data (6,912 observations), an alert rule, and a drop folder.
    static func populate(_ s: ServerProcess) async throws {
        for code in ["HN-A", "HN-B"] {
            let body =
                #"{"code":"\#(code)","name":"Trạm \#(code)","kind":"ambient_air","province":"01","latitude":21.0,"longitude":105.8,"parameters":[{"parameter":"PM2.5"},{"parameter":"PM10"},{"parameter":"NO2"},{"parameter":"CO"},{"parameter":"O3"},{"parameter":"SO2"}]}"#
            let r = try s.send("POST", "/api/v1/stations", body: Data(body.utf8))
            try #require(r.status == 201, "\(r.status) \(r.text)")
        }
        var rows: [String] = []
        let start = (now / 300) * 300 - 2 * 86_400
        for code in ["HN-A", "HN-B"] {
            for k in 0..<576 {
                for p in ["PM2.5", "PM10", "NO2"] {
                    rows.append(
                        #"{"station":"\#(code)","parameter":"\#(p)","time":"\#(Timestamps.format(start + Int64(k) * 300))","value":\#(20 + k % 40)}"#)
                }
            }
        }
        let r = try s.send("POST", "/api/v1/observations", body: Data(("{\"observations\":[" + rows.joined(separator: ",") + "]}").utf8))
        try #require(r.status == 200 && r.json["accepted"] as? Int == rows.count, "\(r.text.prefix(300))")
        let rule = try s.send(
            "POST", "/api/v1/alert-rules",
            body: Data(#"{"name":"im lặng","kind":"silent","scope":{"stations":[],"facilities":[],"provinces":[]},"active":true}"#.utf8))
        try #require(rule.status == 201, "\(rule.status) \(rule.text)")
    }

    /// An XLSX workbook with one sheet whose XML is `sheet` (and `extra` parts), written directly as a ZIP.
    static func workbook(sheet: @escaping (Int64, Int) -> Data, sheetSize: Int64, extra: Int = 0) throws -> Data {
        let archive = try #require(try Archive(accessMode: .create))
        func add(_ path: String, _ text: String) throws {
            let d = Data(text.utf8)
            try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(d.count), compressionMethod: .deflate) { pos, size in
                d.subdata(in: Int(pos)..<Int(pos) + size)
            }
        }
        try add(
            "xl/workbook.xml",
            #"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="values" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        )
        try add(
            "xl/_rels/workbook.xml.rels",
            #"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
        )
        try archive.addEntry(
            with: "xl/worksheets/sheet1.xml", type: .file, uncompressedSize: sheetSize, compressionMethod: .deflate, bufferSize: 1 << 20
        ) {
            pos, size in sheet(pos, size)
        }
        for i in 0..<extra { try add("xl/extra/part\(i).xml", "<x/>") }
        return try #require(archive.data)
    }

    static func sheetXML(_ cells: String) -> Data {
        Data(
            (#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">"# + cells
                + "</row></sheetData></worksheet>").utf8)
    }

    static func small(_ xml: Data) throws -> Data {
        try workbook(sheet: { pos, size in xml.subdata(in: Int(pos)..<Int(pos) + size) }, sheetSize: Int64(xml.count))
    }

    static let cases: [Case] = {
        var out: [Case] = []
        func get(_ name: String, _ path: String, expect: ClosedRange<Int> = 400...499, check: (@Sendable (ServerProcess.Answer) -> String?)? = nil) {
            out.append(Case(name: name, send: { try $0.get(path) }, expect: expect, check: check))
        }
        func post(
            _ name: String, _ path: String, _ body: @escaping @Sendable () throws -> Data, type: String = "application/json", chunked: Bool = false,
            expect: ClosedRange<Int> = 400...499
        ) {
            out.append(Case(name: name, send: { try $0.send("POST", path, body: try body(), contentType: type, chunked: chunked) }, expect: expect))
        }
        // 1. Unbounded SensorThings expansion.
        get("$expand six levels deep", "/sta/v1.1/Things?$expand=Datastreams/Observations/Datastream/Thing/Datastreams/Observations")
        get("$top of a billion inside $expand", "/sta/v1.1/Datastreams?$expand=Observations($top=1000000000)")
        get("$top over the limit", "/sta/v1.1/Observations?$top=10001")
        get(
            "nested $expand options deeper than the limit",
            "/sta/v1.1/Things?$expand=Datastreams($expand=Observations($expand=Datastream($expand=Thing($expand=Locations))))")
        get("more entities than the limit", "/sta/v1.1/Datastreams?$top=10000&$expand=Observations($top=10000)")
        get("$top as text", "/sta/v1.1/Things?$top=many")
        // 3. A year without data: an answer, not a crash.
        get("index scores for a year without data", "/api/v1/index/ggi-vn/scores?year=2027", expect: 200...200) { a in
            (a.json["scores"] as? [Any])?.isEmpty == true ? nil : "expected no scores: \(a.text.prefix(200))"
        }
        get("indicator page for a year without data", "/indicators?year=2027", expect: 200...200)
        get("indicator page for a year before any", "/indicators?year=1990", expect: 200...200)
        // 4. Deeply nested JSON, on every kind of route.
        let nested = Data(("{\"observations\":" + String(repeating: "[", count: 150_000) + String(repeating: "]", count: 150_000) + "}").utf8)
        post("150,000 nested arrays in an observation batch", "/api/v1/observations", { nested })
        post(
            "nested arrays in a row", "/api/v1/observations",
            { Data(("{\"observations\":[{\"station\":" + String(repeating: "[", count: 5000) + "]}").utf8) })
        post(
            "nested arrays in a station", "/api/v1/stations",
            { Data(("{\"code\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}").utf8) })
        post(
            "nested objects in a Thing", "/sta/v1.1/Things",
            { Data((String(repeating: "{\"a\":", count: 50_000) + "1" + String(repeating: "}", count: 50_000)).utf8) })
        post(
            "nested arrays in CreateObservations", "/sta/v1.1/CreateObservations",
            { Data((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8) })
        // 5. XLSX uploads.
        let xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        post(
            "XLSX cell reference ZZZZZZZZZZZZZZZ1", "/api/v1/values/upload",
            { try small(sheetXML(#"<c r="ZZZZZZZZZZZZZZZ1" t="inlineStr"><is><t>x</t></is></c>"#)) }, type: xlsx)
        post("XLSX cell reference A30000000", "/api/v1/values/upload", { try small(sheetXML(#"<c r="A30000000"><v>1</v></c>"#)) }, type: xlsx)
        post("XLSX cell far to the right", "/api/v1/values/upload", { try small(sheetXML(#"<c r="XFD1"><v>1</v></c>"#)) }, type: xlsx)
        post("XLSX negative-looking reference", "/api/v1/values/upload", { try small(sheetXML(#"<c r="A-5"><v>1</v></c>"#)) }, type: xlsx)
        post(
            "XLSX bomb: a 256 MB sheet in a small file", "/api/v1/values/upload",
            {
                let chunk = Data(repeating: 0x20, count: 1 << 20)
                return try workbook(sheet: { _, size in chunk.prefix(size) }, sheetSize: 256 << 20)
            }, type: xlsx)
        post("XLSX with 2,000 parts", "/api/v1/values/upload", { try workbook(sheet: { _, _ in Data() }, sheetSize: 0, extra: 2000) }, type: xlsx)
        post("not a ZIP at all", "/api/v1/values/upload", { Data("PK\u{3}\u{4}garbage".utf8) }, type: xlsx)
        // 8. Bodies over their route's limit: refused from the declared length, or as the chunks pass the limit.
        post(
            "a 1 MB station name", "/api/v1/stations",
            { Data((#"{"code":"X","kind":"ambient_air","province":"01","name":""# + String(repeating: "a", count: 1 << 20) + "\"}").utf8) })
        post(
            "a 600-character station name", "/api/v1/stations",
            { Data((#"{"code":"X","kind":"ambient_air","province":"01","name":""# + String(repeating: "ă", count: 600) + "\"}").utf8) })
        post("a chunked body over the batch limit", "/api/v1/observations", { Data(repeating: 0x20, count: 70 << 20) }, chunked: true)
        post("a chunked body over the upload limit", "/api/v1/values/upload", { Data(repeating: 0x20, count: 20 << 20) }, type: xlsx, chunked: true)
        out.append(
            Case(
                name: "a declared 300 MB body",
                send: { s in
                    var head = "POST /api/v1/observations HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer \(s.key)\r\n"
                    head += "Content-Type: application/json\r\nContent-Length: \(300 << 20)\r\n\r\n{\"observations\":["
                    return try ServerProcess.request(port: s.port, head, timeout: 10)
                }))
        out.append(
            Case(
                name: "a declared 2 MB body on a small route",
                send: { s in
                    try ServerProcess.request(
                        port: s.port,
                        "POST /api/v1/alert-rules HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: Bearer \(s.key)\r\nContent-Length: \(2 << 20)\r\n\r\n{",
                        timeout: 10)
                }))
        // 9. Smaller ones.
        get("$filter with 1e999", "/sta/v1.1/Observations?$filter=result%20eq%201e999")
        get("$filter with -1e999", "/sta/v1.1/Observations?$filter=result%20gt%20-1e999")
        get("$filter with 5,000 chained not", "/sta/v1.1/Observations?$filter=" + String(repeating: "not%20", count: 5000) + "true")
        get(
            "$filter with 3,000 nested parentheses",
            "/sta/v1.1/Observations?$filter=" + String(repeating: "(", count: 3000) + "true" + String(repeating: ")", count: 3000))
        get(
            "$filter with 2,000 chained and",
            "/sta/v1.1/Observations?$filter=" + Array(repeating: "result%20gt%201", count: 2000).joined(separator: "%20and%20"))
        get(
            "$orderby nested deep",
            "/sta/v1.1/Observations?$orderby=" + String(repeating: "(", count: 3000) + "result" + String(repeating: ")", count: 3000))
        get("a series over ten years of hours", "/api/v1/stations/HN-A/series?parameter=PM2.5&resolution=hour&from=2000-01-01&to=2026-01-01")
        get("a time in year 0", "/api/v1/stations/HN-A/series?parameter=PM2.5&from=0000-13-01")
        get("limit over the maximum", "/api/v1/exceedances?limit=100000000")
        get("a missing station", "/api/v1/stations/NOPE/series?parameter=PM2.5")
        post("not JSON at all", "/api/v1/observations", { Data("\u{0}\u{1}\u{2}".utf8) })
        post("an unterminated batch", "/api/v1/observations", { Data("{\"observations\":[{\"station\":\"HN-A\"".utf8) })
        return out
    }()

    @Test func hostileRequestsAnswer4xxAndTheServerStaysUp() async throws {
        let drop = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-hostile-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: drop, withIntermediateDirectories: true)
        let s = try await ServerProcess(env: ["XANH_MAX_ENTITIES": "2000"], arguments: ["--drop", drop, "--settle", "0"])
        defer { s.stop() }
        try await Self.populate(s)

        for c in Self.cases {
            let a = try c.send(s)
            #expect(c.expect.contains(a.status), "\(c.name): \(a.status) \(a.text.prefix(300))")
            if a.status >= 400 {
                #expect(a.header("Content-Type")?.hasPrefix("application/problem+json") == true, "\(c.name): \(a.head)")
                #expect(!(a.json["detail"] as? String ?? "").isEmpty, "\(c.name): no detail in \(a.text.prefix(200))")
            }
            if let m = c.check?(a) { Issue.record("\(c.name): \(m)") }
            #expect(s.isRunning, "the server died on: \(c.name)")
            let h = try s.get("/health")
            #expect(h.status == 200, "/health after \(c.name): \(h.status)")
        }

        // Observation times outside the window are rejected row by row, never stored.
        let times = [
            "0001-01-01T00:00:00Z", "1900-01-01T00:00:00Z", "1989-12-31T23:59:59+07:00", "2026-11-20T10:05:60+07:00", "2999-01-01T00:00:00Z",
        ]
        let rows = times.map { #"{"station":"HN-A","parameter":"PM2.5","time":"\#($0)","value":1}"# }
        let r = try s.send("POST", "/api/v1/observations", body: Data(("{\"observations\":[" + rows.joined(separator: ",") + "]}").utf8))
        #expect(r.status == 200 && r.json["accepted"] as? Int == 0 && (r.json["rejected"] as? [Any])?.count == times.count, "\(r.text)")

        // 2. A Thing created through SensorThings, silent for a day, with an alert rule in force: the alert engine must
        // not die on its missing province.
        let thing =
            #"{"name":"Cảm biến","description":"low-cost sensor","Locations":[{"name":"sân","description":"yard","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[105.8,21.0]}}],"Datastreams":[{"name":"pm","description":"pm","unitOfMeasurement":{"name":"µg/m³","symbol":"µg/m³","definition":"u"},"observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement","ObservedProperty":{"name":"bụi mịn","definition":"https://example.org/pm","description":"fine dust"},"Sensor":{"@iot.id":1}}]}"#
        let t = try s.send("POST", "/sta/v1.1/Things", body: Data(thing.utf8))
        #expect(t.status == 201, "\(t.status) \(t.text)")
        let ds = try s.get("/sta/v1.1/Datastreams?$filter=name%20eq%20'pm'&$select=id")
        let dsID = ((ds.json["value"] as? [[String: Any]])?.first?["@iot.id"] as? Int) ?? 0
        let obs = #"{"result":12.5,"phenomenonTime":"\#(Timestamps.format(Self.now - 86_400))","Datastream":{"@iot.id":\#(dsID)}}"#
        let o = try s.send("POST", "/sta/v1.1/Observations", body: Data(obs.utf8))
        #expect(o.status == 201, "\(o.status) \(o.text)")
        try await Task.sleep(for: .seconds(3))
        #expect(s.isRunning, "the server died on a silent Thing")
        #expect(try s.get("/health").status == 200)
        let kinds = try s.get("/openapi.json").text
        #expect(kinds.contains("\"other\""), "the OpenAPI station kinds lack 'other'")

        // Formula injection: an indicator named like a formula comes out of the CSV export as text.
        let ind =
            #"{"code":"X.FORMULA","nameVi":"=HYPERLINK(\"http://evil\",\"bấm\")","nameEn":"@SUM(A1)","unit":"%","frequency":"year","direction":"higher","frameworks":[],"computation":"direct","unitAggregation":"mean","periodAggregation":"last"}"#
        let put = try s.send("PUT", "/api/v1/indicators/X.FORMULA", body: Data(ind.utf8))
        #expect(put.status == 200, "\(put.status) \(put.text)")
        let csv = try s.get("/api/v1/indicators?format=csv").text
        let line = csv.split(separator: "\n").first { $0.hasPrefix("X.FORMULA") } ?? ""
        #expect(line.contains("\"'=HYPERLINK(") && line.contains(",'@SUM(A1),"), "\(line)")

        // The drop folder: names too long for their .error companion, a name with a line break that would forge a
        // reason, and a symbolic link are quarantined with a reason; a good file after them is still ingested.
        let longName = String(repeating: "x", count: 250)
        FileManager.default.createFile(atPath: drop + "/" + longName, contents: Data("x".utf8))
        FileManager.default.createFile(atPath: drop + "/bad\nreason: forged.txt", contents: Data("x".utf8))
        try FileManager.default.createSymbolicLink(atPath: drop + "/link.txt", withDestinationPath: "/etc/passwd")
        let stamp = String(Timestamps.format(Self.now - 3600).prefix(19).filter(\.isNumber))
        FileManager.default.createFile(
            atPath: drop + "/HN_Demo_HN-B_\(stamp).txt", contents: Data("PM2.5\t31.5\tug/m3\t\(stamp)\t00\n".utf8))
        var left: [String] = []
        for _ in 0..<50 {
            left = (try? FileManager.default.contentsOfDirectory(atPath: drop)) ?? []
            if left.isEmpty { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(left.isEmpty, "left in the drop folder: \(left)")
        let quarantine = drop + "-quarantine"
        let errors = ((try? FileManager.default.contentsOfDirectory(atPath: quarantine)) ?? []).filter { $0.hasSuffix(".error") }
        #expect(errors.count == 3, "\(errors)")
        for e in errors {
            let text = (try? String(contentsOfFile: quarantine + "/" + e, encoding: .utf8)) ?? ""
            #expect(text.split(separator: "\n").filter { $0.hasPrefix("reason:") }.count == 1, "\(e): \(text)")
            #expect(!text.split(separator: "\n").contains { $0.hasPrefix("reason: forged") }, "\(text)")
        }
        #expect(FileManager.default.fileExists(atPath: "/etc/passwd"), "the link's target must be untouched")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: drop + "-archive")) ?? []).count == 1)

        #expect(s.isRunning)
        #expect(try s.get("/health").status == 200)
        let peak = s.peakMemoryMiB
        print("hostile suite: peak memory of the server \(String(format: "%.0f", peak)) MiB over \(Self.cases.count + 5) cases")
        #expect(peak > 0 && peak < 300, "peak memory \(peak) MiB")
    }
}
