import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Administration in the browser: machine keys (`/workspace/keys`: create — shown once — with a station group,
/// list with last use, change the station group, revoke; the `admin` permission; a data logger's FTP account is
/// named like its key, so the group bounds its files too) and the audit log (`/workspace/audit`: filters by person, entity and dates, CSV
/// and XLSX through the API; the `audit` permission). Every change is audited, as `xanh key` does.
extension WebController {
    func keysPage(
        _ lang: Language, csrf: String, newKey: (name: String, key: String)? = nil, error: String? = nil
    ) async throws -> WebPage<
        KeysPage
    > {
        let words = labels.page(lang)
        let keys = try await services.store.apiKeys().sorted { ($0.revoked ? 1 : 0, $0.key.name) < ($1.revoked ? 1 : 0, $1.key.name) }
        let facilities =
            [KeysPage.Option(value: "", label: "—")]
            + (try await services.store.facilities(after: nil, limit: 10_000)).compactMap { f in
                f.id.map { KeysPage.Option(value: String($0), label: f.name) }
            }
        let rows = keys.map { k in
            KeysPage.Row(
                name: k.key.name, role: words["role_" + k.key.role, default: k.key.role],
                scope: AccountController.scope(k.key.scope, words), created: Self.shortTime(k.createdAt, lang),
                lastUsed: k.lastUsedAt.map { Self.shortTime($0, lang) } ?? words["never", default: "never"], revoked: k.revoked,
                revokeAction: "/workspace/keys/revoke?lang=\(lang.rawValue)", scopeAction: "/workspace/keys/scope?lang=\(lang.rawValue)",
                stations: k.key.scope.stations.joined(separator: ", "),
                facilities: facilities.map {
                    KeysPage.Option(value: $0.value, label: $0.label, selected: $0.value == k.key.scope.facility.map(String.init))
                })
        }
        let roles = Self.roleOptions(words)
        return layout(
            lang, title: words["keys", default: "API keys"], path: "/workspace/keys",
            KeysPage(
                rows: rows, roles: roles, facilities: facilities, csrf: csrf, action: "/workspace/keys?lang=\(lang.rawValue)",
                newKeyName: newKey?.name,
                newKey: newKey?.key, error: error))
    }

    /// The roles for a form's choice, the most powerful last, so it is never the one chosen by default.
    static func roleOptions(_ words: [String: String]) -> [KeysPage.Option] {
        (Role.allCases.filter { $0 != .admin } + [.admin]).map {
            KeysPage.Option(value: $0.rawValue, label: words["role_" + $0.rawValue, default: $0.rawValue])
        }
    }

    /// A page holding a secret shown this once (a key, a one-time password): not cached, not revalidated.
    static func shownOnce(_ response: Response) -> Response {
        var r = response
        r.headers[.cacheControl] = "no-store"
        r.headers[.eTag] = nil
        return r
    }

    func auditPage(_ lang: Language, _ request: Request) async throws -> WebPage<AuditPage> {
        let words = labels.page(lang)
        func field(_ name: String) -> String? { request.query(name).flatMap { $0.isEmpty ? nil : String($0.prefix(100)) } }
        let (actor, entity, from, to) = (field("actor"), field("entity"), field("from"), field("to"))
        let filter = AuditFilter(
            actor: actor, entity: entity, from: try request.timeQuery("from"),
            // A date "to" means the whole of that day.
            to: try request.timeQuery("to").map { t in to?.count == 10 ? t + Timestamps.day - 1 : t })
        let entries = try await services.store.auditEntries(filter, beforeSeq: nil, limit: 200)
        var query: [String] = []
        for (k, v) in [("actor", actor), ("entity", entity), ("from", from), ("to", to)] {
            if let v { query.append("\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? v)") }
        }
        let suffix = query.isEmpty ? "" : "&" + query.joined(separator: "&")
        return layout(
            lang, title: words["auditLog", default: "Audit log"], path: "/workspace/audit",
            AuditPage(
                rows: entries.map {
                    AuditPage.Row(
                        seq: String($0.seq), at: Self.shortTime($0.at, lang), actor: $0.actor, role: words["role_" + $0.role, default: $0.role],
                        channel: $0.channel, action: $0.action, entity: $0.entity, key: $0.entityKey,
                        after: String(($0.after ?? "").prefix(160)))
                }, hasRows: !entries.isEmpty, actor: actor ?? "", entity: entity ?? "", from: from ?? "", to: to ?? "",
                csv: "/api/v1/audit?format=csv\(suffix)", xlsx: "/api/v1/audit?format=xlsx\(suffix)"))
    }

    func registerAdminPages(on router: Router<AppRequestContext>) {
        router.get("workspace/keys") { request, context in
            try await htmlErrors(request, context) {
                pages.response("keys", try await keysPage(Self.language(request), csrf: context.session?.csrf ?? ""))
            }
        }
        router.post("workspace/keys") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let name = form["name", default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
                let csrf = context.session?.csrf ?? ""
                let words = labels.page(lang)
                guard let role = form["role"].flatMap(Role.init(rawValue:)) else {
                    return pages.response(
                        "keys", try await keysPage(lang, csrf: csrf, error: words["keyRoleNeeded"]), status: .unprocessableContent)
                }
                let scope = Self.scope(from: form)
                if let problem = try await scopeProblem(scope, words) {
                    return pages.response("keys", try await keysPage(lang, csrf: csrf, error: problem), status: .unprocessableContent)
                }
                let key: String
                do {
                    key = try await services.keys.create(name: name, role: role, scope: scope)
                } catch is AccountRefusal {
                    return pages.response("keys", try await keysPage(lang, csrf: csrf, error: words["keyNameBad"]), status: .unprocessableContent)
                } catch StoreError.conflict {
                    return pages.response("keys", try await keysPage(lang, csrf: csrf, error: words["keyNameTaken"]), status: .conflict)
                }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/keys", entity: "key", key: name,
                    after: IndicatorJSON.encode(["role": role.rawValue, "scope": scope.summary()]))
                // The key is on this answer only: not cached, not kept.
                return Self.shownOnce(pages.response("keys", try await keysPage(lang, csrf: csrf, newKey: (name, key)), status: .created))
            }
        }
        router.post("workspace/keys/revoke") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let name = form["name", default: ""]
                guard try await services.store.apiKeys().contains(where: { $0.key.name == name && !$0.revoked }) else {
                    throw Problem(status: .notFound, detail: "no active key named '\(name)'")
                }
                try await services.store.revokeAPIKey(name: name)
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/keys/revoke", entity: "key", key: name,
                    after: #"{"revoked":true}"#)
                return Response(status: .seeOther, headers: [.location: "/workspace/keys?lang=\(lang.rawValue)"])
            }
        }
        // A key's station group: the facility and stations it (and the FTP account named like it) may send for.
        router.post("workspace/keys/scope") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let name = form["name", default: ""]
                guard let key = try await services.store.apiKeys().first(where: { $0.key.name == name && !$0.revoked }) else {
                    throw Problem(status: .notFound, detail: "no active key named '\(name.prefix(64))'")
                }
                var scope = key.key.scope
                let group = Self.scope(from: form)
                scope.facility = group.facility
                scope.stations = group.stations
                if let problem = try await scopeProblem(scope, labels.page(lang)) {
                    return pages.response(
                        "keys", try await keysPage(lang, csrf: context.session?.csrf ?? "", error: problem), status: .unprocessableContent)
                }
                try await services.store.setAPIKeyScope(name: name, scope: scope)
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/keys/scope", entity: "key", key: name,
                    before: IndicatorJSON.encode(["scope": key.key.scope.summary()]), after: IndicatorJSON.encode(["scope": scope.summary()]))
                return Response(status: .seeOther, headers: [.location: "/workspace/keys?lang=\(lang.rawValue)"])
            }
        }
        router.get("workspace/audit") { request, context in
            try await htmlErrors(request, context) { pages.response("audit", try await auditPage(Self.language(request), request)) }
        }
    }
}

/// `/workspace/keys`.
struct KeysPage: Sendable {
    struct Row: Sendable {
        var name: String
        var role: String
        var scope: String
        var created: String
        var lastUsed: String
        var revoked: Bool
        var revokeAction: String
        /// The station group's form: the key's stations and facility.
        var scopeAction: String
        var stations: String
        var facilities: [Option]
    }
    struct Option: Sendable {
        var value: String
        var label: String
        var selected = false
    }
    var rows: [Row]
    var roles: [Option]
    var facilities: [Option]
    var csrf: String
    var action: String
    var newKeyName: String?
    /// The key just made, shown this once.
    var newKey: String?
    var error: String?
}

/// `/workspace/audit`.
struct AuditPage: Sendable {
    struct Row: Sendable {
        var seq: String
        var at: String
        var actor: String
        var role: String
        var channel: String
        var action: String
        var entity: String
        var key: String
        var after: String
    }
    var rows: [Row]
    var hasRows: Bool
    var actor: String
    var entity: String
    var from: String
    var to: String
    var csv: String
    var xlsx: String
}
