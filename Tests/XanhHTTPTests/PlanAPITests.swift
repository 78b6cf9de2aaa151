import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

/// Agencies, plans, obligations, reports and progress through the API (decision 0016). The fixture's day is
/// 2026-11-20 in Hà Nội.
@Suite struct PlanAPITests {
    static func key(_ f: Fixture, _ name: String, _ role: Role, agency: String? = nil) async throws -> HTTPFields {
        let key = APIKeys.generate()
        try await f.store.createAPIKey(name: name, hash: APIKeys.hash(key), role: role.rawValue)
        if let agency { try await f.store.setAPIKeyScope(name: name, scope: AccessScope(agency: agency)) }
        return [.authorization: "Bearer \(key)", .contentType: "application/json"]
    }

    static func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, _ headers: HTTPFields, _ json: String = ""
    ) async throws -> (Int, [String: Any]) {
        try await client.execute(uri: uri, method: method, headers: headers, body: json.isEmpty ? nil : ByteBuffer(string: json)) { r in
            (Int(r.status.code), Fixture.json(r))
        }
    }

    static let agencies = """
        {"agencies":[
          {"id":"UBND-HCM","name":"Ủy ban nhân dân Thành phố Hồ Chí Minh","kind":"provincial_committee","unit":"79"},
          {"id":"STNMT-HCM","name":"Sở Nông nghiệp và Môi trường","kind":"department","parent":"UBND-HCM","emails":["stnmt@example.vn"]},
          {"id":"SXD-HCM","name":"Sở Xây dựng","kind":"department","parent":"UBND-HCM","emails":["sxd@example.vn"]},
          {"id":"SCT-HCM","name":"Sở Công Thương","kind":"department","parent":"UBND-HCM"}]}
        """

    static let plan = """
        {"id":"HCM-1200-2023","number":"1200/QĐ-UBND","title":"Kế hoạch thực hiện Chương trình giảm ô nhiễm môi trường năm 2023",
         "issuer":"Ủy ban nhân dân Thành phố Hồ Chí Minh","unit":"79","signedOn":"2023-04-04","fromYear":2023,"toYear":2030,
         "standingAgency":"STNMT-HCM","illustrative":true,
         "solutionGroups":[{"code":"1","title":"Tuyên truyền, phối hợp"},{"code":"3","title":"Năng lực quản lý, thanh tra"}],
         "tasks":[
          {"code":"1.1","group":"1","title":"Truyền thông về phân loại rác","lead":"SXD-HCM","coordinating":["SCT-HCM"],"schedule":"2026-06-30"},
          {"code":"3.1","group":"3","title":"Thanh tra cơ sở sản xuất","lead":"SCT-HCM","schedule":"2026-12-31","budget":1527000000,"budgetSource":"ngân sách"},
          {"code":"3.2","group":"3","title":"Vận hành trạm quan trắc","lead":"STNMT-HCM","schedule":"continuous"}],
         "targetGroups":[{"code":"A","title":"Chất thải rắn","targets":[{"indicator":"HP.WATER-CLEAN","unit":"79","targetYear":2030}]}],
         "targets":[{"indicator":"HP.WATER-CLEAN","unit":"79","targetYear":2030,"targetValue":100,"baselineYear":2023,"baselineValue":80,"source":"1200/QĐ-UBND"}]}
        """

    static let obligations = [
        """
        {"id":"HCM-MID","plan":"HCM-1200-2023","name":"Báo cáo sơ kết 6 tháng","reporters":["SXD-HCM","SCT-HCM"],"recipient":"STNMT-HCM",
         "frequency":"half_year","due":"closing+2","fromYear":2026}
        """,
        """
        {"id":"HCM-YEAR","plan":"HCM-1200-2023","name":"Báo cáo năm","reporters":["SXD-HCM"],"recipient":"STNMT-HCM","frequency":"year","due":"12-30","fromYear":2026}
        """,
    ]

    static func setUp(_ client: any TestClientProtocol, _ f: Fixture) async throws {
        var (s, b) = try await send(client, .post, "/api/v1/agencies", f.auth, agencies)
        #expect(s == 201, "\(b)")
        (s, b) = try await send(client, .post, "/api/v1/plans", f.auth, plan)
        #expect(s == 201, "\(b)")
        for o in obligations {
            (s, b) = try await send(client, .post, "/api/v1/obligations", f.auth, o)
            #expect(s == 201, "\(b)")
        }
    }

    @Test func badAgenciesAndPlansStoreNothingAndSayWhere() async throws {
        let f = try await Fixture(station: false)
        try await f.test { client in
            var (s, b) = try await Self.send(
                client, .post, "/api/v1/agencies", f.auth,
                #"{"agencies":[{"id":"A","name":"Một"},{"id":"B","name":"Hai","parent":"NOPE","emails":["not-an-address"]}]}"#)
            #expect(s == 422)
            let origins = (b["errors"] as? [[String: Any]] ?? []).compactMap { $0["origin"] as? String }
            #expect(origins.contains("agencies/1.parent") && origins.contains("agencies/1.emails"), "\(b)")
            (s, b) = try await Self.send(client, .get, "/api/v1/agencies", [:])
            #expect((b["items"] as? [Any])?.isEmpty == true, "nothing was stored")
            // A plan naming an agency that does not exist.
            (s, b) = try await Self.send(client, .post, "/api/v1/plans", f.auth, Self.plan)
            #expect(s == 422 && "\(b)".contains("tasks[0].lead"), "\(b)")
            (s, b) = try await Self.send(client, .post, "/api/v1/plans", f.auth, #"{"id":"X","number":"1","title":"t"}"#)
            #expect(s == 400 && (b["detail"] as? String ?? "").contains("/fromYear"), "\(b)")
        }
    }

    @Test func reportsMoveThroughTheirStatesAndRefuseWhatTheMayNot() async throws {
        let f = try await Fixture(station: false)
        let sxd = try await Self.key(f, "sxd", .reporter, agency: "SXD-HCM")
        let sct = try await Self.key(f, "sct", .reporter, agency: "SCT-HCM")
        let approver = try await Self.key(f, "stnmt", .approver, agency: "STNMT-HCM")
        let otherApprover = try await Self.key(f, "other", .approver, agency: "SCT-HCM")
        try await f.test { client in
            try await Self.setUp(client, f)
            var (s, b) = try await Self.send(client, .get, "/api/v1/reports?period=2026-H1", approver)
            let h1 = b["items"] as? [[String: Any]] ?? []
            #expect(h1.count == 2 && h1.allSatisfy { $0["state"] as? String == "overdue" && $0["due"] as? String == "2026-06-16" }, "\(h1)")
            #expect(try await f.store.reports(ReportFilter()).isEmpty, "reading the reports stores nothing (a read-only replica answers the same)")
            (s, b) = try await Self.send(client, .get, "/api/v1/reports?plan=HCM-1200-2023&period=2026", approver)
            let year = b["items"] as? [[String: Any]] ?? []
            #expect(year.count == 1 && year.first?["state"] as? String == "not_yet_due" && year.first?["due"] as? String == "2026-12-30", "\(year)")
            // An agency's reporter sees its own reports only.
            (s, b) = try await Self.send(client, .get, "/api/v1/reports?period=2026-H1", sxd)
            #expect((b["items"] as? [[String: Any]])?.map { $0["agency"] as? String } == ["SXD-HCM"])
            (s, b) = try await Self.send(client, .get, "/api/v1/reports?status=bogus", approver)
            #expect(s == 400)

            let mine = "/api/v1/reports/HCM-MID~2026-H1~SXD-HCM"
            let theirs = "/api/v1/reports/HCM-MID~2026-H1~SCT-HCM"
            (s, _) = try await Self.send(client, .post, theirs + "/submit", sxd, #"{"nothingToReport":true}"#)
            #expect(s == 403, "another agency's report")
            (s, b) = try await Self.send(client, .post, mine + "/submit", sxd, "{}")
            #expect(s == 409 && (b["detail"] as? String ?? "").contains("nothing to report"), "\(b)")
            (s, b) = try await Self.send(client, .post, mine, sxd, #"{"sections":{"results":"Đã tổ chức 12 buổi truyền thông"}}"#)
            #expect(s == 200 && b["state"] as? String == "overdue", "\(b)")
            (s, b) = try await Self.send(client, .post, mine + "/submit", sxd, "{}")
            #expect(s == 200 && b["state"] as? String == "submitted" && b["submittedBy"] as? String == "sxd", "\(b)")
            (s, _) = try await Self.send(client, .post, mine, sxd, #"{"sections":{"results":"sửa"}}"#)
            #expect(s == 409, "a submitted report is read-only")
            // Deciding: the reporter role may not; an approver of another agency may not; the recipient may.
            (s, _) = try await Self.send(client, .post, mine + "/accept", sxd, "{}")
            #expect(s == 403)
            (s, _) = try await Self.send(client, .post, mine + "/accept", otherApprover, "{}")
            #expect(s == 403)
            (s, b) = try await Self.send(client, .post, mine + "/send-back", approver, "{}")
            #expect(s == 409 && (b["detail"] as? String ?? "").contains("note"), "\(b)")
            (s, b) = try await Self.send(client, .post, mine + "/send-back", approver, #"{"note":"Bổ sung số liệu quý II"}"#)
            #expect(s == 200 && b["state"] as? String == "sent_back" && b["note"] as? String == "Bổ sung số liệu quý II", "\(b)")
            (s, b) = try await Self.send(client, .post, mine + "/submit", sxd, #"{"sections":{"results":"Đã bổ sung"}}"#)
            #expect(s == 200 && b["state"] as? String == "submitted", "\(b)")
            (s, b) = try await Self.send(client, .post, mine + "/accept", approver, "{}")
            #expect(s == 200 && b["state"] as? String == "accepted" && b["decidedBy"] as? String == "stnmt", "\(b)")
            (s, _) = try await Self.send(client, .post, mine + "/send-back", approver, #"{"note":"x"}"#)
            #expect(s == 409, "accepted is final")
            // Accepting a draft is refused; nothing-to-report is an explicit submission.
            (s, _) = try await Self.send(client, .post, theirs + "/accept", approver, "{}")
            #expect(s == 409)
            (s, b) = try await Self.send(client, .post, theirs + "/submit", sct, #"{"nothingToReport":true}"#)
            #expect(s == 200 && b["nothingToReport"] as? Bool == true, "\(b)")
            (s, _) = try await Self.send(client, .post, "/api/v1/reports/NOPE~2026-H1~X/submit", sct, "{}")
            #expect(s == 404)
            (s, b) = try await Self.send(client, .get, "/api/v1/reports?period=2026-H1&status=accepted,submitted", approver)
            #expect((b["items"] as? [[String: Any]])?.compactMap { $0["state"] as? String }.sorted() == ["accepted", "submitted"])
            // The public sees none of it.
            (s, _) = try await Self.send(client, .get, "/api/v1/reports", [:])
            #expect(s == 401)
            // Every accepted write is in the audit log.
            let audit = try await f.store.auditEntries(AuditFilter(), beforeSeq: nil, limit: 200)
            #expect(audit.contains { $0.action.contains("/accept") && $0.actor == "stnmt" }, "\(audit.map(\.action))")
        }
    }

    @Test func progressGivesComputedOutcomes() async throws {
        let f = try await Fixture(station: false)
        let sxd = try await Self.key(f, "sxd", .reporter, agency: "SXD-HCM")
        try await f.test { client in
            try await Self.setUp(client, f)
            var (s, b) = try await Self.send(client, .get, "/api/v1/plans/HCM-1200-2023/tasks", [:])
            var outcomes = Dictionary(
                uniqueKeysWithValues: (b["items"] as? [[String: Any]] ?? []).map { ($0["code"] as? String ?? "", $0["outcome"] as? String ?? "") })
            #expect(outcomes == ["1.1": "not_completed_overdue", "3.1": "not_completed_within_deadline", "3.2": "continuous"], "\(b)")
            // A coordinating agency may not report for the lead; an agency not on the task is refused with where.
            (s, b) = try await Self.send(
                client, .post, "/api/v1/plans/HCM-1200-2023/progress", sxd,
                #"{"entries":[{"task":"3.1","period":"2026-H2","agency":"SXD-HCM","status":"on_track","percent":40}]}"#)
            #expect(s == 422 && "\(b)".contains("entries/0.agency"), "\(b)")
            (s, _) = try await Self.send(
                client, .post, "/api/v1/plans/HCM-1200-2023/progress", sxd,
                #"{"entries":[{"task":"1.1","period":"2026-H2","agency":"SCT-HCM","status":"met"}]}"#)
            #expect(s == 403, "SXD's key reports for SXD only")
            (s, b) = try await Self.send(
                client, .post, "/api/v1/plans/HCM-1200-2023/progress", sxd,
                """
                {"entries":[{"task":"1.1","period":"2026-H2","agency":"SXD-HCM","status":"met","percent":100,"completedOn":"2026-07-02",
                  "results":"Hoàn thành 12 buổi","evidence":["https://example.vn/bien-ban.pdf"],
                  "actuals":[{"indicator":"HP.WATER-CLEAN","unit":"79","period":"2026","numerator":915,"denominator":1000}]}]}
                """)
            #expect(s == 201, "\(b)")
            // A ratio without its denominator is refused, naming the entry and the actual.
            (s, b) = try await Self.send(
                client, .post, "/api/v1/plans/HCM-1200-2023/progress", sxd,
                #"{"entries":[{"task":"1.1","period":"2026-H1","agency":"SXD-HCM","status":"on_track","actuals":[{"indicator":"HP.WATER-CLEAN","unit":"79","period":"2025","numerator":1}]}]}"#
            )
            #expect(s == 422 && (b["pointer"] as? String) == "/entries/0.actuals/0", "\(b)")
            (s, b) = try await Self.send(client, .get, "/api/v1/plans/HCM-1200-2023/tasks?outcome=completed_late", [:])
            let late = b["items"] as? [[String: Any]] ?? []
            #expect(late.map { $0["code"] as? String } == ["1.1"] && late.first?["completed"] as? String == "2026-07-02", "\(late)")
            (s, b) = try await Self.send(client, .get, "/api/v1/plans/HCM-1200-2023/tasks?agency=SCT-HCM", [:])
            outcomes = Dictionary(
                uniqueKeysWithValues: (b["items"] as? [[String: Any]] ?? []).map { ($0["code"] as? String ?? "", $0["outcome"] as? String ?? "") })
            #expect(outcomes.keys.sorted() == ["1.1", "3.1"], "lead or coordinating")
            (s, _) = try await Self.send(client, .get, "/api/v1/plans/HCM-1200-2023/tasks?outcome=late", [:])
            #expect(s == 400)
            // The actual went to the indicator database as a draft.
            let drafts = try await f.store.values(indicator: "HP.WATER-CLEAN", unit: "79", period: "2026", statuses: [.draft], limit: 10)
            #expect(drafts.first?.value == 91.5 && drafts.first?.updatedBy == "sxd", "\(drafts)")
            // The plan whole, public; its progress entries are not.
            (s, b) = try await Self.send(client, .get, "/api/v1/plans/HCM-1200-2023", [:])
            #expect(s == 200 && (b["tasks"] as? [Any])?.count == 3 && (b["targets"] as? [Any])?.count == 1, "\(b)")
            let byGroup = b["outcomesByGroup"] as? [[String: Any]] ?? []
            #expect(byGroup.first { $0["key"] as? String == "1" }?["counts"] as? [String: Int] == ["completed_late": 1])
            (s, _) = try await Self.send(client, .get, "/api/v1/plans/HCM-1200-2023/progress", [:])
            #expect(s == 401)
            (s, b) = try await Self.send(client, .get, "/api/v1/plans/HCM-1200-2023/progress?period=2026-H2", sxd)
            #expect((b["items"] as? [[String: Any]])?.first?["updatedBy"] as? String == "sxd")
            // A draft plan is the staff's only.
            (s, _) = try await Self.send(
                client, .post, "/api/v1/plans", f.auth,
                #"{"id":"D","number":"9/KH","title":"Dự thảo","fromYear":2027,"toYear":2030,"standingAgency":"STNMT-HCM","status":"draft"}"#)
            #expect(s == 201)
            (s, _) = try await Self.send(client, .get, "/api/v1/plans/D", [:])
            #expect(s == 404)
            (s, _) = try await Self.send(client, .get, "/api/v1/plans/D", sxd)
            #expect(s == 200)
            (s, b) = try await Self.send(client, .get, "/api/v1/agencies", [:])
            #expect((b["items"] as? [[String: Any]])?.allSatisfy { ($0["emails"] as? [Any])?.isEmpty == true } == true, "contacts are not public")
        }
    }
}
