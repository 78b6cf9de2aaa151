import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

/// An administrator makes a key in the browser, sees it once, and revokes it; both are in the audit log, which the
/// audit page filters; other roles get 403.
@Suite struct AdminPagesTests {
    @Test func aKeyIsMadeShownOnceRevokedAndFoundInTheAuditLog() async throws {
        let f = try await Fixture()
        let admin = try await f.session(.admin, username: "an")
        let leader = try await f.session(.leader, username: "tuan")
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        try await f.test { client in
            var h: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: admin.cookie]
            let (status, page, cache) = try await client.execute(
                uri: "/workspace/keys", method: .post, headers: h,
                body: ByteBuffer(string: "name=S%E1%BB%9F+TN%26MT+logger&role=facility_operator&csrf=\(admin.csrf)")
            ) { ($0.status, String(buffer: $0.body), $0.headers[.cacheControl]) }
            #expect(status == .created && cache == "no-store")
            let key = try #require(page.components(separatedBy: #"<code id="new-key">"#).dropFirst().first?.prefix { $0 != "<" })
            #expect(key.hasPrefix("xanh_") && key.count == 69)
            // The key works, until it is revoked.
            let auth: HTTPFields = [.authorization: "Bearer \(key)"]
            try await client.execute(uri: "/api/v1/alerts", method: .get, headers: auth) { #expect($0.status == .ok) }
            let list = try await client.execute(uri: "/workspace/keys", method: .get, headers: [.cookie: admin.cookie]) { String(buffer: $0.body) }
            #expect(list.contains(#"data-key="Sở TN&amp;MT logger" data-revoked="0""#) && !list.contains(String(key)), "never shown again")
            let (again, _) = try await client.execute(
                uri: "/workspace/keys", method: .post, headers: h,
                body: ByteBuffer(string: "name=S%E1%BB%9F+TN%26MT+logger&role=reporter&csrf=\(admin.csrf)")
            ) { ($0.status, String(buffer: $0.body)) }
            #expect(again == .conflict)
            let revoke = try await client.execute(
                uri: "/workspace/keys/revoke", method: .post, headers: h,
                body: ByteBuffer(string: "name=S%E1%BB%9F+TN%26MT+logger&csrf=\(admin.csrf)")
            ) { $0.status }
            #expect(revoke == .seeOther)
            try await client.execute(uri: "/api/v1/alerts", method: .get, headers: auth) { #expect($0.status == .unauthorized) }
            // Both in the audit log, by the administrator, from the web; the page filters by entity; the CSV link works.
            let audit = try await f.store.auditEntries(AuditFilter(entity: "key"), beforeSeq: nil, limit: 10)
            #expect(audit.map(\.action) == ["POST /workspace/keys/revoke", "POST /workspace/keys"] && audit.allSatisfy { $0.actor == "an" })
            let leaderView = try await client.execute(
                uri: "/workspace/audit?entity=key&from=2026-11-01&to=2026-12-31", method: .get, headers: [.cookie: leader.cookie]
            ) {
                r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(leaderView.contains("POST /workspace/keys/revoke") && leaderView.contains(#"href="/api/v1/audit?format=csv&amp;entity=key"#))
            let empty = try await client.execute(uri: "/workspace/audit?entity=key&to=2026-01-01", method: .get, headers: [.cookie: leader.cookie]) {
                String(buffer: $0.body)
            }
            #expect(!empty.contains("data-audit="), "nothing before that date")
            try await client.execute(uri: "/workspace/audit?from=nonsense", method: .get, headers: [.cookie: leader.cookie]) {
                #expect($0.status == .badRequest)
            }
            // Other roles: 403 on the same URLs.
            h[.cookie] = officer.cookie
            try await client.execute(uri: "/workspace/keys", method: .get, headers: [.cookie: officer.cookie]) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/workspace/keys", method: .post, headers: h, body: ByteBuffer(string: "name=x&role=admin&csrf=\(officer.csrf)")
            ) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/workspace/audit", method: .get, headers: [.cookie: officer.cookie]) { #expect($0.status == .forbidden) }
            let account = try await client.execute(uri: "/account", method: .get, headers: [.cookie: admin.cookie]) { String(buffer: $0.body) }
            #expect(account.contains(#"href="/workspace/keys?lang=vi""#) && account.contains(#"href="/workspace/audit?lang=vi""#))
        }
    }
}

/// The leader's page: the plans' tasks by outcome per lead agency with their reports, the targets by status, the
/// stations' air; a facility's operator may not see it.
@Suite struct LeaderPageTests {
    @Test func theLeaderSeesTheProvinceAndReachesTheReports() async throws {
        let f = try await Fixture()
        for t in DemoIndicators.targets { _ = try await f.store.upsertTarget(t) }
        _ = try await DemoPlanLoader.load(services: f.services)
        let leader = try await f.session(.leader, username: "tuan")
        let operatorSession = try await f.session(.facilityOperator, username: "op", scope: AccessScope(stations: ["HN-NKT"]))
        try await f.test { client in
            let page = try await client.execute(uri: "/workspace/leader", method: .get, headers: [.cookie: leader.cookie]) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(page.contains(#"<section data-plan="HP-78-2023">"#) && page.contains("Sở Nông nghiệp và Môi trường Hải Phòng"))
            let docx = try #require(
                page.components(separatedBy: #"<a href="/api/v1/plans/HP-78-2023/report?period="#).dropFirst().first?.prefix { $0 != "\"" })
            #expect(docx.hasSuffix("-H1&amp;format=docx"), "the mid-year report: \(docx)")
            try await client.execute(
                uri: "/api/v1/plans/HP-78-2023/report?period=\(docx.prefix(7))&format=docx", method: .get, headers: [.cookie: leader.cookie]
            ) { r in
                #expect(r.status == .ok && r.headers[.contentType]?.contains("wordprocessingml") == true)
            }
            #expect(page.contains("Nguyễn Khánh Toàn") && page.contains("Hoàn thành đúng hạn"))
            try await client.execute(uri: "/workspace/leader", method: .get, headers: [.cookie: operatorSession.cookie]) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/workspace/leader", method: .get) { #expect($0.status == .seeOther) }
        }
    }
}

/// An administrator adds a person in the browser (the one-time password shown once and working once), disables and
/// enables them, and gives a new password; every change is audited; other roles get 403.
@Suite struct UserPagesTests {
    @Test func anAdministratorAddsDisablesAndResetsAPerson() async throws {
        let f = try await Fixture(station: false)
        let admin = try await f.session(.admin, username: "an")
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        try await f.test { client in
            let h: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: admin.cookie]
            let (status, page, cache) = try await client.execute(
                uri: "/workspace/users", method: .post, headers: h,
                body: ByteBuffer(string: "username=thu&name=Ng%C3%B4+Th%E1%BB%8B+Thu&role=reporter&unit=31&agency=&csrf=\(admin.csrf)")
            ) { ($0.status, String(buffer: $0.body), $0.headers[.cacheControl]) }
            #expect(status == .created && cache == "no-store")
            let oneTime = try #require(page.components(separatedBy: #"<code id="one-time">"#).dropFirst().first?.prefix { $0 != "<" })
            #expect(oneTime.count == 16)
            let user = try #require(try await f.store.users().first { $0.username == "thu" })
            #expect(user.role == "reporter" && user.scope.unit == "31" && user.mustChangePassword && user.name == "Ngô Thị Thu")
            #expect(try await f.services.accounts.login(username: "thu", password: String(oneTime), code: nil, address: "t").user.username == "thu")
            // Refusals name what is wrong, and store nothing.
            for body in [
                "username=thu&name=X&role=reporter", "username=b%C3%A1o&name=X&role=reporter", "username=x2&name=X&role=reporter&unit=99999",
                "username=x3&name=X&role=reporter&agency=NOPE", "username=x4&name=X&role=king",
            ] {
                try await client.execute(uri: "/workspace/users", method: .post, headers: h, body: ByteBuffer(string: body + "&csrf=\(admin.csrf)")) {
                    #expect($0.status == .unprocessableContent, "\(body)")
                }
            }
            #expect(try await f.store.users().count == 3)
            for action in ["disable", "enable", "reset-password"] {
                try await client.execute(
                    uri: "/workspace/users/state", method: .post, headers: h,
                    body: ByteBuffer(string: "username=thu&action=\(action)&csrf=\(admin.csrf)")
                ) { #expect($0.status == (action == "reset-password" ? .ok : .seeOther)) }
                if action == "disable" { #expect(try await f.store.users().first { $0.username == "thu" }?.disabled == true) }
            }
            #expect(try await f.store.users().first { $0.username == "thu" }?.disabled == false)
            try await client.execute(
                uri: "/workspace/users/state", method: .post, headers: h, body: ByteBuffer(string: "username=an&action=disable&csrf=\(admin.csrf)")
            ) { #expect($0.status == .conflict) }
            let audit = try await f.store.auditEntries(AuditFilter(entity: "user"), beforeSeq: nil, limit: 10)
            #expect(audit.count == 4 && audit.allSatisfy { $0.actor == "an" && $0.entityKey == "thu" })
            try await client.execute(uri: "/workspace/users", method: .get, headers: [.cookie: officer.cookie]) { #expect($0.status == .forbidden) }
            try await client.execute(
                uri: "/workspace/users/state", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: officer.cookie],
                body: ByteBuffer(string: "username=thu&action=disable&csrf=\(officer.csrf)")
            ) { #expect($0.status == .forbidden) }
        }
    }
}

/// The station registry in the browser: a station added and changed through the registry's own checks (bad numbers
/// and unknown parameters named in the page's language), audited; other roles get 403.
@Suite struct RegistryPagesTests {
    @Test func anOfficerAddsAndChangesAStation() async throws {
        let f = try await Fixture()
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        let reporter = try await f.session(.reporter, username: "minh")
        try await f.test { client in
            let h: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: officer.cookie]
            func post(_ uri: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body + "&csrf=\(officer.csrf)")) {
                    ($0.status, String(buffer: $0.body))
                }
            }
            let good = "code=HP-NS-WW&name=N%C6%B0%E1%BB%9Bc+th%E1%BA%A3i&kind=wastewater&province=31&parameters=COD%3A5%2C+TSS%3A5&silence=30"
            let (badNumber, page) = try await post("/workspace/stations/edit", good + "&latitude=abc&family=QCVN40&column=B&k1=0%2C9")
            #expect(
                badNumber == .unprocessableContent && page.contains("Vĩ độ: &#39;abc&#39; không phải là số")
                    || page.contains("Vĩ độ: 'abc' không phải là số"))
            let (unknown, page2) = try await post("/workspace/stations/edit", good.replacingOccurrences(of: "COD", with: "XYZ"))
            #expect(unknown == .unprocessableContent && page2.contains("XYZ"))
            #expect(try await f.store.station(code: "HP-NS-WW") == nil)
            #expect(try await post("/workspace/stations/edit", good + "&family=QCVN40&column=B&k1=0%2C9&k2=1").0 == .seeOther)
            let s = try #require(try await f.store.station(code: "HP-NS-WW"))
            #expect(s.parameters.map(\.parameter) == ["COD", "TSS"] && s.parameters.allSatisfy { $0.interval == 300 } && s.active == false)
            #expect(s.limits == FacilityLimitConfig(family: "QCVN40", column: "B", k1: 0.9, k2: 1) && s.silenceAfter == 1800)
            #expect(try await post("/workspace/stations/edit", good).0 == .conflict, "the code is taken")
            // Changing it: the code comes from the URL; switched on, limits off.
            #expect(try await post("/workspace/stations/edit?code=HP-NS-WW", good + "&active=on").0 == .seeOther)
            let changed = try #require(try await f.store.station(code: "HP-NS-WW"))
            #expect(changed.active && changed.limits == nil)
            #expect(try await post("/workspace/stations/edit?code=NOPE", good).0 == .notFound)
            let list = try await client.execute(uri: "/workspace/stations", method: .get, headers: [.cookie: officer.cookie]) {
                String(buffer: $0.body)
            }
            #expect(list.contains(#"data-station="HP-NS-WW" data-active="1""#) && list.contains(#"data-station="HN-NKT""#))
            let form = try await client.execute(uri: "/workspace/stations/edit?code=HN-NKT", method: .get, headers: [.cookie: officer.cookie]) {
                String(buffer: $0.body)
            }
            #expect(form.contains(#"value="PM2.5:5, PM10:5, NO2:5""#))
            let audit = try await f.store.auditEntries(AuditFilter(entity: "station"), beforeSeq: nil, limit: 10)
            #expect(audit.count == 2 && audit.allSatisfy { $0.actor == "lan" && $0.entityKey == "HP-NS-WW" })
            try await client.execute(uri: "/workspace/stations", method: .get, headers: [.cookie: reporter.cookie]) {
                #expect($0.status == .forbidden)
            }
        }
    }
}

/// Facilities, Circular 10 file names, keys' station groups and runtime settings in the browser.
@Suite struct RegistryAdminPagesTests {
    static func post(
        _ client: some TestClientProtocol, _ who: (cookie: String, csrf: String), _ uri: String, _ body: String
    ) async throws -> (
        HTTPResponse.Status, String
    ) {
        let h: HTTPFields = [.contentType: "application/x-www-form-urlencoded", .cookie: who.cookie]
        return try await client.execute(uri: uri, method: .post, headers: h, body: ByteBuffer(string: body + "&csrf=\(who.csrf)")) {
            ($0.status, String(buffer: $0.body))
        }
    }

    @Test func anOfficerAddsAFacilityAndMapsAFileName() async throws {
        let f = try await Fixture()
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        let reporter = try await f.session(.reporter, username: "minh")
        try await f.test { client in
            let (bad, page) = try await Self.post(client, officer, "/workspace/facilities", "name=&province=31&taxCode=12ab")
            #expect(bad == .unprocessableContent && page.contains("Tên cơ sở: must not be empty") && page.contains("Mã số thuế:"))
            #expect(try await f.store.facilities(after: nil, limit: 10).isEmpty)
            let good = "name=C%C3%B4ng+ty+DAP+%C4%90%C3%ACnh+V%C5%A9&province=31&taxCode=0200123456&sector=H%C3%B3a+ch%E1%BA%A5t&active=on"
            #expect(try await Self.post(client, officer, "/workspace/facilities", good).0 == .seeOther)
            let made = try #require(try await f.store.facilities(after: nil, limit: 10).first)
            #expect(made.name == "Công ty DAP Đình Vũ" && made.taxCode == "0200123456" && made.active && made.province == "31")
            let id = try #require(made.id)
            #expect(
                try await Self.post(client, officer, "/workspace/facilities?id=\(id)", good.replacingOccurrences(of: "&active=on", with: "")).0
                    == .seeOther)
            #expect(try await f.store.facility(id: id)?.active == false)
            #expect(try await Self.post(client, officer, "/workspace/facilities?id=999", good).0 == .notFound)
            let list = try await client.execute(uri: "/workspace/facilities?lang=en&id=\(id)", method: .get, headers: [.cookie: officer.cookie]) {
                String(buffer: $0.body)
            }
            #expect(
                list.contains(#"data-facility="\#(id)" data-active="0""#) && list.contains("Edit facility") && list.contains(#"value="0200123456""#))

            // File names: a bad name, an unknown station, then a mapping, shown, and removed.
            #expect(try await Self.post(client, officer, "/workspace/file-names", "name=a%2Fb&station=HN-NKT").0 == .unprocessableContent)
            #expect(try await Self.post(client, officer, "/workspace/file-names", "name=HaNoi_NKT&station=NOPE").0 == .unprocessableContent)
            #expect(try await f.store.fileNameMap().isEmpty)
            #expect(try await Self.post(client, officer, "/workspace/file-names", "name=HaNoi_NKT&station=HN-NKT").0 == .seeOther)
            #expect(try await f.store.fileNameMap() == ["HaNoi_NKT": "HN-NKT"])
            let names = try await client.execute(uri: "/workspace/file-names", method: .get, headers: [.cookie: officer.cookie]) {
                String(buffer: $0.body)
            }
            #expect(names.contains(#"data-name="HaNoi_NKT" data-station="HN-NKT""#))
            #expect(try await Self.post(client, officer, "/workspace/file-names", "name=HaNoi_NKT&action=remove").0 == .seeOther)
            #expect(try await f.store.fileNameMap().isEmpty)
            #expect(try await Self.post(client, officer, "/workspace/file-names", "name=HaNoi_NKT&action=remove").0 == .notFound)
            let audit = try await f.store.auditEntries(AuditFilter(entity: "file-names"), beforeSeq: nil, limit: 10)
            #expect(audit.count == 2 && audit.allSatisfy { $0.actor == "lan" && $0.entityKey == "HaNoi_NKT" })
            #expect(try await f.store.auditEntries(AuditFilter(entity: "facility"), beforeSeq: nil, limit: 10).count == 2)
            for uri in ["/workspace/facilities", "/workspace/file-names"] {
                try await client.execute(uri: uri, method: .get, headers: [.cookie: reporter.cookie]) { #expect($0.status == .forbidden) }
            }
        }
    }

    @Test func anAdminGivesAKeyAStationGroup() async throws {
        let f = try await Fixture()
        let admin = try await f.session(.admin, username: "an")
        try await f.test { client in
            let (unknown, page) = try await Self.post(
                client, admin, "/workspace/keys", "name=logger-1&role=facility_operator&stations=HN-NKT%2C+NOPE")
            #expect(unknown == .unprocessableContent && page.contains("Không có trạm: NOPE"))
            #expect(try await f.store.apiKeys().contains { $0.key.name == "logger-1" } == false)
            #expect(try await Self.post(client, admin, "/workspace/keys", "name=logger-1&role=facility_operator&stations=HN-NKT").0 == .created)
            #expect(try await f.store.apiKeys().first { $0.key.name == "logger-1" }?.key.scope.stations == ["HN-NKT"])
            _ = try await f.store.createStation(
                Station(code: "HP-DV-WW", name: "Nước thải", kind: .wastewater, province: "31", parameters: [StationParameter(parameter: "COD")]))
            #expect(try await Self.post(client, admin, "/workspace/keys/scope", "name=logger-1&stations=HN-NKT%2CHP-DV-WW").0 == .seeOther)
            #expect(try await f.store.apiKeys().first { $0.key.name == "logger-1" }?.key.scope.stations == ["HN-NKT", "HP-DV-WW"])
            #expect(try await Self.post(client, admin, "/workspace/keys/scope", "name=nobody&stations=HN-NKT").0 == .notFound)
            #expect(try await Self.post(client, admin, "/workspace/keys/scope", "name=logger-1&facility=77").0 == .unprocessableContent)
            let audit = try await f.store.auditEntries(AuditFilter(entity: "key"), beforeSeq: nil, limit: 10)
            #expect(audit.contains { $0.action == "POST /workspace/keys/scope" && ($0.after ?? "").contains("HP-DV-WW") })
        }
    }

    @Test func anAdminChangesARuntimeSettingThatAppliesAtOnceAndSurvivesARestart() async throws {
        let f = try await Fixture()
        let admin = try await f.session(.admin, username: "an")
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        try await f.test { client in
            #expect(f.services.limits.writesPerMinute == 6_000)
            let (bad, page) = try await Self.post(client, admin, "/workspace/settings", "flag=writes-per-minute&value=-3")
            #expect(bad == .unprocessableContent && page.contains("không phải giá trị hợp lệ"))
            #expect(try await Self.post(client, admin, "/workspace/settings", "flag=bcrypt-cost&value=4").0 == .notFound, "not a runtime setting")
            // A session's end is now + the setting: a value that would overflow is refused, not stored.
            #expect(
                try await Self.post(client, admin, "/workspace/settings", "flag=session-seconds&value=9223372036854775807").0 == .unprocessableContent
            )
            #expect(try await Self.post(client, admin, "/workspace/settings", "flag=writes-per-minute&value=5").0 == .seeOther)
            #expect(f.services.limits.writesPerMinute == 5, "in use at once")
            // The officer's sixth write within the minute is refused by the new limit (the admin has made three).
            var statuses: [HTTPResponse.Status] = []
            for _ in 0..<6 { statuses.append(try await Self.post(client, officer, "/workspace/file-names", "name=x&action=remove").0) }
            #expect(statuses == Array(repeating: .notFound, count: 5) + [.tooManyRequests])
            let list = try await client.execute(uri: "/workspace/settings?lang=en", method: .get, headers: [.cookie: admin.cookie]) {
                String(buffer: $0.body)
            }
            #expect(list.contains(#"name="value" value="5""#) && list.contains("Back to the start value"))
            // Another server over the same store (a restart) takes the saved value.
            let again = AppServices(store: f.store, reference: Fixture.reference, limits: Limits())
            let skipped = try await again.settings.load()
            #expect(skipped.isEmpty && again.limits.writesPerMinute == 5)
            #expect(try await Self.post(client, admin, "/workspace/settings", "flag=writes-per-minute&action=reset").0 == .seeOther)
            let left = try await f.store.savedSettings()
            #expect(f.services.limits.writesPerMinute == 6_000 && left.isEmpty)
            let audit = try await f.store.auditEntries(AuditFilter(entity: "setting"), beforeSeq: nil, limit: 10)
            #expect(audit.count == 2 && audit.allSatisfy { $0.actor == "an" && $0.entityKey == "writes-per-minute" })
            try await client.execute(uri: "/workspace/settings", method: .get, headers: [.cookie: officer.cookie]) {
                #expect($0.status == .forbidden)
            }
        }
    }
}
