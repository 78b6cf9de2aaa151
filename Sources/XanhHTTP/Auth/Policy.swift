import Foundation
import HTTPTypes
import Hummingbird
import XanhCore
import XanhStore

/// The one policy: every route the router serves, by method and path pattern, to the permission it needs. The
/// `PolicyMiddleware` decides with it before any handler runs; a route missing from it is refused (and
/// `PolicyTests` fails naming it). Roles and the permissions they hold are `XanhCore.Role`.
public enum RoutePolicy {
    public static let table: [String: Permission] = [
        "GET /health": .publicRead, "GET /metrics": .publicRead, "GET /openapi.json": .publicRead,
        "GET /": .publicRead, "GET /stations/{code}": .publicRead, "GET /alerts": .publicRead, "GET /indicators": .publicRead,
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
        "GET /sta/v1.1": .publicRead, "GET /sta/v1.1/**": .publicRead,
        // SensorThings writes: see `sensorThings(_:)`.
        "POST /sta/v1.1/**": .registry, "PATCH /sta/v1.1/**": .registry, "PUT /sta/v1.1/**": .registry, "DELETE /sta/v1.1/**": .registry,
        "GET /api/v1/units": .publicRead, "GET /api/v1/units/{id}/boundary": .publicRead,
        "GET /api/v1/indicators": .publicRead, "GET /api/v1/indicators/{code}": .publicRead, "PUT /api/v1/indicators/{code}": .catalogue,
        "POST /api/v1/indicators/compute": .approve,
        "GET /api/v1/values": .publicRead, "POST /api/v1/values": .report,
        "POST /api/v1/values/submit": .report, "POST /api/v1/values/approve": .approve, "POST /api/v1/values/reopen": .approve,
        "GET /api/v1/values/history": .publicRead, "GET /api/v1/values/template": .publicRead, "POST /api/v1/values/upload": .report,
        "GET /api/v1/aggregates": .publicRead,
        "GET /api/v1/targets": .publicRead, "POST /api/v1/targets": .catalogue, "GET /api/v1/targets/progress": .publicRead,
        "GET /api/v1/index": .publicRead, "GET /api/v1/index/{id}/scores": .publicRead,
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

/// Decides every request with `RoutePolicy` before its handler: credentials, when sent, must be valid (401
/// otherwise, even on public routes, so a revoked key learns it at once); a route that needs more than public
/// access needs a key whose role holds the permission (401 without one, 403 naming what is missing). The caller is
/// left in the context for the handlers' scope checks.
struct PolicyMiddleware: RouterMiddleware {
    let store: any KeyStore

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        // The router names the matched route before its middleware run; a path it does not serve has none yet and
        // goes on to the not-found responder (404).
        guard let route = context.endpointPath, route != "NotFound" else { return try await next(request, context) }
        guard let need = RoutePolicy.permission(method: request.method, route: route, path: request.uri.path) else {
            throw Problem(status: .forbidden, detail: "no access policy covers \(request.method.rawValue) \(route); refused")
        }
        var context = context
        if let header = request.headers[.authorization] {
            guard let key = APIKeys.key(from: header), let caller = try await store.apiKey(hash: APIKeys.hash(key)) else {
                throw Problem(status: .unauthorized, detail: "the credentials sent are not valid, or the key has been revoked")
            }
            context.caller = caller
        }
        if need == .publicRead { return try await next(request, context) }
        guard let caller = context.caller else {
            throw Problem(
                status: .unauthorized,
                detail:
                    "\(request.method.rawValue) \(route) needs an API key with the '\(need.rawValue)' permission: send 'Authorization: Bearer <key>', or the key as the password of HTTP Basic authentication (create one with 'xanh key create --name NAME --role ROLE')"
            )
        }
        guard let role = Role(name: caller.role), role.may(need) else {
            throw Problem(
                status: .forbidden,
                detail:
                    "the key '\(caller.name)' has the role '\(caller.role)', which does not hold the '\(need.rawValue)' permission that \(request.method.rawValue) \(route) needs"
            )
        }
        return try await next(request, context)
    }
}

/// Headers on every answer: the pages load nothing from elsewhere and run no script, so the policy can say so.
enum SecurityHeaders {
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
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
    static let ownTypes: Set<String> = ["POST /api/v1/values/upload"]

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
