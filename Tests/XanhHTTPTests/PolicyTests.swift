import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhStore

/// One policy decides every route (`RoutePolicy`): every route the router serves has an entry, and every route
/// called with every role's key and with none answers as the policy says — allowed (anything but 401/403), 401
/// without credentials, 403 with a role that lacks the permission. On both engines (`XANH_TEST_ENGINE`).
@Suite struct PolicyTests {
    @Test func everyRouteHasAPolicyAndThePolicyNoStrayRoute() async throws {
        let router = try await Fixture().router()
        let served = Set(router.routes.map { "\($0.method.rawValue) \($0.path.description)" })
        for route in served.sorted() { #expect(RoutePolicy.table[route] != nil, "\(route) has no entry in RoutePolicy.table") }
        for route in RoutePolicy.table.keys.sorted() { #expect(served.contains(route), "RoutePolicy.table names \(route), which is not served") }
    }

    /// Every route with no credentials, with a key of every role and with a logged-in person of every role. A
    /// person's writes carry the session's CSRF token; a person's own account is no key's. Every write that succeeds
    /// leaves exactly one audit entry, and every refused one none.
    @Test func everyRoleOnEveryRoute() async throws {
        let f = try await Fixture()
        var keys: [Role: String] = [:]
        var sessions: [Role: (cookie: String, csrf: String)] = [:]
        for role in Role.allCases {
            let key = APIKeys.generate()
            try await f.store.createAPIKey(name: "key-\(role.rawValue)", hash: APIKeys.hash(key), role: role.rawValue)
            let scope = role == .facilityOperator ? AccessScope(stations: ["HN-NKT"]) : .province
            if role == .facilityOperator { try await f.store.setAPIKeyScope(name: "key-\(role.rawValue)", scope: scope) }
            keys[role] = key
            sessions[role] = try await f.session(role, scope: scope)
        }
        let router = try await f.router()
        let routes = router.routes.map { ($0.method, $0.path.description) }
        let app = Application(router: router)
        let roleKeys = keys
        let roleSessions = sessions
        let checked = try await app.test(.router) { client in
            var checked = 0
            // Logging out ends the session the rest of the matrix uses: it goes last, with one person's session only. The
            // alert stream does not end (and is public).
            let ordered = routes.filter { $0.1 != "/logout" } + routes.filter { $0.1 == "/logout" }
            for (method, route) in ordered where route != "/api/v1/alerts/stream" {
                let uri = route.replacingOccurrences(of: "{code}", with: "NO-SUCH").replacingOccurrences(of: "{id}", with: "999999")
                    .replacingOccurrences(of: "{name}", with: "no-such").replacingOccurrences(of: "**", with: "Things")
                guard let need = RoutePolicy.permission(method: method, route: route, path: uri) else {
                    Issue.record("\(method) \(route): no policy")
                    continue
                }
                let body = method == .get || method == .delete ? nil : ByteBuffer(string: "{}")
                let callers: [(Role?, Caller.Kind)] = [(nil, .key)] + Role.allCases.flatMap { [($0, Caller.Kind.key), ($0, .user)] }
                for (role, kind) in callers where !(route == "/logout" && kind == .user && role != .leader) {
                    var headers: HTTPFields = [.contentType: "application/json"]
                    if let role, kind == .key, let key = roleKeys[role] { headers[.authorization] = "Bearer \(key)" }
                    if let role, kind == .user, let s = roleSessions[role] {
                        headers[.cookie] = s.cookie
                        headers[HTTPField.Name("X-CSRF-Token")!] = s.csrf
                    }
                    // A calculation (POST that stores nothing) is no write.
                    let writes = method != .get && method != .head && !RoutePolicy.calculations.contains("\(method.rawValue) \(route)")
                    let lastEntry = { try await f.store.auditEntries(AuditFilter(), beforeSeq: nil, limit: 1).first?.seq ?? 0 }
                    let before = writes ? try await lastEntry() : 0
                    let status = try await client.execute(uri: uri, method: method, headers: headers, body: body) { $0.status }
                    checked += 1
                    if writes {
                        // A write that was answered below 400 changed something and left one audit entry; a refused one none.
                        let added = try await lastEntry() - before
                        #expect(added == (status.code < 400 ? 1 : 0), "\(method) \(uri): \(status) left \(added) audit entries")
                    }
                    let who = role.map { "\(kind == .user ? "user" : "key") \($0.rawValue)" } ?? "anonymous"
                    let allowed = need == .publicRead || (role?.may(need) == true && (need != .account || kind == .user))
                    if allowed {
                        #expect(status != .unauthorized && status != .forbidden, "\(method) \(uri) as \(who): \(status), the policy allows it")
                    } else if role == nil, method == .get, !route.hasPrefix("/api/"), !route.hasPrefix("/sta/") {
                        #expect(status == .seeOther, "\(method) \(uri) as anonymous: \(status), expected 303 to the login form")
                    } else if role == nil {
                        #expect(status == .unauthorized, "\(method) \(uri) as anonymous: \(status), expected 401")
                    } else {
                        #expect(status == .forbidden, "\(method) \(uri) as \(who): \(status), expected 403 (needs \(need.rawValue))")
                    }
                }
            }
            // Credentials that do not hold are refused even where none are needed.
            let bad = try await client.execute(uri: "/api/v1/stations", method: .get, headers: [.authorization: "Bearer xanh_nope"]) { $0.status }
            #expect(bad == .unauthorized)
            return checked
        }
        #expect(checked > 60 * 13)
    }

    @Test func pagesAndAnswersCarrySecurityHeaders() async throws {
        let f = try await Fixture()
        let app = Application(router: try await f.router())
        try await app.test(.router) { client in
            for uri in ["/", "/api/v1/stations", "/api/v1/no-such"] {
                try await client.execute(uri: uri, method: .get) { r in
                    let csp = r.headers[.contentSecurityPolicy] ?? ""
                    #expect(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'"), "\(uri): \(csp)")
                    #expect(r.headers[.xContentTypeOptions] == "nosniff" && r.headers[HTTPField.Name("Referrer-Policy")!] == "same-origin", "\(uri)")
                }
            }
        }
    }

    @Test func webhooksIntoTheServersNetworkAreRefused() async throws {
        let f = try await Fixture()
        let app = Application(router: try await f.router())
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(f.key)", .contentType: "application/json"]
            for (target, status) in [
                ("http://127.0.0.1:9/hook", HTTPResponse.Status.unprocessableContent), ("http://169.254.169.254/", .unprocessableContent),
                ("https://hooks.example.vn/xanh", .created),
            ] {
                let body = ByteBuffer(string: #"{"channel":"webhook","target":"\#(target)"}"#)
                let got = try await client.execute(uri: "/api/v1/subscriptions", method: .post, headers: headers, body: body) { $0.status }
                #expect(got == status, "\(target): \(got)")
            }
        }
        #expect(try await f.store.subscriptions().map(\.target) == ["https://hooks.example.vn/xanh"])
    }

    /// What a cross-site form can send without a preflight (text/plain, form-encoded) is not taken as JSON.
    @Test func jsonWritesMustSayTheyAreJSON() async throws {
        let f = try await Fixture()
        let app = Application(router: try await f.router())
        try await app.test(.router) { client in
            let body = ByteBuffer(string: #"{"channel":"email","target":"a@b.vn"}"#)
            for type in ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"] {
                let headers: HTTPFields = [.authorization: "Bearer \(f.key)", .contentType: type]
                let got = try await client.execute(uri: "/api/v1/subscriptions", method: .post, headers: headers, body: body) { $0.status }
                #expect(got == .unsupportedMediaType, "\(type): \(got)")
            }
            let got = try await client.execute(uri: "/api/v1/subscriptions", method: .post, headers: f.auth, body: body) { $0.status }
            #expect(got == .created)
        }
        #expect(try await f.store.subscriptions().count == 1)
    }

    @Test func aRevokedKeyIsRefusedAtItsNextRequest() async throws {
        let f = try await Fixture()
        let app = Application(router: try await f.router())
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(f.key)", .contentType: "application/json"]
            let before = try await client.execute(uri: "/api/v1/stations", method: .get, headers: headers) { $0.status }
            #expect(before == .ok)
            try await f.store.revokeAPIKey(name: "test")
            let after = try await client.execute(uri: "/api/v1/stations", method: .get, headers: headers) { $0.status }
            #expect(after == .unauthorized)
        }
    }

    /// A facility's data-logger key writes for its stations only, by every path in; nothing is stored for another.
    @Test func aFacilityKeyWritesForItsStationsOnly() async throws {
        let f = try await Fixture()
        _ = try await f.store.createStation(
            Station(code: "HN-HK", name: "Hoàn Kiếm", kind: .ambientAir, province: "01", parameters: [StationParameter(parameter: "PM2.5")]))
        let key = APIKeys.generate()
        try await f.store.createAPIKey(name: "logger", hash: APIKeys.hash(key), role: Role.facilityOperator.rawValue)
        try await f.store.setAPIKeyScope(name: "logger", scope: AccessScope(stations: ["HN-NKT"]))
        let directory = try await f.store.seriesDirectory()
        let mine = try #require(directory.stations["HN-NKT"]?.series["PM2.5"])
        let other = try #require(directory.stations["HN-HK"]?.series["PM2.5"])
        let app = Application(router: try await f.router())
        try await app.test(.router) { client in
            let headers: HTTPFields = [.authorization: "Bearer \(key)", .contentType: "application/json"]
            func post(_ uri: String, _ body: String) async throws -> (HTTPResponse.Status, String) {
                try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)) {
                    ($0.status, String(buffer: $0.body))
                }
            }
            func obs(_ station: String, _ minute: Int) -> String {
                #"{"station":"\#(station)","parameter":"PM2.5","time":"2026-11-20T10:\#(String(format: "%02d", minute)):00+07:00","value":20}"#
            }
            // JSON API: its station accepted; a batch with another station's row refused whole.
            #expect(try await post("/api/v1/observations", #"{"observations":[\#(obs("HN-NKT", 5))]}"#).0 == .ok)
            let mixed = try await post("/api/v1/observations", #"{"observations":[\#(obs("HN-NKT", 10)),\#(obs("HN-HK", 10))]}"#)
            #expect(mixed.0 == .forbidden && mixed.1.contains("HN-HK"), "\(mixed)")
            // SensorThings: POST Observations and CreateObservations.
            let one = #"{"phenomenonTime":"2026-11-20T03:20:00Z","result":21}"#
            #expect(try await post("/sta/v1.1/Datastreams(\(mine))/Observations", one).0 == .created)
            #expect(try await post("/sta/v1.1/Datastreams(\(other))/Observations", one).0 == .forbidden)
            let create = { (ds: Int64) in
                #"[{"Datastream":{"@iot.id":\#(ds)},"components":["phenomenonTime","result"],"dataArray":[["2026-11-20T03:25:00Z",22]]}]"#
            }
            #expect(try await post("/sta/v1.1/CreateObservations", create(mine)).0 == .created)
            #expect(try await post("/sta/v1.1/CreateObservations", create(other)).0 == .forbidden)
            // Anything else is not its business.
            #expect(try await post("/sta/v1.1/Things", #"{"name":"x","description":"y"}"#).0 == .forbidden)
            #expect(try await post("/api/v1/stations", "{}").0 == .forbidden)
        }
        let stored = try await f.store.rawSeries(station: "HN-NKT", parameter: "PM2.5", from: 0, to: Int64.max / 2, limit: 100)
        #expect(stored.count == 3)
        #expect(try await f.store.rawSeries(station: "HN-HK", parameter: "PM2.5", from: 0, to: Int64.max / 2, limit: 100).isEmpty)
    }
}

/// `docs/security.md` holds the policy as the code has it: the table between its markers is `RoutePolicy.markdown()`.
@Suite struct SecurityDocTests {
    @Test func securityDocShowsThePolicyTheCodeEnforces() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let doc = try String(contentsOf: root.appendingPathComponent("docs/security.md"), encoding: .utf8)
        let parts = doc.components(separatedBy: "<!-- policy -->")
        let expected = RoutePolicy.markdown()
        #expect(
            parts.count == 3 && parts[1].trimmingCharacters(in: .whitespacesAndNewlines) == expected.trimmingCharacters(in: .whitespacesAndNewlines),
            "docs/security.md's policy table is stale; put this between its <!-- policy --> markers:\n\(expected)")
    }
}
