import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// People's side of accounts: the login form, logout, and one's own account (its one-time password changed).
/// Plain HTML forms; each state-changing one carries the session's CSRF token (`PolicyMiddleware` checks it), the
/// login form its own token.
struct AccountController {
    let services: AppServices
    let web: WebController
    var labels: PageLabels { web.labels }

    init(services: AppServices, pages: Pages) {
        self.services = services
        web = WebController(services: services, pages: pages)
    }

    /// `/login` and `/account`.
    struct AccountPage: Sendable {
        var error: String?
        var loginToken: String
        var username: String
        var user: Person?
        var csrf: String
        var changed: Bool
        var mustChange: Bool
    }
    struct Person: Sendable {
        var username: String
        var name: String
        var role: String
        var scope: String
        var lastLogin: String
        var totp: Bool
        /// The workspace pages the role may open (the route policy decides which).
        var links: [Link]
    }

    struct Link: Sendable {
        var href: String
        var label: String
    }

    /// The workspace's pages, in the order the account page lists them, with their labels.
    static let workspacePages: [(path: String, label: String)] = [
        ("/workspace", "workspace"), ("/workspace/alerts", "alertInbox"), ("/workspace/rules", "alertRules"),
        ("/workspace/stations", "stationRegistry"), ("/workspace/facilities", "facilities"), ("/workspace/file-names", "fileNames"),
        ("/workspace/quality", "qcQueue"),
        ("/workspace/reporting", "reporting"), ("/workspace/approvals", "approvals"),
        ("/workspace/tasks", "agencyTasks"), ("/workspace/consolidation", "consolidation"), ("/workspace/leader", "leaderView"),
        ("/workspace/users", "users"), ("/workspace/keys", "keys"), ("/workspace/settings", "settings"),
        ("/workspace/audit", "auditLog"),
    ]

    /// The workspace pages a role may open, as links in a language.
    static func links(_ role: String, _ lang: Language, _ words: [String: String]) -> [Link] {
        guard let r = Role(name: role) else { return [] }
        return workspacePages.compactMap { page in
            guard let p = RoutePolicy.table["GET \(page.path)"], r.may(p) else { return nil }
            return Link(href: "\(page.path)?lang=\(lang.rawValue)", label: words[page.label, default: page.label])
        }
    }

