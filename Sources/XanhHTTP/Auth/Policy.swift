import Foundation
import HTTPTypes
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// The one policy: every route the router serves, by method and path pattern, to the permission it needs. The
/// `PolicyMiddleware` decides with it before any handler runs; a route missing from it is refused (and
/// `PolicyTests` fails naming it). Roles and the permissions they hold are `XanhCore.Role`.
public enum RoutePolicy {
    /// Routes that answer a POST by computing and store nothing: no audit entry (still counted as writes per caller).
    public static let calculations: Set<String> = ["POST /api/v1/wqi"]

    public static let table: [String: Permission] = [
        "GET /health": .publicRead, "GET /metrics": .publicRead, "GET /openapi.json": .publicRead,
        "GET /": .publicRead, "GET /stations/{code}": .publicRead, "GET /alerts": .publicRead, "GET /indicators": .publicRead,
        "GET /indicators/methods": .publicRead,
        "GET /plans": .publicRead, "GET /plans/{id}": .publicRead, "GET /provinces": .publicRead, "GET /assets/near-me.js": .publicRead,
        "GET /provinces/{code}": .publicRead, "GET /water": .publicRead, "GET /disasters": .publicRead, "POST /api/v1/wqi": .publicRead,
        "POST /api/v1/samples": .observe,
        "GET /api/v1/samples": .publicRead, "GET /api/v1/samples/template": .publicRead, "GET /api/v1/stations/{code}/wqi": .publicRead,
        // Disaster records: reported by the unit's reporters, approved by the environment department; approved ones
        // are public.
        "POST /api/v1/disasters": .report, "GET /api/v1/disasters": .publicRead, "GET /api/v1/disasters/{id}": .publicRead,
        "GET /api/v1/disasters/totals": .publicRead, "GET /api/v1/disasters/sendai": .publicRead,
        "POST /api/v1/disasters/{id}/submit": .report, "POST /api/v1/disasters/{id}/approve": .approve,
        "POST /api/v1/disasters/{id}/send-back": .approve, "POST /api/v1/disasters/{id}/reopen": .approve,
        "GET /api/v1/parameters": .publicRead, "GET /api/v1/provinces": .publicRead,
        "GET /api/v1/stations": .publicRead, "POST /api/v1/stations": .registry,
        "GET /api/v1/stations/{code}": .publicRead, "PUT /api/v1/stations/{code}": .registry, "DELETE /api/v1/stations/{code}": .registry,
        "GET /api/v1/facilities": .publicRead, "POST /api/v1/facilities": .registry,
        "GET /api/v1/facilities/{id}": .publicRead, "PUT /api/v1/facilities/{id}": .registry, "DELETE /api/v1/facilities/{id}": .registry,
        "POST /api/v1/observations": .observe,
        "GET /api/v1/aqi/latest": .publicRead, "GET /api/v1/stations/{code}/aqi": .publicRead,
        "GET /api/v1/stations/{code}/series": .publicRead, "GET /api/v1/exceedances": .publicRead,
        "GET /api/v1/stations/{code}/completeness": .publicRead,
        "GET /api/v1/stations/{code}/overrides": .publicRead, "POST /api/v1/stations/{code}/overrides": .quality,
        "GET /api/v1/station-events": .publicRead,
        "GET /api/v1/file-names": .internalRead, "PUT /api/v1/file-names/{name}": .registry, "DELETE /api/v1/file-names/{name}": .registry,
        "GET /api/v1/alert-rules": .publicRead, "POST /api/v1/alert-rules": .alerts, "DELETE /api/v1/alert-rules/{id}": .alerts,
        // Subscribers' e-mail addresses and webhook URLs are not public.
        "GET /api/v1/subscriptions": .internalRead, "POST /api/v1/subscriptions": .alerts,
        "GET /api/v1/alerts": .publicRead, "GET /api/v1/alerts/stream": .publicRead,
        // An alert's handling names staff and carries their notes.
        "GET /api/v1/alerts/{id}": .internalRead, "POST /api/v1/alerts/{id}/actions": .alerts,
        "GET /sta/v1.1": .publicRead, "GET /sta/v1.1/**": .publicRead,
        // SensorThings writes: see `sensorThings(_:)`.
        "POST /sta/v1.1/**": .registry, "PATCH /sta/v1.1/**": .registry, "PUT /sta/v1.1/**": .registry, "DELETE /sta/v1.1/**": .registry,
        "GET /api/v1/units": .publicRead, "GET /api/v1/provinces/{code}/series": .publicRead, "GET /api/v1/units/{id}/boundary": .publicRead,
        "GET /api/v1/indicators": .publicRead, "GET /api/v1/indicators/{code}": .publicRead, "PUT /api/v1/indicators/{code}": .catalogue,
        "POST /api/v1/indicators/compute": .approve,
        "GET /api/v1/values": .publicRead, "POST /api/v1/values": .report,
        "POST /api/v1/values/submit": .report, "POST /api/v1/values/approve": .approve, "POST /api/v1/values/reopen": .approve,
        "POST /api/v1/values/send-back": .approve,
        "GET /api/v1/values/history": .publicRead, "GET /api/v1/values/template": .publicRead, "POST /api/v1/values/upload": .report,
        "GET /api/v1/aggregates": .publicRead,
        "GET /api/v1/targets": .publicRead, "POST /api/v1/targets": .catalogue, "GET /api/v1/targets/progress": .publicRead,
        "GET /api/v1/index": .publicRead, "GET /api/v1/index/{id}/scores": .publicRead,
        "GET /api/v1/audit": .audit,
        // Plans are published (Decree 42/2022); progress entries and reports are the agencies' working papers.
        "GET /api/v1/agencies": .publicRead, "POST /api/v1/agencies": .plans,
        "GET /api/v1/plans": .publicRead, "POST /api/v1/plans": .plans, "GET /api/v1/plans/{id}": .publicRead,
        "GET /api/v1/plans/{id}/tasks": .publicRead, "GET /api/v1/plans/{id}/report": .internalRead, "GET /api/v1/plans/{id}/progress": .internalRead,
        "POST /api/v1/plans/{id}/progress": .report,
        "GET /api/v1/obligations": .publicRead, "POST /api/v1/obligations": .plans,
        "GET /api/v1/reports": .internalRead, "GET /api/v1/reports/environment": .internalRead, "POST /api/v1/reports/{id}": .report,
        "POST /api/v1/reports/{id}/submit": .report,
        "POST /api/v1/reports/{id}/send-back": .approve, "POST /api/v1/reports/{id}/accept": .approve,
        // People's own account; the login form is open to all (it is throttled).
        "GET /login": .publicRead, "POST /login": .publicRead, "POST /logout": .account, "GET /account": .account, "GET /workspace": .quality,
        "POST /account/password": .account,
        "GET /workspace/alerts": .alerts, "GET /workspace/alerts/{id}": .alerts, "POST /workspace/alerts/{id}": .alerts,
        "GET /workspace/quality": .quality, "GET /workspace/quality/review": .quality, "POST /workspace/quality/review": .quality,
        "GET /workspace/keys": .admin, "POST /workspace/keys": .admin, "POST /workspace/keys/revoke": .admin, "GET /workspace/audit": .audit,
        "GET /workspace/leader": .internalRead, "GET /workspace/reporting": .report, "GET /workspace/reporting/template": .report,
        "POST /workspace/reporting/upload": .report, "POST /workspace/reporting/value": .report, "GET /workspace/approvals": .approve,
        "POST /workspace/approvals": .approve, "POST /workspace/approvals/disasters": .approve, "GET /workspace/tasks": .report,
        "GET /workspace/tasks/progress": .report,
        "POST /workspace/tasks/progress": .report, "POST /workspace/tasks/report": .report, "GET /workspace/consolidation": .approve,
        "POST /workspace/consolidation": .approve, "GET /workspace/evidence/{sha256}": .internalRead,
        "GET /workspace/users": .admin, "POST /workspace/users": .admin, "POST /workspace/users/state": .admin,
        "GET /workspace/rules": .alerts, "POST /workspace/rules": .alerts,
        "GET /workspace/stations": .registry, "GET /workspace/stations/edit": .registry, "POST /workspace/stations/edit": .registry,
        "GET /workspace/facilities": .registry, "POST /workspace/facilities": .registry, "GET /workspace/file-names": .registry,
        "POST /workspace/file-names": .registry, "POST /workspace/keys/scope": .admin, "GET /workspace/settings": .admin,
        "POST /workspace/settings": .admin,
    ]

