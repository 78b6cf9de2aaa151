import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

/// People log in with a form, get a session cookie, and every form they send carries the session's CSRF token;
/// failed logins are throttled; a disabled account and a revoked key are refused at once; one-time passwords must
/// be changed first; a second factor is checked; every write leaves an entry in the audit chain.
@Suite struct AccountTests {
    static let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// `GET /login`: the login form's token, in its cookie and its hidden field.
    static func loginForm(_ client: some TestClientProtocol) async throws -> (cookie: String, token: String) {
        try await client.execute(uri: "/login", method: .get) { r in
            let html = String(buffer: r.body)
            let token = html.components(separatedBy: #"name="login_token" value=""#).dropFirst().first?.prefix { $0 != "\"" } ?? ""
            let cookie = r.headers[values: .setCookie].first { $0.hasPrefix("xanh_login=") }?.split(separator: ";").first.map(String.init) ?? ""
            return (cookie, String(token))
        }
    }

    /// Posts the login form; the status and the session cookie set (if any).
    static func login(
        _ client: some TestClientProtocol, _ username: String, _ password: String, code: String? = nil
    ) async throws -> (
        HTTPResponse.Status, String?, HTTPFields
    ) {
        let (cookie, token) = try await loginForm(client)
        var headers = form
        headers[.cookie] = cookie
        var body = "username=\(username)&password=\(password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")&login_token=\(token)"
        if let code { body += "&code=\(code)" }
        return try await client.execute(uri: "/login", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
            let session = r.headers[values: .setCookie].first { $0.hasPrefix("xanh_session=") && !$0.hasPrefix("xanh_session=;") }
            return (r.status, session, r.headers)
        }
    }

    static func cookie(_ setCookie: String?) -> String { setCookie?.split(separator: ";").first.map(String.init) ?? "" }

