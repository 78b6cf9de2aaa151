import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle
import XanhCore
import XanhServices
import XanhStore

/// Alert rules, subscriptions, alerts, and the Server-Sent Events stream.
struct AlertController {
    let services: AppServices
    /// Longest wait between reads of the alert log by an open stream; alerts raised in this process wake it at once,
    /// the poll catches those written by another process.
    let streamPoll: Double

    struct SubscriptionBody: Decodable {
        var rule: Int64?
        var channel: String?
        var target: String?
        var secret: String?
    }

    struct ActionBody: Decodable {
        var action: String?
        var assignee: String?
        var comment: String?
    }

    /// An alert as the API gives it; with its handling and history when `history` is given (staff's view).
    static func write(_ a: StoredAlert, to w: inout JSONWriter, history: [AlertActionRecord]?) {
        w.beginObject()
        w.key("id")
        w.number(Int(a.id))
        w.key("rule")
        w.number(Int(a.rule))
        w.key("open")
        w.bool(a.closedAt == nil)
        w.key("openedAt")
        w.time(a.openedAt)
        if let c = a.closedAt {
            w.key("closedAt")
            w.time(c)
        }
        w.key("acknowledged")
        w.bool(a.acknowledgedAt != nil)
        if let history {
            let handling: [(StaticString, String?)] = [("acknowledgedBy", a.acknowledgedBy), ("assignee", a.assignee), ("closedBy", a.closedBy)]
            for (k, v) in handling {
                guard let v else { continue }
                w.key(k)
                w.string(v)
            }
            if let t = a.acknowledgedAt {
                w.key("acknowledgedAt")
                w.time(t)
            }
            w.key("history")
            w.beginArray()
            for h in history {
                w.beginObject()
                w.key("action")
                w.string(h.kind.rawValue)
                w.key("by")
                w.string(h.actor)
                w.key("at")
                w.time(h.at)
                let fields: [(StaticString, String?)] = [("assignee", h.assignee), ("comment", h.comment)]
                for (k, v) in fields {
                    guard let v else { continue }
                    w.key(k)
                    w.string(v)
                }
                w.endObject()
            }
            w.endArray()
        }
        w.key("alert")
        w.raw(a.payload)
        w.endObject()
    }

    struct SubscriptionView: Encodable {
        var id: Int64?
        var rule: Int64?
        var channel: String
        var target: String
        var signed: Bool
        init(_ s: Subscription) {
            id = s.id
            rule = s.rule
            channel = s.channel.rawValue
            target = s.target
            signed = s.secret != nil
        }
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("alert-rules") { _, _ in try JSON.response(Page(items: try await services.store.rules(), next: nil)) }
        api.post("alert-rules") { request, context in
            let rule = try await JSON.decode(AlertRule.self, from: request, context)
            return try JSON.response(try await services.store.createRule(rule), status: .created)
        }
        api.delete("alert-rules/{id}") { _, context in
            guard let id = Int64(try context.parameters.require("id")) else { throw Problem(status: .notFound, detail: "no such rule") }
            try await services.store.deleteRule(id: id)
            return Response(status: .noContent)
        }
        api.get("subscriptions") { _, _ in
            try JSON.response(Page(items: try await services.store.subscriptions().map(SubscriptionView.init), next: nil))
        }
        api.post("subscriptions") { request, context in
            let b = try await JSON.decode(SubscriptionBody.self, from: request, context)
            let sub: Subscription
            do {
                sub = try RegistryService.subscription(
                    rule: b.rule, channel: b.channel, target: b.target, secret: b.secret, allowPrivate: services.limits.allowPrivateWebhooks)
            } catch let e as InputError {
                throw Problem(status: .unprocessableContent, detail: e.message, pointer: e.pointer)
            }
            let s = try await services.store.createSubscription(sub)
            return try JSON.response(SubscriptionView(s), status: .created)
        }
        api.get("alerts") { request, _ in
            let openOnly = request.query("open") == "true"
            let limit = try request.intQuery("limit", default: 100, range: 1...1000)
            let items = try await services.store.alerts(openOnly: openOnly, limit: limit)
            return JSONWriter.page(items, next: nil) { w, a in Self.write(a, to: &w, history: nil) }
        }
        // One alert with its handling and history (who acknowledged, assigned, commented, closed): staff only.
        api.get("alerts/{id}") { _, context in
            guard let id = Int64(try context.parameters.require("id")), let (a, history) = try await services.alertDesk.alert(id) else {
                throw Problem(status: .notFound, detail: "no such alert")
            }
            var w = JSONWriter()
            Self.write(a, to: &w, history: history)
            return w.response
        }
        api.post("alerts/{id}/actions") { request, context in
            guard let id = Int64(try context.parameters.require("id")) else { throw Problem(status: .notFound, detail: "no such alert") }
            let b = try await JSON.decode(ActionBody.self, from: request, context)
            guard let kind = b.action.flatMap(AlertActionKind.init(rawValue:)) else {
                throw Problem(
                    status: .unprocessableContent,
                    detail: "/action: must be one of \(AlertActionKind.allCases.map(\.rawValue).joined(separator: ", "))",
                    pointer: "/action")
            }
            let actor = context.caller?.name ?? "anonymous"
            do {
                guard try await services.alertDesk.act(alert: id, kind: kind, actor: actor, assignee: b.assignee, comment: b.comment) != nil,
                    let (a, history) = try await services.alertDesk.alert(id)
                else { throw Problem(status: .notFound, detail: "no such alert") }
                var w = JSONWriter()
                Self.write(a, to: &w, history: history)
                return w.response
            } catch let r as AlertActionRefusal {
                throw Problem(
                    status: r.kind == .conflict ? .conflict : .unprocessableContent, detail: (r.field.map { "/\($0): " } ?? "") + r.reason,
                    pointer: r.field.map { "/\($0)" })
            }
        }
        // Server-Sent Events: each alert opening or closing as `event: opened|closed`, `id: <log seq>`, `data: <JSON>`.
        // A client that reconnects with `Last-Event-ID` (or `?after=SEQ`) gets what it missed.
        api.get("alerts/stream") { request, _ in
            let resume =
                HTTPField.Name("Last-Event-ID").flatMap { request.headers[$0] }.flatMap { Int64($0) } ?? request.query("after").flatMap { Int64($0) }
            var from = resume ?? 0
            if resume == nil { from = try await services.store.latestAlertSeq() }
            let start = from
            let store = services.store
            let poll = streamPoll
            let wakeup = services.alertWakeup
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"],
                body: ResponseBody { writer in
                    var seq = start
                    var idle = 0.0
                    try await writer.write(ByteBuffer(string: ": xanh alerts\nretry: 2000\n\n"))
                    // Ends when the client goes (a write fails), or when the server shuts down.
                    while !Task.isCancelled && !Task.isShuttingDownGracefully {
                        let entries = try await store.alertLog(afterSeq: seq, limit: 100)
                        for e in entries {
                            try await writer.write(ByteBuffer(string: "id: \(e.seq)\nevent: \(e.event)\ndata: \(e.payload)\n\n"))
                            seq = e.seq
                        }
                        if entries.isEmpty {
                            idle += poll
                            if idle >= 15 {
                                try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                                idle = 0
                            }
                            await wakeup.wait(seconds: poll)
                        }
                    }
                    try await writer.finish(nil)
                })
        }
    }
}