    func register(on router: Router<AppRequestContext>) {
        @Sendable func render(
            _ template: String, _ lang: Language, title: String, path: String, _ page: AccountPage, status: HTTPResponse.Status = .ok
        ) -> Response {
            web.pages.response(template, web.layout(lang, title: title, path: path, page), status: status)
        }
        /// The login form with a fresh token in its cookie and its hidden field.
        @Sendable func loginForm(
            _ request: Request, _ lang: Language, error: String? = nil, username: String = "", status: HTTPResponse.Status = .ok
        ) -> Response {
            let token = AccountService.token()
            var r = render(
                "login", lang, title: labels.page(lang)["login", default: "Login"], path: "/login",
                AccountPage(error: error, loginToken: token, username: username, csrf: "", changed: false, mustChange: false), status: status)
            r.headers[values: .setCookie].append(Session.setCookie(Session.loginCookie, token, maxAge: 3600, request: request))
            return r
        }
        router.get("login") { request, _ in loginForm(request, WebController.language(request)) }
        router.post("login") { request, context in
            let lang = WebController.language(request)
            let form = try await Form.read(request, limit: services.limits.maxBody)
            let username = form["username", default: ""].trimmingCharacters(in: .whitespaces).lowercased()
            func refuse(_ why: String, _ status: HTTPResponse.Status, retryAfter: Int? = nil) -> Response {
                var r = loginForm(request, lang, error: why, username: username, status: status)
                if let retryAfter { r.headers[.retryAfter] = String(retryAfter) }
                return r
            }
            guard let sent = form["login_token"], !sent.isEmpty, sent == request.cookies[Session.loginCookie]?.value else {
                return refuse(labels.page(lang)["loginExpired", default: "The form expired; try again."], .badRequest)
            }
            do {
                let login = try await services.accounts.login(
                    username: username, password: form["password", default: ""], code: form["code"], address: context.address)
                try await services.audit.record(
                    login.user.caller, address: context.address, channel: "web", action: "POST /login", entity: "session", key: username)
                var r = Response(status: .seeOther, headers: [.location: "/account?lang=\(lang.rawValue)"])
                r.headers[values: .setCookie].append(
                    Session.setCookie(Session.cookie, login.token, maxAge: services.limits.sessionSeconds, request: request))
                r.headers[values: .setCookie].append(Session.setCookie(Session.loginCookie, "", maxAge: 0, request: request))
                return r
            } catch let e as AccountRefusal {
                switch e.kind {
                case .throttled(let wait):
                    return refuse(labels.page(lang)["loginThrottled", default: e.reason] + " (\(wait) s)", .tooManyRequests, retryAfter: wait)
                case .forbidden: return refuse(e.reason, .forbidden)
                case .credentials, .invalid: return refuse(labels.page(lang)["loginFailed", default: e.reason], .unauthorized)
                }
            }
        }
        router.post("logout") { request, context in
            if let token = request.cookies[Session.cookie]?.value { try await services.accounts.logout(token: token) }
            if let caller = context.caller {
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /logout", entity: "session", key: caller.name)
            }
            var r = Response(status: .seeOther, headers: [.location: "/"])
            r.headers[values: .setCookie].append(Session.setCookie(Session.cookie, "", maxAge: 0, request: request))
            return r
        }
        router.get("account") { request, context in
            let lang = WebController.language(request)
            return render(
                "account", lang, title: labels.page(lang)["account", default: "Account"], path: "/account",
                try await page(context, lang, changed: request.query("changed") != nil))
        }
        router.post("account/password") { request, context in
            let lang = WebController.language(request)
            let form = try await Form.read(request, limit: services.limits.maxBody)
            guard let caller = context.caller, caller.kind == .user else {
                throw Problem(status: .forbidden, detail: "only a person logged in at /login has a password to change")
            }
            do {
                try await services.accounts.changePassword(
                    username: caller.name, current: form["current", default: ""], new: form["new", default: ""],
                    keeping: context.session?.tokenHash)
            } catch let e as AccountRefusal {
                var p = try await page(context, lang, changed: false)
                p.error = e.reason
                return render(
                    "account", lang, title: labels.page(lang)["account", default: "Account"], path: "/account", p,
                    status: .unprocessableContent)
            }
            try await services.audit.record(
                caller, address: context.address, channel: "web", action: "POST /account/password", entity: "user", key: caller.name,
                after: #"{"password":"changed"}"#)
            return Response(status: .seeOther, headers: [.location: "/account?lang=\(lang.rawValue)&changed=1"])
        }
    }

    /// A scope in the page's words: "Trạm HN-NKT, HN-HK · Đơn vị hành chính 01".
    static func scope(_ s: AccessScope, _ words: PageLabels.Section) -> String {
        let keys = [
            "facility": "scopeFacility", "stations": "scopeStations", "unit": "scopeUnit", "agency": "scopeAgency", "province": "scopeProvince",
        ]
        return s.summary(words: { words[keys[$0] ?? "", default: $0] }, separator: " · ", list: ", ")
    }

    func page(_ context: AppRequestContext, _ lang: Language, changed: Bool) async throws -> AccountPage {
        var person: Person?
        var mustChange = false
        if let caller = context.caller, caller.kind == .user, let u = try await services.store.user(username: caller.name) {
            let words = labels.page(lang)
            person = Person(
                username: u.username, name: u.name, role: words["role_" + u.role, default: u.role], scope: Self.scope(u.scope, words),
                lastLogin: u.lastLoginAt.map { WebController.shortTime($0, lang) + " (+07)" } ?? "—", totp: u.totpSecret != nil,
                links: Self.links(u.role, lang, words))
            mustChange = u.mustChangePassword
        }
        return AccountPage(
            loginToken: "", username: person?.username ?? "", user: person, csrf: context.session?.csrf ?? "", changed: changed,
            mustChange: mustChange)
    }
}