    /// The policy as `docs/security.md` shows it (a test keeps the two equal): what each role holds, then every
    /// route with the permission it needs.
    public static func markdown() -> String {
        var out = "| role | " + Permission.allCases.map(\.rawValue).joined(separator: " | ") + " |\n"
        out += "|---|" + Permission.allCases.map { _ in "---|" }.joined() + "\n"
        out += "| anonymous | " + Permission.allCases.map { $0 == .publicRead ? "✓" : "" }.joined(separator: " | ") + " |\n"
        for role in Role.allCases {
            out += "| \(role.rawValue) | " + Permission.allCases.map { role.may($0) ? "✓" : "" }.joined(separator: " | ") + " |\n"
        }
        out += "\n| route | permission |\n|---|---|\n"
        for route in table.keys.sorted(by: { ($0.split(separator: " ").last ?? "", $0) < ($1.split(separator: " ").last ?? "", $1) }) {
            out += "| `\(route)` | \(table[route].map(\.rawValue) ?? "") |\n"
        }
        return out
    }

    /// The permission a request needs, from its method and the route the router matched; nil when the policy has
    /// no entry (refused).
    public static func permission(method: HTTPRequest.Method, route: String, path: String) -> Permission? {
        guard let p = table["\(method.rawValue) \(route)"] else { return nil }
        if route == "/sta/v1.1/**", method == .post { return sensorThings(path) }
        return p
    }

