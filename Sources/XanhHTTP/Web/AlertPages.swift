import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Alerts as people read them — the station's name, what happened in the page's language, local times — on the
/// public `/alerts`, the officer's dashboard, and the workspace's inbox (`/workspace/alerts`) and alert page
/// (`/workspace/alerts/{id}`), where staff acknowledge, assign, comment and close, each action a plain form with the
/// session's CSRF token, audited, and answered 303 back to the alert.
extension WebController {
    /// One alert in the page's words.
    struct AlertLine: Sendable {
        var id: Int64
        var href: String
        var station: WorkspacePage.StationLink
        var kind: String
        var what: String
        /// When the event began (local time), which for an exceedance found late is well before the alert.
        var since: String
        var opened: String
        var age: String
        var closed: String?
        var open: Bool
        /// `new`, `acknowledged` or `closed`, and its words.
        var state: String
        var stateLabel: String
        var assignee: String?
        var closedBy: String?
    }

    /// The alerts' station names and people's names, read once per page.
    struct AlertContext: Sendable {
        var stations: [String: String]
        var people: [String: String]
    }

    /// `stations`: the registry when the caller has read it already.
    func alertContext(stations known: [Station]? = nil) async throws -> AlertContext {
        var stations = known ?? []
        if known == nil { stations = try await services.store.allStations() }
        let people = try await services.store.users()
        return AlertContext(
            stations: Dictionary(stations.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a }),
            people: Dictionary(people.map { ($0.username, $0.name) }, uniquingKeysWith: { a, _ in a }))
    }

    func alertLine(_ a: StoredAlert, _ lang: Language, _ names: AlertContext) -> AlertLine? {
        guard let p = AlertPayload.decode(a.payload) else { return nil }
        let words = labels.page(lang)
        let unit = p.parameter.flatMap { services.reference.parameters.lookup($0)?.unit } ?? ""
        func n(_ v: Double?) -> String { Self.number(v, lang) }
        let what: String
        switch AlertRuleKind(rawValue: p.kind) {
        case .exceedance:
            what = "\(p.parameter ?? "") \(n(p.value)) \(unit) > \(n(p.limit)) (\(p.standard ?? ""))"
        case .aqi:
            what = "VN_AQI \(n(p.value)) (\(words["dominant", default: "dominant"]) \(p.parameter ?? ""))"
        case .silent:
            what = words["alertSilent", default: "No data received"]
        case .deviceError:
            what = "\(p.parameter ?? "") — " + words["device_error", default: "device error"]
        case nil:
            what = lang == .vi ? p.messageVi : p.messageEn
        }
        let state = a.closedAt != nil ? "closed" : a.acknowledgedAt != nil ? "acknowledged" : "new"
        return AlertLine(
            id: a.id, href: "/workspace/alerts/\(a.id)?lang=\(lang.rawValue)",
            station: .init(code: p.station, name: names.stations[p.station] ?? p.station, href: "/stations/\(p.station)?lang=\(lang.rawValue)"),
            kind: words["alertKind_\(p.kind)", default: p.ruleName], what: what,
            since: (try? Timestamps.parseISO8601(p.start)).map { Self.shortTime($0, lang) } ?? p.start, opened: Self.shortTime(a.openedAt, lang),
            age: age(a.openedAt, lang), closed: a.closedAt.map { Self.shortTime($0, lang) }, open: a.closedAt == nil, state: state,
            stateLabel: words["alertState_\(state)", default: state], assignee: a.assignee.map { names.people[$0] ?? $0 },
            closedBy: a.closedBy.map { names.people[$0] ?? $0 })
    }

    /// `/alerts`: open alerts and the latest ones, for everyone.
    func alerts(_ lang: Language) async throws -> WebPage<AlertsPage> {
        let names = try await alertContext()
        let open = try await services.store.alerts(openOnly: true, limit: 500).compactMap { alertLine($0, lang, names) }
        let recent = try await services.store.alerts(openOnly: false, limit: 100).compactMap { alertLine($0, lang, names) }
        return layout(
            lang, title: labels.page(lang)["alerts", default: "alerts"], path: "/alerts",
            AlertsPage(open: open, recent: recent, hasOpen: !open.isEmpty))
    }

    /// `/workspace/alerts`: open alerts and those of the last 7 days, new ones first.
    func alertInbox(_ lang: Language, state: String?) async throws -> WebPage<AlertInboxPage> {
        let names = try await alertContext()
        let since = services.clock() - 7 * Timestamps.day
        var rows = try await services.store.alerts(since: since, limit: 1000).compactMap { alertLine($0, lang, names) }
        if let state, !state.isEmpty { rows = rows.filter { $0.state == state } }
        let order = ["new": 0, "acknowledged": 1, "closed": 2]
        rows.sort { (order[$0.state] ?? 3, -$0.id) < (order[$1.state] ?? 3, -$1.id) }
        let words = labels.page(lang)
        let filters = ["", "new", "acknowledged", "closed"].map { s in
            AlertInboxPage.Filter(
                label: s.isEmpty ? words["all", default: "all"] : words["alertState_\(s)", default: s],
                href: "/workspace/alerts?lang=\(lang.rawValue)" + (s.isEmpty ? "" : "&state=\(s)"), current: s == (state ?? ""))
        }
        return layout(
            lang, title: words["alertInbox", default: "Alerts"], path: "/workspace/alerts",
            AlertInboxPage(rows: rows, hasRows: !rows.isEmpty, filters: filters))
    }

    /// `/workspace/alerts/{id}`: the alert, its history, and the forms its state allows.
    func alertPage(
        _ id: Int64, _ lang: Language, csrf: String, me: String?, error: String? = nil, done: String? = nil
    ) async throws -> WebPage<
        AlertDetailPage
    > {
        let desk = services.alertDesk
        guard let (a, history) = try await desk.alert(id) else { throw Problem(status: .notFound, detail: "no such alert") }
        let names = try await alertContext()
        guard let line = alertLine(a, lang, names) else { throw Problem(status: .notFound, detail: "no such alert") }
        let words = labels.page(lang)
        var entries = [
            AlertDetailPage.Entry(
                at: Self.shortTime(a.openedAt, lang), who: words["alertSystem", default: "Xanh"], what: words["alertOpened", default: "opened"],
                comment: nil)
        ]
        for h in history {
            var what = words["alertAction_\(h.kind.rawValue)", default: h.kind.rawValue]
            if let to = h.assignee { what += " → " + (names.people[to] ?? to) }
            entries.append(.init(at: Self.shortTime(h.at, lang), who: names.people[h.actor] ?? h.actor, what: what, comment: h.comment))
        }
        if let closed = a.closedAt, a.closedBy == nil {
            entries.append(
                .init(
                    at: Self.shortTime(closed, lang), who: words["alertSystem", default: "Xanh"], what: words["alertEnded", default: "ended"],
                    comment: nil))
        }
        let assignees = try await desk.assignees().map {
            AlertDetailPage.Person(username: $0.username, name: $0.name, selected: $0.username == (a.assignee ?? me))
        }
        return layout(
            lang, title: "\(words["alert", default: "Alert"]) #\(id) · \(line.station.name)", path: "/workspace/alerts/\(id)",
            AlertDetailPage(
                alert: line, history: entries, assignees: assignees, csrf: csrf, action: "/workspace/alerts/\(id)?lang=\(lang.rawValue)",
                canAcknowledge: a.closedAt == nil && a.acknowledgedAt == nil, open: a.closedAt == nil, error: error,
                done: done.flatMap { words["alertDone_\($0)"] }, acknowledgedBy: a.acknowledgedBy.map { names.people[$0] ?? $0 },
                acknowledgedAt: a.acknowledgedAt.map { Self.shortTime($0, lang) }))
    }

    func registerAlertPages(on router: Router<AppRequestContext>) {
        router.get("workspace/alerts") { request, context in
            try await htmlErrors(request, context) {
                pages.response("alert-inbox", try await alertInbox(Self.language(request), state: request.query("state")))
            }
        }
        router.get("workspace/alerts/{id}") { request, context in
            try await htmlErrors(request, context) {
                guard let id = Int64(try context.parameters.require("id")) else { throw Problem(status: .notFound, detail: "no such alert") }
                return pages.response(
                    "alert",
                    try await alertPage(
                        id, Self.language(request), csrf: context.session?.csrf ?? "", me: context.caller?.name, done: request.query("done")))
            }
        }
        router.post("workspace/alerts/{id}") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                guard let id = Int64(try context.parameters.require("id")) else { throw Problem(status: .notFound, detail: "no such alert") }
                let form = try await Form.read(request, limit: services.limits.maxBody)
                guard let kind = form["action"].flatMap(AlertActionKind.init(rawValue:)) else {
                    throw Problem(status: .badRequest, detail: "action: must be acknowledge, assign, comment or close")
                }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                let comment = form["comment"].flatMap { $0.isEmpty ? nil : $0 }
                do {
                    guard
                        try await services.alertDesk.act(alert: id, kind: kind, actor: caller.name, assignee: form["assignee"], comment: comment)
                            != nil
                    else { throw Problem(status: .notFound, detail: "no such alert") }
                } catch let r as AlertActionRefusal {
                    let page = try await alertPage(
                        id, lang, csrf: context.session?.csrf ?? "", me: caller.name, error: labels.page(lang)[r.label, default: r.reason])
                    return pages.response("alert", page, status: r.kind == .conflict ? .conflict : .unprocessableContent)
                }
                var after = ["action": kind.rawValue]
                if let comment { after["comment"] = String(comment.prefix(500)) }
                if kind == .assign, let who = form["assignee"] { after["assignee"] = who }
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/alerts/{id}", entity: "alerts", key: String(id),
                    after: IndicatorJSON.encode(after))
                return Response(status: .seeOther, headers: [.location: "/workspace/alerts/\(id)?lang=\(lang.rawValue)&done=\(kind.rawValue)"])
            }
        }
    }
}

/// `/workspace/alerts`.
struct AlertInboxPage: Sendable {
    struct Filter: Sendable {
        var label: String
        var href: String
        var current: Bool
    }
    var rows: [WebController.AlertLine]
    var hasRows: Bool
    var filters: [Filter]
}

/// `/workspace/alerts/{id}`.
struct AlertDetailPage: Sendable {
    struct Entry: Sendable {
        var at: String
        var who: String
        var what: String
        var comment: String?
    }
    struct Person: Sendable {
        var username: String
        var name: String
        var selected: Bool
    }
    var alert: WebController.AlertLine
    var history: [Entry]
    var assignees: [Person]
    var csrf: String
    var action: String
    var canAcknowledge: Bool
    var open: Bool
    var error: String?
    /// What the last action did, in the page's words.
    var done: String?
    var acknowledgedBy: String?
    var acknowledgedAt: String?
}
