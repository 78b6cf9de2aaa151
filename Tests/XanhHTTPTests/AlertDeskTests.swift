import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

/// Staff handle alerts in the workspace: the inbox shows names and local times; acknowledge, assign, comment and
/// close are forms with the session's CSRF token, refused in the page's language when a note is missing, audited;
/// the API gives the same actions and the history; other roles get 403 on the same URLs (a page for pages).
@Suite struct AlertDeskTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// A silent HN-NKT raising an alert under a "silent" rule; the alert's id.
    static func silentAlert(_ f: Fixture, _ client: some TestClientProtocol) async throws -> Int64 {
        _ = try await f.services.registry.createRule(AlertRule(name: "Trạm mất tín hiệu", kind: .silent))
        try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: PageFreshnessTests.rows(endAgo: 7200, hours: 3)) {
            #expect($0.status == .ok)
        }
        try await f.services.deriver.drain()
        _ = try await f.services.alertEngine.tick()
        return try #require(try await f.store.alerts(openOnly: true, limit: 10).first?.id)
    }

    static func post(
        _ client: some TestClientProtocol, _ s: (cookie: String, csrf: String), _ id: Int64, _ body: String, lang: String = "vi"
    ) async throws -> (HTTPResponse.Status, String, String?) {
        var h = form
        h[.cookie] = s.cookie
        return try await client.execute(
            uri: "/workspace/alerts/\(id)?lang=\(lang)", method: .post, headers: h, body: ByteBuffer(string: body + "&csrf=\(s.csrf)")
        ) { ($0.status, String(buffer: $0.body), $0.headers[.location]) }
    }

    @Test func anOfficerAcknowledgesAssignsCommentsAndClosesAnAlertInThePages() async throws {
        let f = try await Fixture()
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        _ = try await f.session(.monitoringOfficer, username: "hoa")
        let reporter = try await f.session(.reporter, username: "minh")
        try await f.test { client in
            let id = try await Self.silentAlert(f, client)
            let inbox = try await client.execute(uri: "/workspace/alerts", method: .get, headers: [.cookie: officer.cookie]) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(inbox.contains(#"data-alert="\#(id)" data-state="new""#) && inbox.contains("Nguyễn Khánh Toàn"), "by the station's name")
            #expect(inbox.contains("Mất tín hiệu") && !inbox.contains("+07:00"), "the kind in words, local times")
            let page = try await client.execute(uri: "/workspace/alerts/\(id)", method: .get, headers: [.cookie: officer.cookie]) {
                String(buffer: $0.body)
            }
            #expect(page.contains(#"id="acknowledge""#) && page.contains(#"<option value="hoa""#))

            var (status, _, location) = try await Self.post(client, officer, id, "action=acknowledge")
            #expect(status == .seeOther && location == "/workspace/alerts/\(id)?lang=vi&done=acknowledge")
            (status, _, _) = try await Self.post(client, officer, id, "action=assign&assignee=hoa")
            #expect(status == .seeOther)
            let (refused, body, _) = try await Self.post(client, officer, id, "action=assign&assignee=minh")
            #expect(refused == .unprocessableContent && body.contains("không phải cán bộ"), "a reporter does not handle alerts")
            let (noNote, noteBody, _) = try await Self.post(client, officer, id, "action=close&comment=")
            #expect(noNote == .unprocessableContent && noteBody.contains("Đóng cảnh báo cần ghi rõ lý do."))
            let (noNoteEn, noteBodyEn, _) = try await Self.post(client, officer, id, "action=close&comment=", lang: "en")
            #expect(noNoteEn == .unprocessableContent && noteBodyEn.contains("Closing an alert needs a note saying why."))
            (status, _, _) = try await Self.post(client, officer, id, "action=comment&comment=M%E1%BA%A5t+%C4%91i%E1%BB%87n")
            #expect(status == .seeOther)
            (status, _, _) = try await Self.post(client, officer, id, "action=close&comment=%C4%90%C3%A3+c%C3%B3+%C4%91i%E1%BB%87n")
            #expect(status == .seeOther)
            let (again, againBody, _) = try await Self.post(client, officer, id, "action=close&comment=l%E1%BA%A7n+hai")
            #expect(again == .conflict && againBody.contains("chỉ có thể thêm ghi chú"))
            // Without the session's token the form is refused before anything changes.
            var h = Self.form
            h[.cookie] = officer.cookie
            let forged = try await client.execute(
                uri: "/workspace/alerts/\(id)", method: .post, headers: h, body: ByteBuffer(string: "action=comment&comment=x")
            ) { $0.status }
            #expect(forged == .forbidden)

            // The effect, through the API.
            let json = try await client.execute(uri: "/api/v1/alerts/\(id)", method: .get, headers: f.auth) { r in
                #expect(r.status == .ok)
                return try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any] ?? [:]
            }
            #expect(json["open"] as? Bool == false && json["closedBy"] as? String == "lan" && json["acknowledgedBy"] as? String == "lan")
            #expect(json["assignee"] as? String == "hoa")
            let history = (json["history"] as? [[String: Any]] ?? []).map { "\($0["action"] ?? "")" }
            #expect(history == ["acknowledge", "assign", "comment", "close"])
            let closing = (json["history"] as? [[String: Any]])?.last
            #expect(closing?["comment"] as? String == "Đã có điện" && closing?["by"] as? String == "lan")
            // Every action in the audit log, from the web, by the person.
            let audit = try await f.store.auditEntries(AuditFilter(entity: "alerts", entityKey: String(id)), beforeSeq: nil, limit: 20)
            #expect(audit.count == 4 && audit.allSatisfy { $0.actor == "lan" && $0.channel == "web" }, "\(audit.map(\.action))")
            #expect(audit.contains { $0.after?.contains("Đã có điện") == true })
            // The page shows the history with names.
            let done = try await client.execute(uri: "/workspace/alerts/\(id)?done=close", method: .get, headers: [.cookie: officer.cookie]) {
                String(buffer: $0.body)
            }
            #expect(done.contains("Đã đóng cảnh báo.") && done.contains(#"data-state="closed""#) && !done.contains(#"id="close""#))
            #expect(done.contains("Người dùng monitoring_officer") && done.contains("Đã có điện"))

            // Other roles: 403, as a page on the pages and a problem on the API; no login: to the form.
            try await client.execute(uri: "/workspace/alerts", method: .get, headers: [.cookie: reporter.cookie]) { r in
                #expect(r.status == .forbidden && r.headers[.contentType]?.hasPrefix("text/html") == true)
                #expect(String(buffer: r.body).contains("không có quyền"))
            }
            let (theirs, _, _) = try await Self.post(client, reporter, id, "action=comment&comment=x")
            #expect(theirs == .forbidden)
            try await client.execute(uri: "/workspace/alerts/\(id)?lang=en", method: .get) { r in
                #expect(r.status == .seeOther && r.headers[.location] == "/login?lang=en")
            }
            try await client.execute(uri: "/api/v1/alerts/\(id)", method: .get) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func theAPIActsOnAlertsAndNamesWhatIsWrong() async throws {
        let f = try await Fixture()
        let reporterKey = APIKeys.generate()
        try await f.store.createAPIKey(name: "bao-cao", hash: APIKeys.hash(reporterKey), role: "reporter")
        try await f.test { client in
            let id = try await Self.silentAlert(f, client)
            func act(_ body: String, _ headers: HTTPFields? = nil) async throws -> (HTTPResponse.Status, [String: Any]) {
                try await client.execute(
                    uri: "/api/v1/alerts/\(id)/actions", method: .post, headers: headers ?? f.auth, body: ByteBuffer(string: body)
                ) {
                    ($0.status, (try? JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]) ?? [:])
                }
            }
            var (status, json) = try await act(#"{"action":"acknowledge"}"#)
            #expect(status == .ok && json["acknowledged"] as? Bool == true && json["acknowledgedBy"] as? String == "test")
            (status, json) = try await act(#"{"action":"snooze"}"#)
            #expect(status == .unprocessableContent && json["pointer"] as? String == "/action")
            (status, json) = try await act(#"{"action":"close"}"#)
            #expect(status == .unprocessableContent && json["pointer"] as? String == "/comment")
            (status, json) = try await act(#"{"action":"assign","assignee":"nobody"}"#)
            #expect(status == .unprocessableContent && json["pointer"] as? String == "/assignee")
            (status, json) = try await act(#"{"action":"close","comment":"Trạm đã hoạt động lại"}"#)
            #expect(status == .ok && json["open"] as? Bool == false && json["closedBy"] as? String == "test")
            (status, _) = try await act(#"{"action":"acknowledge"}"#)
            #expect(status == .conflict)
            (status, _) = try await act(
                #"{"action":"comment","comment":"x"}"#, [.authorization: "Bearer \(reporterKey)", .contentType: "application/json"])
            #expect(status == .forbidden)
            try await client.execute(
                uri: "/api/v1/alerts/999/actions", method: .post, headers: f.auth, body: ByteBuffer(string: #"{"action":"comment","comment":"x"}"#)
            ) {
                #expect($0.status == .notFound)
            }
            // The public list says an alert was acknowledged, not by whom.
            let list = try await client.execute(uri: "/api/v1/alerts", method: .get) { String(buffer: $0.body) }
            #expect(list.contains(#""acknowledged":true"#) && !list.contains("acknowledgedBy") && !list.contains("history"))
            // The public page names the station and uses local times.
            let page = try await client.execute(uri: "/alerts", method: .get) { String(buffer: $0.body) }
            #expect(page.contains("Nguyễn Khánh Toàn") && page.contains("Mất tín hiệu"))
        }
    }
}

/// Alert rules and recipients in the browser: added and deleted through the same checks as the API, audited; a
/// webhook into the server's own network is refused; other roles get 403.
@Suite struct RulePagesTests {
    @Test func anOfficerAddsARuleAndARecipient() async throws {
        let f = try await Fixture(station: false)
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        let reporter = try await f.session(.reporter, username: "minh")
        try await f.test { client in
            let h: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: officer.cookie]
            func post(_ body: String) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/workspace/rules", method: .post, headers: h, body: ByteBuffer(string: body + "&csrf=\(officer.csrf)"))
                {
                    $0.status
                }
            }
            #expect(try await post("action=create-rule&name=AQI+cao&kind=aqi&provinces=01&aqi=151") == .seeOther)
            #expect(try await post("action=create-rule&name=AQI+sai&kind=aqi&aqi=900") == .unprocessableContent)
            let rules = try await f.store.rules()
            #expect(rules.count == 1 && rules.first?.aqiAtLeast == 151 && rules.first?.scope.provinces == ["01"])
            let id = try #require(rules.first?.id)
            #expect(try await post("action=create-subscription&rule=\(id)&channel=email&target=a%40b.vn") == .seeOther)
            #expect(try await post("action=create-subscription&channel=webhook&target=http%3A%2F%2F127.0.0.1%3A9%2Fx") == .unprocessableContent)
            #expect(try await post("action=create-subscription&channel=email&target=nobody") == .unprocessableContent)
            #expect(try await f.store.subscriptions().map(\.target) == ["a@b.vn"])
            let page = try await client.execute(uri: "/workspace/rules", method: .get, headers: [.cookie: officer.cookie]) { String(buffer: $0.body) }
            #expect(page.contains(#"data-rule="AQI cao""#) && page.contains("VN_AQI ≥ 151") && page.contains(#"data-target="a@b.vn""#))
            #expect(try await post("action=delete-rule&id=\(id)") == .seeOther)
            #expect(try await f.store.rules().map(\.active) == [false], "switched off, kept for the alerts it raised")
            #expect(try await post("action=delete-rule&id=\(id)") == .notFound)
            let audit = try await f.store.auditEntries(AuditFilter(actor: "lan"), beforeSeq: nil, limit: 10).map(\.entity)
            #expect(audit.sorted() == ["alert-rule", "alert-rule", "subscription"])
            try await client.execute(uri: "/workspace/rules", method: .get, headers: [.cookie: reporter.cookie]) { #expect($0.status == .forbidden) }
        }
    }
}
