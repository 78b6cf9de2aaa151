import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// People in the browser (`/workspace/users`, the `admin` permission): each account with role, scope, last login and
/// state; a form adds one (its one-time password shown once, as `xanh user add` prints it); each can be disabled or
/// enabled, or given a new one-time password. Through `AccountService` and the store calls the CLI uses; every change
/// is audited.
extension WebController {
    func usersPage(
        _ lang: Language, csrf: String, oneTime: (username: String, password: String)? = nil, error: String? = nil
    ) async throws -> WebPage<UsersPage> {
        let words = labels.page(lang)
        let users = try await services.store.users().sorted { ($0.disabled ? 1 : 0, $0.username) < ($1.disabled ? 1 : 0, $1.username) }
        let rows = users.map { u in
            UsersPage.Row(
                username: u.username, name: u.name, role: words["role_" + u.role, default: u.role], scope: AccountController.scope(u.scope, words),
                lastLogin: u.lastLoginAt.map { Self.shortTime($0, lang) } ?? words["never", default: "never"], disabled: u.disabled,
                action: "/workspace/users/state?lang=\(lang.rawValue)")
        }
        let roles = Self.roleOptions(words)
        let agencies = try await services.plans.agencies().sorted { $0.name < $1.name }.map { KeysPage.Option(value: $0.id, label: $0.name) }
        return layout(
            lang, title: words["users", default: "Users"], path: "/workspace/users",
            UsersPage(
                rows: rows, roles: roles, agencies: agencies, csrf: csrf, action: "/workspace/users?lang=\(lang.rawValue)",
                newUser: oneTime?.username, oneTime: oneTime?.password, error: error))
    }

    /// A holder's scope from a form's fields (`facility`, `stations` as codes with commas, `unit`, `agency`).
    static func scope(from form: [String: String]) -> AccessScope {
        func field(_ name: String) -> String? {
            let v = form[name, default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
            return v.isEmpty ? nil : String(v.prefix(200))
        }
        let stations = (form["stations"] ?? "").split(separator: ",").prefix(500).map { String($0.trimmingCharacters(in: .whitespaces).prefix(64)) }
            .filter { !$0.isEmpty }
        return AccessScope(facility: field("facility").flatMap { Int64($0) }, stations: stations, unit: field("unit"), agency: field("agency"))
    }

    /// What in a scope names nothing that exists (the page's sentence), or nil.
    func scopeProblem(_ scope: AccessScope, _ words: PageLabels.Section) async throws -> String? {
        if let agency = scope.agency, try await !services.plans.agencies().contains(where: { $0.id == agency }) { return words["agencyUnknown"] }
        if let unit = scope.unit, try await services.indicators.hierarchy().units[unit] == nil { return words["unitUnknown"] }
        if let facility = scope.facility, try await services.store.facility(id: facility) == nil {
            return words["facilityUnknown", default: "unknown facility"]
        }
        if !scope.stations.isEmpty {
            let known = Set(try await services.store.allStations().map(\.code))
            let unknown = scope.stations.filter { !known.contains($0) }
            if !unknown.isEmpty { return "\(words["stationsUnknown", default: "unknown stations:"]) \(unknown.prefix(10).joined(separator: ", "))" }
        }
        return nil
    }

    func registerUserPages(on router: Router<AppRequestContext>) {
        router.get("workspace/users") { request, context in
            try await htmlErrors(request, context) {
                pages.response("users", try await usersPage(Self.language(request), csrf: context.session?.csrf ?? ""))
            }
        }
        router.post("workspace/users") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let csrf = context.session?.csrf ?? ""
                let words = labels.page(lang)
                func field(_ name: String) -> String? {
                    let v = form[name, default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
                    return v.isEmpty ? nil : String(v.prefix(200))
                }
                guard let role = field("role").flatMap(Role.init(rawValue:)) else {
                    return pages.response(
                        "users", try await usersPage(lang, csrf: csrf, error: words["keyRoleNeeded"]), status: .unprocessableContent)
                }
                let scope = Self.scope(from: form)
                if let problem = try await scopeProblem(scope, words) {
                    return pages.response("users", try await usersPage(lang, csrf: csrf, error: problem), status: .unprocessableContent)
                }
                let username = field("username") ?? ""
                let made: (UserRecord, String?)
                do {
                    made = try await services.accounts.addUser(username: username, name: field("name") ?? "", role: role, scope: scope, password: nil)
                } catch let refusal as AccountRefusal {
                    return pages.response(
                        "users", try await usersPage(lang, csrf: csrf, error: "\(words["userRefused", default: ""]) \(refusal.reason)"),
                        status: .unprocessableContent)
                }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/users", entity: "user", key: username,
                    after: IndicatorJSON.encode(["role": role.rawValue, "scope": scope.summary()]))
                return Self.shownOnce(
                    pages.response("users", try await usersPage(lang, csrf: csrf, oneTime: (username, made.1 ?? "")), status: .created))
            }
        }
        router.post("workspace/users/state") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let username = form["username", default: ""]
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                guard try await services.store.users().contains(where: { $0.username == username }) else {
                    throw Problem(status: .notFound, detail: "no account named '\(username.prefix(64))'")
                }
                switch form["action"] {
                case "disable", "enable":
                    let disabled = form["action"] == "disable"
                    guard !(disabled && username == caller.name) else {
                        throw Problem(status: .conflict, detail: "an administrator does not disable their own account")
                    }
                    try await services.store.setUserDisabled(username: username, disabled: disabled)
                    try await services.audit.record(
                        caller, address: context.address, channel: "web", action: "POST /workspace/users/state", entity: "user", key: username,
                        after: #"{"disabled":\#(disabled)}"#)
                    return Response(status: .seeOther, headers: [.location: "/workspace/users?lang=\(lang.rawValue)"])
                case "reset-password":
                    let oneTime = try await services.accounts.resetPassword(username: username)
                    try await services.audit.record(
                        caller, address: context.address, channel: "web", action: "POST /workspace/users/state", entity: "user", key: username,
                        after: #"{"password":"one-time"}"#)
                    return Self.shownOnce(
                        pages.response("users", try await usersPage(lang, csrf: context.session?.csrf ?? "", oneTime: (username, oneTime))))
                default:
                    throw Problem(status: .badRequest, detail: "action must be disable, enable or reset-password", pointer: "/action")
                }
            }
        }
    }
}

/// `/workspace/users`.
struct UsersPage: Sendable {
    struct Row: Sendable {
        var username, name, role, scope, lastLogin: String
        var disabled: Bool
        var action: String
    }
    var rows: [Row]
    var roles: [KeysPage.Option]
    var agencies: [KeysPage.Option]
    var csrf, action: String
    var newUser: String?
    /// The one-time password just made, shown this once.
    var oneTime: String?
    var error: String?
}
