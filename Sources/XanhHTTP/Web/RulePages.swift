import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Alert rules and subscriptions in the browser (`/workspace/rules`, the `alerts` permission): the rules with what
/// they watch, where and from what threshold, a form to add one and a button to delete one; the subscriptions (which
/// rule, e-mail or signed webhook, where) and a form to add one. Through `RegistryService`, as the API; audited.
extension WebController {
    func rulesPage(_ lang: Language, csrf: String, error: String? = nil, done: Bool = false) async throws -> WebPage<RulesPage> {
        let words = labels.page(lang)
        let rules = try await services.store.rules().sorted { ($0.active ? 0 : 1, $0.id ?? 0) < ($1.active ? 0 : 1, $1.id ?? 0) }
        let names = Dictionary(rules.compactMap { r in r.id.map { ($0, r.name) } }, uniquingKeysWith: { a, _ in a })
        func list(_ xs: [String]) -> String { xs.isEmpty ? words["all", default: "all"] : xs.joined(separator: ", ") }
        let rows = rules.map { r in
            RulesPage.Rule(
                id: String(r.id ?? 0), name: r.name, kind: words["alertKind_" + r.kind.rawValue, default: r.kind.rawValue],
                stations: list(r.scope.stations), provinces: list(r.scope.provinces),
                threshold: r.aqiAtLeast.map { "VN_AQI ≥ \($0)" } ?? r.minutes.map { "≥ \($0) \(words["minutes", default: "min"])" } ?? "–",
                active: r.active)
        }
        let subscriptions = try await services.store.subscriptions().map { s in
            RulesPage.Subscription(
                rule: s.rule.map { names[$0] ?? "#\($0)" } ?? words["allRules", default: "all"], channel: s.channel.rawValue, target: s.target,
                signed: s.secret != nil)
        }
        let kinds = AlertRuleKind.allCases.map { KeysPage.Option(value: $0.rawValue, label: words["alertKind_" + $0.rawValue, default: $0.rawValue]) }
        return layout(
            lang, title: words["alertRules", default: "Alert rules"], path: "/workspace/rules",
            RulesPage(
                rules: rows, hasRules: !rows.isEmpty, subscriptions: subscriptions, hasSubscriptions: !subscriptions.isEmpty, kinds: kinds,
                ruleOptions: rules.filter(\.active).compactMap { r in r.id.map { KeysPage.Option(value: String($0), label: r.name) } }, csrf: csrf,
                action: "/workspace/rules?lang=\(lang.rawValue)", error: error, done: done ? words["saved", default: "saved"] : nil))
    }

    func registerRulePages(on router: Router<AppRequestContext>) {
        router.get("workspace/rules") { request, context in
            try await htmlErrors(request, context) {
                pages.response(
                    "rules", try await rulesPage(Self.language(request), csrf: context.session?.csrf ?? "", done: request.query("done") != nil))
            }
        }
        router.post("workspace/rules") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let csrf = context.session?.csrf ?? ""
                func field(_ name: String) -> String? {
                    let v = form[name, default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
                    return v.isEmpty ? nil : String(v.prefix(500))
                }
                func codes(_ name: String) -> [String] {
                    (field(name) ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }.prefix(200).map {
                        $0
                    }
                }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                let refused = { (message: String) async throws -> Response in
                    pages.response("rules", try await rulesPage(lang, csrf: csrf, error: message), status: .unprocessableContent)
                }
                let entity: String
                let key: String
                let after: String
                switch form["action"] {
                case "create-rule":
                    guard let kind = field("kind").flatMap(AlertRuleKind.init(rawValue:)) else {
                        return try await refused("/kind: \(AlertRuleKind.allCases.map(\.rawValue))")
                    }
                    let rule = AlertRule(
                        name: field("name") ?? "", kind: kind, scope: AlertScope(stations: codes("stations"), provinces: codes("provinces")),
                        aqiAtLeast: kind == .aqi ? field("aqi").flatMap { Int($0) } : nil,
                        minutes: kind == .deviceError ? field("minutes").flatMap { Int($0) } : nil)
                    let made: AlertRule
                    do { made = try await services.registry.createRule(rule) } catch StoreError.invalid(let problems) {
                        return try await refused(problems.map { "\($0.field): \($0.message)" }.joined(separator: "; "))
                    }
                    (entity, key, after) = ("alert-rule", String(made.id ?? 0), IndicatorJSON.encode(["name": made.name, "kind": kind.rawValue]))
                case "delete-rule":
                    // A rule is deactivated, not erased: the alerts it raised keep their rule.
                    guard let id = field("id").flatMap({ Int64($0) }), try await services.store.rules().contains(where: { $0.id == id && $0.active })
                    else {
                        throw Problem(status: .notFound, detail: "no active rule \(field("id")?.prefix(20) ?? "")")
                    }
                    try await services.store.deleteRule(id: id)
                    (entity, key, after) = ("alert-rule", String(id), #"{"deleted":true}"#)
                case "create-subscription":
                    let sub: Subscription
                    do {
                        sub = try RegistryService.subscription(
                            rule: field("rule").flatMap { Int64($0) }, channel: field("channel"), target: field("target"), secret: field("secret"),
                            allowPrivate: services.limits.allowPrivateWebhooks)
                    } catch let e as InputError { return try await refused(e.message) }
                    let made = try await services.store.createSubscription(sub)
                    (entity, key, after) = (
                        "subscription", String(made.id ?? 0), IndicatorJSON.encode(["channel": made.channel.rawValue, "target": made.target])
                    )
                default:
                    throw Problem(status: .badRequest, detail: "action must be create-rule, delete-rule or create-subscription", pointer: "/action")
                }
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/rules", entity: entity, key: key, after: after)
                return Response(status: .seeOther, headers: [.location: "/workspace/rules?lang=\(lang.rawValue)&done=1"])
            }
        }
    }
}

/// `/workspace/rules`.
struct RulesPage: Sendable {
    struct Rule: Sendable {
        var id, name, kind, stations, provinces, threshold: String
        var active: Bool
    }
    struct Subscription: Sendable {
        var rule, channel, target: String
        var signed: Bool
    }
    var rules: [Rule]
    var hasRules: Bool
    var subscriptions: [Subscription]
    var hasSubscriptions: Bool
    var kinds: [KeysPage.Option]
    var ruleOptions: [KeysPage.Option]
    var csrf, action: String
    var error, done: String?
}
