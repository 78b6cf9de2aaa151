import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

/// Disaster records (decision 0020) through the API: a report for two communes imported by the province's reporter,
/// submitted, approved by the environment department, then the province's totals and its Sendai indicators equal a
/// direct computation from the figures sent; the public sees nothing before approval; the same report twice is one
/// record; the workflow's refusals and the unit scope hold.
@Suite struct DisasterAPITests {
    static let report = #"""
        {"id":"LS-2026-07-LU","kind":"flood","start":"2026-07-20T06:00:00+07:00","end":"2026-07-23T18:00:00+07:00",
         "magnitude":"Đỉnh lũ sông Kỳ Cùng trên báo động 3","cause":"Mưa lớn kéo dài","source":"Ban Chỉ huy PCTT tỉnh",
         "report":"event_summary","effects":[
          {"unit":"20-A","dead":2,"missing":1,"injured":5,"affectedHouseholds":300,"affectedPeople":1200,"evacuated":400,"livelihoodsDisrupted":900,
           "houses":[{"structure":"non_permanent","level":"destroyed","count":4},{"structure":"semi_permanent","level":"heavy","count":10}],
           "schools":2,"cropsHa":150.5,"livestock":30,"roadsM":1200,"lossVND":12000000000,"agricultureLossVND":5000000000},
          {"unit":"20-B","injured":1,"affectedPeople":250,"houses":[{"structure":"permanent","level":"partial","count":6}],
           "cropsHa":40,"lossVND":3000000000,"agricultureLossVND":1000000000}]}
        """#

    static func key(_ f: Fixture, _ role: Role, scope: AccessScope = .province) async throws -> HTTPFields {
        let key = APIKeys.generate()
        try await f.store.createAPIKey(name: role.rawValue + "-\(scope.unit ?? "all")", hash: APIKeys.hash(key), role: role.rawValue)
        if scope != .province { try await f.store.setAPIKeyScope(name: role.rawValue + "-\(scope.unit ?? "all")", scope: scope) }
        return [.authorization: "Bearer \(key)", .contentType: "application/json"]
    }

    static func call(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ headers: HTTPFields = [:], _ body: String? = nil
    ) async throws -> (Int, [String: Any]) {
        try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { r in
            (Int(r.status.code), Fixture.json(r))
        }
    }

    @Test func aReportForTwoCommunesIsApprovedAndTotalled() async throws {
        let f = try await Fixture(station: false)
        try await f.store.upsertUnits([
            AdminUnit(id: "20-A", code: "20-A", nameVi: "Xã A", nameEn: "A", level: .commune, parent: "20"),
            AdminUnit(id: "20-B", code: "20-B", nameVi: "Xã B", nameEn: "B", level: .commune, parent: "20"),
            AdminUnit(id: "31-C", code: "31-C", nameVi: "Xã C", nameEn: "C", level: .commune, parent: "31"),
        ])
        // Population and GRDP of Lạng Sơn in 2026 in the indicator database, approved.
        let indicators = f.services.indicators
        try await indicators.write(
            [
                IndicatorValueWrite(
                    indicator: "CTX.POPULATION", unit: "20", period: "2026", value: 802_000, numerator: nil, denominator: nil, origin: "t"),
                IndicatorValueWrite(indicator: "CTX.GRDP", unit: "20", period: "2026", value: 60_000, numerator: nil, denominator: nil, origin: "t"),
            ], status: .approved, by: "test", at: Fixture.now)
        let reporter = try await Self.key(f, .reporter, scope: AccessScope(unit: "20"))
        let otherReporter = try await Self.key(f, .reporter, scope: AccessScope(unit: "31"))
        let approver = try await Self.key(f, .approver)
        try await f.test { client in
            let (created, c) = try await Self.call(client, .post, "/api/v1/disasters", reporter, Self.report)
            #expect(created == 201 && c["status"] as? String == "draft" && (c["effects"] as? [Any])?.count == 2)
            // The same report again: one record, unchanged.
            let (again, _) = try await Self.call(client, .post, "/api/v1/disasters", reporter, Self.report)
            #expect(again == 200)
            // Another province's reporter may neither write for these communes nor act on the event.
            #expect(try await Self.call(client, .post, "/api/v1/disasters", otherReporter, Self.report).0 == 403)
            #expect(try await Self.call(client, .post, "/api/v1/disasters/LS-2026-07-LU/submit", otherReporter, "{}").0 == 403)
            // The public sees no unapproved event and no figure from it.
            #expect(try await Self.call(client, .get, "/api/v1/disasters/LS-2026-07-LU").0 == 404)
            let (_, publicTotals) = try await Self.call(client, .get, "/api/v1/disasters/totals?unit=20&by=year")
            #expect((publicTotals["items"] as? [Any])?.isEmpty == true)
            // The reporter may not approve (the policy refuses before the handler); approving a draft is a conflict.
            #expect(try await Self.call(client, .post, "/api/v1/disasters/LS-2026-07-LU/approve", reporter, "{}").0 == 403)
            #expect(try await Self.call(client, .post, "/api/v1/disasters/LS-2026-07-LU/approve", approver, "{}").0 == 409)
            let (submitted, s) = try await Self.call(client, .post, "/api/v1/disasters/LS-2026-07-LU/submit", reporter, "{}")
            #expect(submitted == 200 && s["status"] as? String == "submitted")
            // Sending back needs a note; then resubmitted and approved.
            #expect(try await Self.call(client, .post, "/api/v1/disasters/LS-2026-07-LU/send-back", approver, "{}").0 == 409)
            let (back, b) = try await Self.call(
                client, .post, "/api/v1/disasters/LS-2026-07-LU/send-back", approver, #"{"comment":"Thiếu số hộ bị ảnh hưởng của xã B"}"#)
            #expect(back == 200 && b["status"] as? String == "draft" && b["reviewNote"] as? String == "Thiếu số hộ bị ảnh hưởng của xã B")
            _ = try await Self.call(client, .post, "/api/v1/disasters?submit=true", reporter, Self.report)
            let (approved, a) = try await Self.call(client, .post, "/api/v1/disasters/LS-2026-07-LU/approve", approver, "{}")
            #expect(approved == 200 && a["status"] as? String == "approved")
            // Approved: locked against a new report until reopened.
            #expect(try await Self.call(client, .post, "/api/v1/disasters", reporter, Self.report).0 == 409)
            let (_, one) = try await Self.call(client, .get, "/api/v1/disasters/LS-2026-07-LU", approver)
            #expect(
                (one["history"] as? [[String: Any]])?.map { $0["action"] as? String ?? "" } == [
                    "create", "submit", "send-back", "submit", "approve",
                ])

            // Totals by commune, and for the province: what a direct sum of the two effects gives.
            let (_, byUnit) = try await Self.call(client, .get, "/api/v1/disasters/totals?unit=20&by=unit")
            let rows = byUnit["items"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["key"] as? String ?? "" } == ["20-A", "20-B"] && rows.first?["name"] as? String == "Xã A")
            #expect(
                rows.first?["housesDestroyed"] as? Int == 4 && rows.first?["housesDamaged"] as? Int == 10 && rows.last?["housesDamaged"] as? Int == 6)
            let (_, byYear) = try await Self.call(client, .get, "/api/v1/disasters/totals?unit=20&by=year")
            let year = (byYear["items"] as? [[String: Any]])?.first ?? [:]
            #expect(year["key"] as? String == "2026" && year["events"] as? Int == 1)
            #expect(
                year["dead"] as? Int == 2 && year["missing"] as? Int == 1 && year["injured"] as? Int == 6 && year["affectedPeople"] as? Int == 1450)
            #expect(year["housesDestroyed"] as? Int == 4 && year["housesDamaged"] as? Int == 16 && year["lossVND"] as? Double == 15e9)
            let (_, national) = try await Self.call(client, .get, "/api/v1/disasters/totals?by=unit")
            #expect((national["items"] as? [[String: Any]])?.map { $0["key"] as? String ?? "" } == ["20"], "communes roll up to their province")
            let (_, months) = try await Self.call(client, .get, "/api/v1/disasters/totals?unit=20&by=month")
            #expect((months["items"] as? [[String: Any]])?.first?["key"] as? String == "2026-07")
            #expect((try await Self.call(client, .get, "/api/v1/disasters/totals?unit=31&by=year").1["items"] as? [Any])?.isEmpty == true)

            // Sendai: per 100,000 of 802,000 people and in % of 60,000 billion VND, computed here directly.
            let (ok, sendai) = try await Self.call(client, .get, "/api/v1/disasters/sendai?unit=20&year=2026")
            let got = sendai["indicators"] as? [String: Any] ?? [:]
            let per100k = { (n: Double) in n / 802_000 * 100_000 }
            let expected: [String: Double] = [
                "A-2": per100k(2), "A-3": per100k(1), "B-2": per100k(6), "B-3": per100k(16 * 3.5), "B-4": per100k(4 * 3.5), "B-5": per100k(900),
                "C-1": 15e9 / 60_000e9 * 100, "C-2": 6e9 / 60_000e9 * 100,
            ]
            #expect(ok == 200 && sendai["population"] as? Double == 802_000 && sendai["events"] as? Int == 1)
            for (k, v) in expected {
                #expect(abs((got[k] as? Double ?? -1) - v) < 1e-9, "\(k)")
            }
            // Without a denominator the indicator is null, not a number.
            let (_, hp) = try await Self.call(client, .get, "/api/v1/disasters/sendai?unit=31&year=2026")
            #expect((hp["indicators"] as? [String: Any])?["A-2"] is NSNull)
            // The public sees the approved event now.
            let (pub, _) = try await Self.call(client, .get, "/api/v1/disasters/LS-2026-07-LU")
            #expect(pub == 200)
        }
    }

    @Test func problemsNameTheirFields() async throws {
        let f = try await Fixture(station: false)
        let reporter = try await Self.key(f, .reporter)
        try await f.test { client in
            let bad = Self.report.replacingOccurrences(of: #""dead":2"#, with: #""dead":-2"#)
            let (status, p) = try await Self.call(client, .post, "/api/v1/disasters", reporter, bad)
            let pointers = (p["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []
            #expect(status == 422 && pointers == ["/effects/0/unit", "/effects/0/dead", "/effects/1/unit"], "\(p)")
            let kind = Self.report.replacingOccurrences(of: #""kind":"flood""#, with: #""kind":"meteor""#)
            let (k, kp) = try await Self.call(client, .post, "/api/v1/disasters", reporter, kind)
            #expect(k == 400 && kp["pointer"] as? String == "/kind")
            let time = Self.report.replacingOccurrences(of: "2026-07-20T06:00:00+07:00", with: "yesterday")
            #expect(try await Self.call(client, .post, "/api/v1/disasters", reporter, time).1["pointer"] as? String == "/start")
            #expect(try await Self.call(client, .get, "/api/v1/disasters/totals?by=week").0 == 400)
            #expect(try await Self.call(client, .get, "/api/v1/disasters/totals?unit=99").0 == 404)
        }
    }
}

/// `/disasters`: the demo's two Lạng Sơn floods, approved, for the public: the year rows with their totals, the Sendai
/// row of 2024 from the demo's population and GRDP, the events with their communes; a draft is not shown.
@Suite struct DisasterPageTests {
    @Test func thePublicSeesTheApprovedFloods() async throws {
        let f = try await Fixture(station: false)
        try await DemoLoader.loadDisasters(services: f.services)
        let indicators = f.services.indicators
        try await indicators.write(
            DemoIndicators.context.flatMap { c in
                [
                    IndicatorValueWrite(
                        indicator: "CTX.POPULATION", unit: c.unit, period: String(c.year), value: c.population, numerator: nil, denominator: nil,
                        origin: "t"),
                    IndicatorValueWrite(
                        indicator: "CTX.GRDP", unit: c.unit, period: String(c.year), value: c.grdp, numerator: nil, denominator: nil, origin: "t"),
                ]
            }, status: .approved, by: "test", at: Fixture.now)
        var draft = try #require(try DemoDisasters.events().first)
        draft.id = "LS-DRAFT"
        draft.start += 86_400 * 400
        draft.end = nil
        _ = try await f.services.disasters.put(draft, scope: .province, submit: false, by: "t")
        try await f.test { client in
            let (status, html) = try await client.execute(uri: "/disasters?unit=20", method: .get) { ($0.status, String(buffer: $0.body)) }
            #expect(status == .ok && html.contains("data-year=\"2025\"") && html.contains("data-year=\"2024\""))
            #expect(html.contains("data-event=\"LS-2024-09-YAGI\"") && html.contains("data-event=\"LS-2025-10-MATMO\"") && !html.contains("LS-DRAFT"))
            #expect(html.contains("Xã Hữu Lũng") && html.contains("Hoàn lưu bão số 3 (Yagi)"))
            // 2024: 4 dead of 807,300 people → A-2 = 0,5 per 100,000 (0,4955 to two places, trailing zero dropped); the loss 165,8 billion VND.
            #expect(html.contains("<td data-label=\"A-2\">0,5</td>") && html.contains("165,8"))
            let en = try await client.execute(uri: "/disasters?unit=20&lang=en", method: .get) { String(buffer: $0.body) }
            #expect(en.contains("Huu Lung commune (demo)") && en.contains("<td data-label=\"A-2\">0.5</td>"))
        }
    }
}

/// The approver's inbox lists submitted disaster records in scope and approves or sends one back with a note; the
/// workflow's refusal is said in the page's language; a reporter is refused the form.
@Suite struct DisasterInboxTests {
    @Test func anApproverHandlesARecordFromTheInbox() async throws {
        let f = try await Fixture(station: false)
        try await f.store.upsertUnits(DemoDisasters.communes)
        let events = try DemoDisasters.events()
        for e in events { _ = try await f.services.disasters.put(e, scope: .province, submit: true, by: "ban-chi-huy") }
        let approver = try await f.session(.approver)
        let reporter = try await f.session(.reporter, scope: AccessScope(unit: "20"))
        try await f.test { client in
            let page = try await client.execute(uri: "/workspace/approvals", method: .get, headers: [.cookie: approver.cookie]) {
                String(buffer: $0.body)
            }
            #expect(page.contains("data-event=\"LS-2024-09-YAGI\"") && page.contains("data-event=\"LS-2025-10-MATMO\""))
            #expect(page.contains("Xã Hữu Lũng") && page.contains("Báo cáo tổng hợp đợt thiên tai"))
            func post(_ who: (cookie: String, csrf: String), _ body: String) async throws -> (Int, String, String?) {
                try await client.execute(
                    uri: "/workspace/approvals/disasters", method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded", .cookie: who.cookie],
                    body: ByteBuffer(string: body + "&csrf=\(who.csrf)")
                ) { (Int($0.status.code), String(buffer: $0.body), $0.headers[.location]) }
            }
            let (approved, _, location) = try await post(approver, "id=LS-2024-09-YAGI&action=approve")
            #expect(approved == 303 && location?.contains("done=1") == true)
            // Sending back without a note: refused, in Vietnamese, nothing changed.
            let (refused, body, _) = try await post(approver, "id=LS-2025-10-MATMO&action=send-back")
            #expect(refused == 409 && body.contains("trả lại cần ghi chú lý do"))
            let (back, _, _) = try await post(approver, "id=LS-2025-10-MATMO&action=send-back&note=Thi%E1%BA%BFu+s%E1%BB%91+li%E1%BB%87u")
            #expect(back == 303)
            #expect(try await post(reporter, "id=LS-2025-10-MATMO&action=approve").0 == 403)
        }
        #expect(try await f.store.disasterEvent(id: "LS-2024-09-YAGI")?.status == .approved)
        let matmo = try await f.store.disasterEvent(id: "LS-2025-10-MATMO")
        #expect(matmo?.status == .draft && matmo?.reviewNote == "Thiếu số liệu")
        let audit = try await f.store.auditEntries(AuditFilter(), beforeSeq: nil, limit: 10).map(\.action)
        #expect(audit.filter { $0 == "POST /workspace/approvals/disasters" }.count == 2)
    }
}
