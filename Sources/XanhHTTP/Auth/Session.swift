import Foundation
import HTTPTypes
import Hummingbird
import XanhCore
import XanhServices

/// The web session's cookie and the forms' CSRF tokens.
enum Session {
    /// The session cookie: HttpOnly, SameSite=Lax, Secure when the request came over TLS (a proxy says so with
    /// `X-Forwarded-Proto: https`).
    static let cookie = "xanh_session"
    /// The login form's own token (a cookie and a hidden field that must match), so that no other site can log a
    /// browser in to an account of its choosing.
    static let loginCookie = "xanh_login"

    /// Routes whose bodies are HTML forms.
    static let formRoutes: Set<String> = [
        "POST /login", "POST /logout", "POST /account/password", "POST /workspace/alerts/{id}", "POST /workspace/quality/review",
        "POST /workspace/keys", "POST /workspace/keys/revoke", "POST /workspace/reporting/upload", "POST /workspace/reporting/value",
        "POST /workspace/approvals", "POST /workspace/approvals/disasters", "POST /workspace/tasks/progress", "POST /workspace/tasks/report",
        "POST /workspace/consolidation",
        "POST /workspace/users", "POST /workspace/users/state", "POST /workspace/rules",
        "POST /workspace/stations/edit", "POST /workspace/facilities", "POST /workspace/file-names", "POST /workspace/keys/scope",
        "POST /workspace/settings",
    ]

    static func changesState(_ m: HTTPRequest.Method) -> Bool { m == .post || m == .put || m == .patch || m == .delete }

    static func secure(_ request: Request) -> Bool {
        request.uri.scheme == .https || HTTPField.Name("X-Forwarded-Proto").flatMap { request.headers[$0] } == "https"
    }

    static func setCookie(_ name: String, _ value: String, maxAge: Int, request: Request) -> String {
        "\(name)=\(value); Path=/; Max-Age=\(maxAge); HttpOnly; SameSite=Lax" + (secure(request) ? "; Secure" : "")
    }

    /// The CSRF token a write carries: the `X-CSRF-Token` header, or the `csrf` field of a form body, URL-encoded
    /// or multipart (the body is read, bounded, and left in the request for the handler).
    static func csrfToken(in request: inout Request, limit: Int) async throws -> String? {
        if let h = HTTPField.Name("X-CSRF-Token").flatMap({ request.headers[$0] }) { return h }
        let type = request.headers[.contentType] ?? ""
        if let boundary = Multipart.boundary(contentType: type) {
            let body = try await request.collectBody(upTo: limit)
            return (try? Multipart.parse(Data(buffer: body), boundary: boundary))?.first { $0.name == "csrf" }?.text
        }
        guard type.lowercased().hasPrefix("application/x-www-form-urlencoded") else { return nil }
        let body = try await request.collectBody(upTo: limit)
        return Form.parse(String(buffer: body))["csrf"]
    }
}

/// `application/x-www-form-urlencoded` bodies: field names to their last value.
enum Form {
    static func parse(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for f in fields(text, limit: 100) { out[f.name] = f.value }
        return out
    }

    /// Every field in order, repeated names included (a list of checkboxes), at most `limit` of them.
    static func fields(_ text: String, limit: Int) -> [(name: String, value: String)] {
        text.split(separator: "&", omittingEmptySubsequences: true).prefix(limit).map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
        }
    }

    /// Every field of a form body read from a request, bounded (at most 2,000 fields).
    static func readAll(_ request: Request, limit: Int) async throws -> [(name: String, value: String)] {
        var request = request
        let body = try await request.collectBody(upTo: limit)
        return fields(String(buffer: body), limit: 2_000)
    }

    /// A form body read from a request, bounded.
    static func read(_ request: Request, limit: Int) async throws -> [String: String] {
        var request = request
        let body = try await request.collectBody(upTo: limit)
        return parse(String(buffer: body))
    }
}