    /// A SensorThings POST creates Observations (`observe`, checked against the caller's stations where they are
    /// stored) or any other entity (`registry`).
    public static func sensorThings(_ path: String) -> Permission {
        let last = path.split(separator: "/").last.map(String.init) ?? ""
        return last == "CreateObservations" || last == "Observations" ? .observe : .registry
    }
}

/// Decides every request with `RoutePolicy` before its handler. Credentials, when sent, must be valid: a key in
/// `Authorization` (401 otherwise, even on public routes, so a revoked key learns it at once), or a session cookie
/// from `POST /login` (an ended or expired session counts as none). A route that needs more than public access needs
/// a caller whose role holds the permission (401 without one, 403 naming what is missing). A session's writes carry
/// its CSRF token (form field `csrf` or header `X-CSRF-Token`); a person with a one-time password may only change it.
/// Too many invalid credentials from one address, and too many writes or expensive reads from one caller, are
/// answered 429 with `Retry-After`. The caller is left in the context for the handlers' scope checks.
struct PolicyMiddleware: RouterMiddleware {
    let services: AppServices
    /// A server on a read replica writes nothing, not even a key's last use.
    var readOnly = false
    let limiter = RateLimiter()
    /// When each key's last use was written (at most once a minute per key).
    let touched = Locked<[String: Int64]>([:])

