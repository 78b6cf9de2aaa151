import ArgumentParser
import Foundation
import XanhCore
import XanhServices
import XanhStore

struct AlertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alert", abstract: "Alert rules and their subscribers.", subcommands: [AddRule.self, Rules.self, Subscribe.self, List.self])

    struct AddRule: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-rule", abstract: "Create an alert rule.")
        @OptionGroup var store: StoreOptions
        @Option var name: String
        @Option(help: "exceedance, aqi, silent or device_error") var kind: String
        @Option(help: "aqi: the VN_AQI at or above which it fires (101, 151, 201, 301).") var aqiAtLeast: Int?
        @Option(help: "device_error: minutes the error must last.") var minutes: Int?
        @Option(help: "Limit to these station codes (repeatable).") var station: [String] = []
        @Option(help: "Limit to these facility ids (repeatable).") var facility: [Int64] = []
        @Option(help: "Limit to these provincial codes (repeatable).") var province: [String] = []

        func run() async throws {
            let db = try await store.open()
            guard let k = AlertRuleKind(rawValue: kind) else {
                throw ValidationError("--kind must be one of \(AlertRuleKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let rule = try await db.createRule(
                AlertRule(
                    name: name, kind: k, scope: AlertScope(stations: station, facilities: facility, provinces: province), aqiAtLeast: aqiAtLeast,
                    minutes: minutes))
            try await db.audited(
                "alert add-rule", entity: "alert-rules", key: String(rule.id ?? 0),
                after: IndicatorJSON.encode(["name": rule.name, "kind": rule.kind.rawValue]))
            print("rule \(rule.id ?? 0): \(rule.name) (\(rule.kind.rawValue))")
        }
    }

    struct Rules: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alert rules.")
        @OptionGroup var store: StoreOptions
        func run() async throws {
            let db = try await store.open()
            for r in try await db.rules() {
                print("\(r.id ?? 0)\t\(r.active ? "active" : "inactive")\t\(r.kind.rawValue)\t\(r.name)")
            }
        }
    }

    struct Subscribe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Deliver a rule's alerts (or every rule's) to a webhook or an e-mail address.")
        @OptionGroup var store: StoreOptions
        @Option(help: "Rule id; omit for every rule.") var rule: Int64?
        @Option(help: "Webhook URL.") var webhook: String?
        @Option(help: "HMAC-SHA256 secret for the webhook signature.") var secret: String?
        @Option(help: "E-mail address.") var email: String?
        @OptionGroup var limitOptions: LimitOptions

        func run() async throws {
            let db = try await store.open()
            guard (webhook == nil) != (email == nil), let target = webhook ?? email else {
                throw ValidationError("give --webhook URL or --email ADDRESS")
            }
            // The same check as the API's: the operator allows private targets with the setting, not by using the CLI.
            if let webhook, let why = WebhookTarget.refusal(webhook, allowPrivate: try limitOptions.resolve().allowPrivateWebhooks) {
                throw ValidationError("\(why) (--limit allow-private-webhooks=true or XANH_ALLOW_PRIVATE_WEBHOOKS=true allows it)")
            }
            let s = try await db.createSubscription(
                Subscription(rule: rule, channel: webhook != nil ? .webhook : .email, target: target, secret: secret))
            try await db.audited(
                "alert subscribe", entity: "subscriptions", key: String(s.id ?? 0),
                after: IndicatorJSON.encode(["channel": s.channel.rawValue, "target": s.target]))
            print("subscription \(s.id ?? 0): \(s.channel.rawValue) \(s.target)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List alerts, newest first.")
        @OptionGroup var store: StoreOptions
        @Flag(help: "Open alerts only.") var open = false
        func run() async throws {
            let db = try await store.open()
            for a in try await db.alerts(openOnly: open, limit: 100) {
                let p = AlertPayload.decode(a.payload)
                print("\(a.id)\t\(a.closedAt == nil ? "open" : "closed")\t\(Timestamps.format(a.openedAt))\t\(p?.messageVi ?? a.subjectKey)")
            }
        }
    }
}

struct QCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "qc", abstract: "Quality control by staff.", subcommands: [Override.self])

    struct Override: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set the QC flag of a series over a time range, with a reason (recorded).")
        @OptionGroup var store: StoreOptions
        @Option var station: String
        @Option var parameter: String
        @Option(help: "ISO 8601 with offset.") var from: String
        @Option(help: "ISO 8601 with offset.") var to: String
        @Option(help: "ok (accept), rejected, calibrating, device_error, …") var flag: String = "rejected"
        @Option var reason: String
        @Option(help: "Who sets it.") var by: String = NSUserName()

        func run() async throws {
            let db = try await store.open()
            guard let f = QCFlag(key: flag) else {
                throw ValidationError("--flag must be one of \(QCFlag.allCases.map(\.key).joined(separator: ", "))")
            }
            let a = try Timestamps.parseISO8601(from)
            let b = try Timestamps.parseISO8601(to)
            guard a <= b, b - a <= QCOverride.maxSpan else { throw ValidationError("--from must be before --to, at most 31 days apart") }
            let o = try await db.addOverride(
                station: station, parameter: parameter,
                QCOverride(from: a, to: b, flag: f, reason: reason, by: by, at: Int64(Date().timeIntervalSince1970)))
            try await db.audited(
                "qc override", entity: "overrides", key: String(o.id),
                after: IndicatorJSON.encode(["station": station, "parameter": parameter, "from": from, "to": to]))
            print("override \(o.id): \(station) \(parameter) \(from) – \(to) → \(f.key); derived again by the running server")
        }
    }
}