    @Test func aFormLoginGivesACookieAndFormsNeedTheCSRFToken() async throws {
        let f = try await Fixture()
        let (_, oneTime) = try await f.services.accounts.addUser(
            username: "lan", name: "Nguyễn Thị Lan", role: .monitoringOfficer, scope: .province, password: nil)
        let password = try #require(oneTime)
        try await f.test { client in
            let (status, setCookie, headers) = try await Self.login(client, "lan", password)
            #expect(status == .seeOther && headers[.location]?.hasPrefix("/account") == true)
            let set = try #require(setCookie)
            #expect(set.contains("HttpOnly") && set.contains("SameSite=Lax") && !set.contains("Secure"), "\(set)")
            let cookie = Self.cookie(set)
            // A one-time password: nothing but the account page until it is changed.
            let blocked = try await client.execute(uri: "/api/v1/file-names", method: .get, headers: [.cookie: cookie]) { $0.status }
            #expect(blocked == .forbidden)
            let page = try await client.execute(uri: "/account", method: .get, headers: [.cookie: cookie]) { String(buffer: $0.body) }
            let csrf = String(page.components(separatedBy: #"name="csrf" value=""#).dropFirst().first?.prefix { $0 != "\"" } ?? "")
            #expect(csrf.count == 64)
            var h = Self.form
            h[.cookie] = cookie
            let change = "current=\(password)&new=rau-muong-xao-toi"
            let refused = try await client.execute(uri: "/account/password", method: .post, headers: h, body: ByteBuffer(string: change)) {
                $0.status
            }
            #expect(refused == .forbidden, "a form POST without the CSRF token")
            let wrong = try await client.execute(uri: "/account/password", method: .post, headers: h, body: ByteBuffer(string: change + "&csrf=0000"))
            {
                $0.status
            }
            #expect(wrong == .forbidden, "a form POST with another token")
            let changed = try await client.execute(
                uri: "/account/password", method: .post, headers: h, body: ByteBuffer(string: change + "&csrf=\(csrf)")
            ) {
                $0.status
            }
            #expect(changed == .seeOther)
            let now = try await client.execute(uri: "/api/v1/file-names", method: .get, headers: [.cookie: cookie]) { $0.status }
            #expect(now == .ok, "after the change the officer works")
            // A JSON write from the session needs the token too (in its header).
            var json: HTTPFields = [.cookie: cookie, .contentType: "application/json"]
            let noToken = try await client.execute(
                uri: "/api/v1/file-names/HN_NKT", method: .put, headers: json, body: ByteBuffer(string: #"{"station":"HN-NKT"}"#)
            ) { $0.status }
            #expect(noToken == .forbidden)
            json[HTTPField.Name("X-CSRF-Token")!] = csrf
            let withToken = try await client.execute(
                uri: "/api/v1/file-names/HN_NKT", method: .put, headers: json, body: ByteBuffer(string: #"{"station":"HN-NKT"}"#)
            ) { $0.status }
            #expect(withToken.code < 300, "\(withToken)")
            // Logging out ends the session.
            let out = try await client.execute(uri: "/logout", method: .post, headers: h, body: ByteBuffer(string: "csrf=\(csrf)")) { $0.status }
            #expect(out == .seeOther)
            let after = try await client.execute(uri: "/api/v1/file-names", method: .get, headers: [.cookie: cookie]) { $0.status }
            #expect(after == .unauthorized)
            // A login form without its token (another site posting it) logs no one in.
            let forged = try await client.execute(
                uri: "/login", method: .post, headers: Self.form, body: ByteBuffer(string: "username=lan&password=rau-muong-xao-toi")
            ) { $0.status }
            #expect(forged == .badRequest)
        }
        let actions = try await f.store.auditEntries(AuditFilter(actor: "lan"), beforeSeq: nil, limit: 10).map(\.action)
        #expect(actions == ["POST /logout", "PUT /api/v1/file-names/{name}", "POST /account/password", "POST /login"])
    }

    @Test func theSixthWrongPasswordIn15MinutesIs429() async throws {
        let f = try await Fixture()
        _ = try await f.services.accounts.addUser(username: "an", name: "Lê An", role: .leader, scope: .province, password: "mat-khau-dung-roi")
        try await f.test { client in
            for i in 1...5 {
                let (status, cookie, _) = try await Self.login(client, "an", "sai-\(i)-mat-khau")
                #expect(status == .unauthorized && cookie == nil, "attempt \(i): \(status)")
            }
            let (sixth, _, headers) = try await Self.login(client, "an", "sai-6-mat-khau")
            #expect(sixth == .tooManyRequests)
            #expect(Int(headers[.retryAfter] ?? "") == 900, "\(headers[.retryAfter] ?? "none")")
            // Even the right password waits: guessing cannot go on.
            let (right, cookie, _) = try await Self.login(client, "an", "mat-khau-dung-roi")
            #expect(right == .tooManyRequests && cookie == nil)
        }
    }

    /// Behind a proxy the client's address is X-Forwarded-For's last entry, when the operator says so; else the header
    /// is ignored (a client could write it).
    @Test func failedLoginsAreCountedPerClientBehindATrustedProxy() async throws {
        for trust in [true, false] {
            let f = try await Fixture { $0.trustForwardedFor = trust }
            try await f.test { client in
                for i in 1...5 {
                    let (cookie, token) = try await Self.loginForm(client)
                    var h = Self.form
                    h[.cookie] = cookie
                    h[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.9, 10.1.1.\(i % 2)"
                    let body = ByteBuffer(string: "username=user\(i)&password=wrong-password-\(i)&login_token=\(token)")
                    #expect(try await client.execute(uri: "/login", method: .post, headers: h, body: body) { $0.status } == .unauthorized)
                }
                // Five failures from 10.1.1.0 and 10.1.1.1 (three and two) behind the proxy, or from one address without it.
                let (cookie, token) = try await Self.loginForm(client)
                var h = Self.form
                h[.cookie] = cookie
                h[HTTPField.Name("X-Forwarded-For")!] = "10.1.1.1"
                let body = ByteBuffer(string: "username=someone&password=wrong-password&login_token=\(token)")
                let status = try await client.execute(uri: "/login", method: .post, headers: h, body: body) { $0.status }
                #expect(status == (trust ? .unauthorized : .tooManyRequests), "trust \(trust): \(status)")
            }
        }
    }

    @Test func aDisabledUserAndARevokedKeyGet401AtTheirNextRequest() async throws {
        let f = try await Fixture()
        let s = try await f.session(.monitoringOfficer, username: "lan")
        let key = APIKeys.generate()
        try await f.store.createAPIKey(name: "logger", hash: APIKeys.hash(key), role: "monitoring_officer")
        try await f.test { client in
            #expect(try await client.execute(uri: "/api/v1/file-names", method: .get, headers: [.cookie: s.cookie]) { $0.status } == .ok)
            #expect(
                try await client.execute(uri: "/api/v1/file-names", method: .get, headers: [.authorization: "Bearer \(key)"]) { $0.status } == .ok)
            try await f.store.setUserDisabled(username: "lan", disabled: true)
            try await f.store.revokeAPIKey(name: "logger")
            #expect(try await client.execute(uri: "/api/v1/file-names", method: .get, headers: [.cookie: s.cookie]) { $0.status } == .unauthorized)
            #expect(
                try await client.execute(uri: "/api/v1/file-names", method: .get, headers: [.authorization: "Bearer \(key)"]) { $0.status }
                    == .unauthorized)
        }
        // A key's last use is kept.
        #expect(try await f.store.apiKeys().first { $0.key.name == "logger" }?.lastUsedAt == Fixture.now)
    }

    @Test func aSecondFactorIsCheckedAndAdminsMustHaveOneWhenTheOperatorSaysSo() async throws {
        let f = try await Fixture { $0.requireAdminTOTP = true }
        _ = try await f.services.accounts.addUser(username: "root", name: "Quản trị", role: .admin, scope: .province, password: "quan-tri-vien-01")
        _ = try await f.services.accounts.addUser(username: "lan", name: "Lan", role: .reporter, scope: .province, password: "bao-cao-vien-01")
        try await f.test { client in
            let (noFactor, _, _) = try await Self.login(client, "root", "quan-tri-vien-01")
            #expect(noFactor == .forbidden, "an admin without a second factor, where the operator requires one")
            let (reporter, _, _) = try await Self.login(client, "lan", "bao-cao-vien-01")
            #expect(reporter == .seeOther, "only admins must have one")
            let (secret, url) = try await f.services.accounts.enableTOTP(username: "root")
            #expect(url.hasPrefix("otpauth://totp/Xanh:root?secret="))
            let (missing, _, _) = try await Self.login(client, "root", "quan-tri-vien-01")
            #expect(missing == .unauthorized)
            let code = AccountService.currentCode(secret: secret, at: Fixture.now)
            let wrongCode = String(format: "%06d", ((Int(code) ?? 0) + 1) % 1_000_000)
            let (wrong, _, _) = try await Self.login(client, "root", "quan-tri-vien-01", code: wrongCode)
            #expect(wrong == .unauthorized)
            let (ok, cookie, _) = try await Self.login(client, "root", "quan-tri-vien-01", code: code)
            #expect(ok == .seeOther && cookie != nil)
        }
    }

    @Test func tooManyWritesAndTooManyBadKeysAre429() async throws {
        let f = try await Fixture {
            $0.writesPerMinute = 3
            $0.maxBadCredentials = 4
        }
        try await f.test { client in
            var statuses: [UInt] = []
            for i in 1...4 {
                statuses.append(
                    try await client.execute(
                        uri: "/api/v1/subscriptions", method: .post, headers: f.auth,
                        body: ByteBuffer(string: #"{"channel":"email","target":"a\#(i)@b.vn"}"#)
                    ) { UInt($0.status.code) })
            }
            #expect(statuses == [201, 201, 201, 429])
            var bad: [UInt] = []
            for _ in 1...5 {
                bad.append(
                    try await client.execute(uri: "/api/v1/stations", method: .get, headers: [.authorization: "Bearer xanh_guess"]) {
                        UInt($0.status.code)
                    })
            }
            #expect(bad == [401, 401, 401, 401, 429])
        }
    }

    /// A reporter of one unit writes for it and the units under it, and is refused (403, nothing stored) for others.
    @Test func aReporterReportsForItsOwnUnit() async throws {
        let f = try await Fixture(station: false)
        let key = APIKeys.generate()
        try await f.store.createAPIKey(name: "hp-reporter", hash: APIKeys.hash(key), role: "reporter")
        try await f.store.setAPIKeyScope(name: "hp-reporter", scope: AccessScope(unit: "31"))
        try await f.store.upsertUnits([AdminUnit(id: "31001", code: "31001", nameVi: "Xã A", nameEn: "A", level: .commune, parent: "31")])
        let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
        try await f.test { client in
            let own = #"{"values":[{"indicator":"HP.WATER-CLEAN","unit":"31001","period":"2026","numerator":90,"denominator":100}],"submit":false}"#
            try await client.execute(uri: "/api/v1/values", method: .post, headers: headers, body: ByteBuffer(string: own)) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
            let other = #"{"values":[{"indicator":"HP.WATER-CLEAN","unit":"01","period":"2026","numerator":9,"denominator":10}]}"#
            try await client.execute(uri: "/api/v1/values", method: .post, headers: headers, body: ByteBuffer(string: other)) { r in
                #expect(r.status == .forbidden && String(buffer: r.body).contains("not for 01"))
            }
            // Another unit's draft, written by an admin.
            let elsewhere = #"{"values":[{"indicator":"HP.WATER-CLEAN","unit":"01","period":"2026","numerator":5,"denominator":10}],"submit":false}"#
            #expect(
                try await client.execute(uri: "/api/v1/values", method: .post, headers: f.auth, body: ByteBuffer(string: elsewhere)) { $0.status }
                    == .ok)
            // The reporter sees its own draft, not another unit's; the public sees neither.
            let mine = try await client.execute(uri: "/api/v1/values?status=draft", method: .get, headers: headers) {
                (Fixture.json($0)["items"] as? [[String: Any]])?.compactMap { $0["unit"] as? String }
            }
            #expect(mine == ["31001"])
            let history = try await client.execute(
                uri: "/api/v1/values/history?indicator=HP.WATER-CLEAN&unit=01&period=2026", method: .get, headers: headers
            ) { (Fixture.json($0)["items"] as? [Any])?.count }
            #expect(history == 0, "another unit's draft history")
            let aggregates = try await client.execute(
                uri: "/api/v1/aggregates?indicator=HP.WATER-CLEAN&status=draft", method: .get, headers: headers
            ) { (Fixture.json($0)["items"] as? [Any])?.count }
            #expect(aggregates == 0, "drafts summed across units")
            let open = try await client.execute(uri: "/api/v1/values?status=draft", method: .get) { Fixture.json($0)["items"] as? [Any] }
            #expect(open?.count == 0)
        }
        #expect(
            try await f.store.values(indicator: nil, unit: nil, period: nil, statuses: ValueStatus.allCases, limit: 10).map(\.unit) == [
                "01", "31001",
            ])
    }

    /// Every write through the API and SensorThings leaves an entry naming who, from where, what and the state before;
    /// the log is readable by admins and leaders (JSON and CSV) and by no one else.
    @Test func everyWriteLeavesAnAuditEntryAndTheLogIsReadable() async throws {
        let f = try await Fixture()
        let leader = APIKeys.generate()
        try await f.store.createAPIKey(name: "chu-tich", hash: APIKeys.hash(leader), role: "leader")
        let reporter = APIKeys.generate()
        try await f.store.createAPIKey(name: "bao-cao", hash: APIKeys.hash(reporter), role: "reporter")
        let writes: [(HTTPRequest.Method, String, String?)] = [
            (
                .put, "/api/v1/stations/HN-NKT",
                #"{"code":"HN-NKT","name":"Trạm Nguyễn Khánh Toàn","kind":"ambient_air","province":"01","parameters":[{"parameter":"PM2.5"}]}"#
            ),
            (
                .post, "/api/v1/observations",
                #"{"observations":[{"station":"HN-NKT","parameter":"PM2.5","time":"2026-11-20T10:00:00+07:00","value":31.5}]}"#
            ),
            (.put, "/api/v1/file-names/HN_NKT", #"{"station":"HN-NKT"}"#),
            (.post, "/api/v1/subscriptions", #"{"channel":"email","target":"canhbao@hanoi.gov.vn"}"#),
            (.post, "/sta/v1.1/Things", #"{"name":"Trạm thử","description":"thử","properties":{"code":"T-1","province":"01"}}"#),
            (.delete, "/api/v1/file-names/HN_NKT", nil),
        ]
        try await f.test { client in
            for (method, uri, body) in writes {
                let status = try await client.execute(uri: uri, method: method, headers: f.auth, body: body.map { ByteBuffer(string: $0) }) {
                    $0.status
                }
                #expect(status.code < 300, "\(method) \(uri): \(status)")
            }
            let read = try await client.execute(
                uri: "/api/v1/audit?actor=test&limit=100", method: .get, headers: [.authorization: "Bearer \(leader)"]
            ) {
                ($0.status, Fixture.json($0)["items"] as? [[String: Any]] ?? [])
            }
            #expect(read.0 == .ok)
            #expect(read.1.count == writes.count, "\(read.1.map { $0["action"] ?? "" })")
            let station = read.1.first { ($0["action"] as? String) == "PUT /api/v1/stations/{code}" }
            #expect((station?["before"] as? String)?.contains("Nguyễn Khánh Toàn") == true, "the state before")
            #expect((station?["after"] as? String)?.contains("Trạm Nguyễn Khánh Toàn") == true && station?["entityKey"] as? String == "HN-NKT")
            #expect(read.1.contains { ($0["channel"] as? String) == "sensorthings" && ($0["entity"] as? String) == "Things" })
            let unmapped = read.1.first { ($0["action"] as? String) == "DELETE /api/v1/file-names/{name}" }
            #expect((unmapped?["before"] as? String) == #"{"station":"HN-NKT"}"#, "the mapping as it was")
            // Observations are kept by their digest, not twice.
            let body = writes[1].2 ?? ""
            let digest = Hex.encode(SHA256.digest(Array(body.utf8)))
            let observations = read.1.first { ($0["entity"] as? String) == "observations" }?["after"] as? String
            #expect(
                observations?.contains(#""sha256":"\#(digest)""#) == true && observations?.contains(#""bytes":"\#(body.utf8.count)""#) == true,
                "\(observations ?? "")")
            let csv = try await client.execute(uri: "/api/v1/audit?format=csv", method: .get, headers: [.authorization: "Bearer \(leader)"]) {
                String(buffer: $0.body)
            }
            #expect(csv.contains("seq,at,actor,actor_kind,role,address,channel,action,entity,key,before,after,hash"))
            #expect(
                try await client.execute(uri: "/api/v1/audit", method: .get, headers: [.authorization: "Bearer \(reporter)"]) { $0.status }
                    == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/audit", method: .get) { $0.status } == .unauthorized)
            // A refused write leaves no entry (nothing changed).
            _ = try await client.execute(uri: "/api/v1/stations/NO-SUCH", method: .delete, headers: f.auth) { $0.status }
        }
        #expect(try await f.store.auditEntries(AuditFilter(actor: "test"), beforeSeq: nil, limit: 100).count == writes.count)
        #expect(try await f.services.audit.verify().problem == nil)
    }
}