    /// What a person with a one-time password may still do.
    static let beforePasswordChange: Set<String> = ["POST /account/password", "POST /logout", "GET /account"]

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        // The router names the matched route before its middleware run; a path it does not serve has none yet and
        // goes on to the not-found responder (404).
        guard let route = context.endpointPath, route != "NotFound" else { return try await next(request, context) }
        guard let need = RoutePolicy.permission(method: request.method, route: route, path: request.uri.path) else {
            throw Problem(status: .forbidden, detail: "no access policy covers \(request.method.rawValue) \(route); refused")
        }
        let limits = services.limits
        let now = services.clock()
        let window = Int64(limits.loginWindowSeconds)
        var context = context
        var request = request
        let name = "\(request.method.rawValue) \(route)"
        if limits.trustForwardedFor, let forwarded = Self.forwardedFor(request) { context.address = forwarded }
        if let header = request.headers[.authorization] {
            guard let key = APIKeys.key(from: header), let caller = try await services.store.apiKey(hash: APIKeys.hash(key)) else {
                if let wait = limiter.take("bad-credentials \(context.address)", limit: limits.maxBadCredentials, window: window, now: now) {
                    throw Problem(
                        status: .tooManyRequests, detail: "too many requests with invalid credentials from this address; try again later",
                        retryAfter: wait)
                }
                throw Problem(status: .unauthorized, detail: "the credentials sent are not valid, or the key has been revoked")
            }
            context.caller = caller
            await touch(caller.name, now: now)
        } else if let token = request.cookies[Session.cookie]?.value, let (user, session) = try await services.accounts.resolve(token: token) {
            context.caller = user.caller
            context.session = session
            if user.mustChangePassword, need != .publicRead, !Self.beforePasswordChange.contains(name) {
                throw Problem(status: .forbidden, detail: "change the one-time password first: /account")
            }
            // The login form carries a token of its own (a person may log in again as someone else).
            if Session.changesState(request.method), name != "POST /login" {
                let sent = try await Session.csrfToken(in: &request, limit: BodyFamily.of(request).limit(limits))
                guard sent == session.csrf else {
                    throw Problem(
                        status: .forbidden,
                        detail: "\(name) from a web session needs the session's CSRF token (form field 'csrf' or header 'X-CSRF-Token')")
                }
            }
        }
        let expensive = Self.expensive(request, route: route)
        if Session.changesState(request.method) || expensive {
            let who = context.caller.map { "\($0.kind.rawValue) \($0.name)" } ?? "address \(context.address)"
            let limit = expensive ? limits.expensiveReadsPerMinute : limits.writesPerMinute
            if let wait = limiter.take("\(expensive ? "read" : "write") \(who)", limit: limit, window: 60, now: now) {
                throw Problem(
                    status: .tooManyRequests,
                    detail: "more than \(limit) \(expensive ? "exports or audit reads" : "writes") a minute from \(who); try again later",
                    retryAfter: wait)
            }
        }
        if need == .publicRead { return try await next(request, context) }
        guard let caller = context.caller else {
            // A page (not the API) asked for without a login sends the browser to the login form.
            if request.method == .get, !route.hasPrefix("/api/"), !route.hasPrefix("/sta/") {
                let lang = request.uri.queryParameters.get("lang").flatMap { Language(rawValue: $0) } ?? .vi
                return Response(status: .seeOther, headers: [.location: "/login?lang=\(lang.rawValue)"])
            }
            throw Problem(
                status: .unauthorized,
                detail:
                    "\(name) needs an API key or a login with the '\(need.rawValue)' permission: send 'Authorization: Bearer <key>', or the key as the password of HTTP Basic authentication (create one with 'xanh key create --name NAME --role ROLE'), or log in at /login"
            )
        }
        if need == .account, caller.kind != .user {
            throw Problem(status: .forbidden, detail: "\(name) is a person's own account: log in at /login (a key has no account)")
        }
        guard let role = Role(name: caller.role), role.may(need) else {
            throw Problem(
                status: .forbidden,
                detail:
                    "the \(caller.kind == .user ? "user" : "key") '\(caller.name)' has the role '\(caller.role)', which does not hold the '\(need.rawValue)' permission that \(name) needs"
            )
        }
        return try await next(request, context)
    }

    /// The address a reverse proxy appended to `X-Forwarded-For` (its last entry), when it is one.
    static func forwardedFor(_ request: Request) -> String? {
        guard let name = HTTPField.Name("X-Forwarded-For"), let header = request.headers[values: name].last,
            let last = header.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), (2...64).contains(last.count),
            last.allSatisfy({ $0.isHexDigit || $0 == "." || $0 == ":" })
        else { return nil }
        return last
    }

    /// Exports (CSV, XLSX) and the audit log cost more than a page of JSON.
    static func expensive(_ request: Request, route: String) -> Bool {
        guard request.method == .get else { return false }
        if route.hasPrefix("/api/v1/audit") { return true }
        let format = request.uri.queryParameters.get("format")
        return format == "csv" || format == "xlsx" || route == "/api/v1/values/template" || route == "/api/v1/samples/template"
    }

    /// Writes a key's last use, at most once a minute per key (a logger posting every few seconds writes no more).
    func touch(_ key: String, now: Int64) async {
        let due = touched.update { t -> Bool in
            guard (t[key] ?? 0) <= now - 60 else { return false }
            t[key] = now
            return true
        }
        guard due, !readOnly else { return }
        do {
            try await services.store.touchAPIKey(name: key, at: now)
        } catch {
            // A key's last use is a note for its owner, not a reason to fail the request it came with.
            touched.update { $0[key] = nil }
        }
    }
}

/// Fixed-window counters in memory, per key: each window admits `limit` requests; beyond it, the seconds until the
/// window ends. Old windows are dropped as new ones start, so the table holds only the current window's callers.
final class RateLimiter: Sendable {
    struct Window {
        var start: Int64
        var count: Int
    }
    let windows = Locked<[String: Window]>([:])

    /// Counts one request; nil when it is admitted, or the seconds to wait.
    func take(_ key: String, limit: Int, window: Int64, now: Int64) -> Int? {
        windows.update { w in
            if w.count > 100_000 { w = w.filter { $0.value.start + window > now } }
            var current = w[key] ?? Window(start: now, count: 0)
            if current.start + window <= now { current = Window(start: now, count: 0) }
            guard current.count < limit else { return Int(max(1, current.start + window - now)) }
            current.count += 1
            w[key] = current
            return nil
        }
    }
}

/// Headers on every answer: the pages load nothing from elsewhere and run no script, so the policy can say so.
enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
}

struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let e as any HTTPResponseError {
            // The router's own 404s, and anything else answered by throwing, get the headers too.
            response = try e.response(from: request, context: context)
        }
        response.headers[.contentSecurityPolicy] = SecurityHeaders.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        if let name = HTTPField.Name("Referrer-Policy") { response.headers[name] = "same-origin" }
        return response
    }
}

/// JSON writes must say they are JSON: a form or `text/plain` body (what a cross-site form can send without a
/// preflight) is refused with 415 before any handler reads it. The XLSX upload takes its own type; an empty body
/// needs none.
struct JSONWritesMiddleware: RouterMiddleware {
    /// The XLSX upload takes a workbook; the web forms take form bodies (with their session's CSRF token).
    static let ownTypes: Set<String> = Set(["POST /api/v1/values/upload"]).union(Session.formRoutes)
    /// Routes that take a file besides JSON; neither type is one a cross-site form can send without a preflight.
    static let fileTypes: [String: [String]] = [
        "POST /api/v1/samples": ["text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"]
    ]

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard request.method == .post || request.method == .put || request.method == .patch, let route = context.endpointPath,
            !Self.ownTypes.contains("\(request.method.rawValue) \(route)")
        else { return try await next(request, context) }
        let type = (request.headers[.contentType] ?? "").lowercased()
        let empty = request.headers[.contentLength] == "0"
        guard
            empty || type.hasPrefix("application/json") || type.hasPrefix("application/merge-patch+json")
                || (Self.fileTypes["\(request.method.rawValue) \(route)"] ?? []).contains(where: { type.hasPrefix($0) })
                || type.hasPrefix("application/json-patch+json") || (type.hasPrefix("application/") && type.contains("+json"))
        else {
            throw Problem(
                status: .unsupportedMediaType,
                detail:
                    "\(request.method.rawValue) \(route) takes JSON: send 'Content-Type: application/json' (got '\(type.isEmpty ? "none" : type)')")
        }
        return try await next(request, context)
    }
}
