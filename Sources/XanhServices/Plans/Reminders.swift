import Foundation
import Logging
import XanhCore
import XanhStore

/// Reminders of reports coming due and escalation of overdue ones, as one e-mail digest per person (an agency's
/// address) per day, sent through the alert delivery's SMTP relay (decision 0016). A report open or sent back is in
/// its reporters' digest from `reminder-days-before` working days before its due day through the due day; once
/// overdue it is in the digest of the reporters and of the recipient agency, every day until it is submitted.
public struct Reminders: Sendable {
    public enum Kind: String, Sendable, Codable { case comingDue = "coming_due", dueToday = "due_today", overdue }

    public struct Item: Sendable, Equatable {
        public var report: ReportView
        public var kind: Kind
        /// Working days to the due day (negative once overdue).
        public var days: Int
    }

    public struct Digest: Sendable, Equatable {
        public var recipient: String
        public var day: CivilDate
        public var items: [Item]

        public var subject: String {
            let overdue = items.filter { $0.kind == .overdue }.count
            return "[Xanh] Nhắc hạn báo cáo: \(items.count) báo cáo" + (overdue > 0 ? ", \(overdue) quá hạn" : "") + " / Report reminders"
        }

        public var body: String {
            var lines = ["Hệ thống Xanh nhắc các báo cáo sau (ngày \(day.vietnamese)):", ""]
            for i in items {
                let when: String
                switch i.kind {
                case .comingDue: when = "còn \(i.days) ngày làm việc, hạn \(i.report.report.due?.vietnamese ?? "")"
                case .dueToday: when = "hạn hôm nay"
                case .overdue: when = "QUÁ HẠN \(-i.days) ngày làm việc (hạn \(i.report.report.due?.vietnamese ?? ""))"
                }
                lines.append("- \(i.report.obligationName), kỳ \(i.report.report.period), \(i.report.report.agency): \(when)")
            }
            lines += ["", "Xanh reminds you of these reports:"]
            for i in items {
                lines.append(
                    "- \(i.report.report.id): \(i.kind.rawValue.replacingOccurrences(of: "_", with: " ")), due \(i.report.report.due?.description ?? "")"
                )
            }
            return lines.joined(separator: "\r\n")
        }
    }

    let services: AppServices
    let smtp: SMTPConfig?
    let logger: Logger

    public init(services: AppServices, smtp: SMTPConfig?, logger: Logger = Logger(label: "xanh.reminders")) {
        self.services = services
        self.smtp = smtp
        self.logger = logger
    }

    /// Today's digests, one per address.
    public func digests(today: CivilDate) async throws -> [Digest] {
        let plans = services.plans
        let calendar = plans.calendar
        let before = max(0, services.limits.reminderDaysBefore)
        let agencies = Dictionary(try await plans.agencies().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var byAddress: [String: [Item]] = [:]
        for r in try await plans.reports(caller: nil) where r.report.stage == .open || r.report.stage == .sentBack {
            guard let due = r.report.due, today >= r.periodLast || r.report.stage == .sentBack else { continue }
            let days = calendar.workingDays(from: today, to: due)
            let kind: Kind
            if today > due {
                kind = .overdue
            } else if today == due {
                kind = .dueToday
            } else if days <= before {
                kind = .comingDue
            } else {
                continue
            }
            var to = agencies[r.report.agency]?.emails ?? []
            if kind == .overdue { to += agencies[r.recipient]?.emails ?? [] }
            for address in Set(to.map { $0.lowercased() }) { byAddress[address, default: []].append(Item(report: r, kind: kind, days: days)) }
        }
        return byAddress.keys.sorted().map { Digest(recipient: $0, day: today, items: byAddress[$0] ?? []) }
    }

    /// Sends today's digests not yet sent; a digest that fails is given back for the next pass.
    @discardableResult public func send(today: CivilDate? = nil) async throws -> (sent: Int, failed: Int) {
        let day = today ?? services.plans.today
        guard let smtp else { return (0, 0) }
        var sent = 0
        var failed = 0
        for d in try await digests(today: day) {
            guard try await services.store.claimReminder(recipient: d.recipient, day: day.description, at: services.clock()) else { continue }
            let (subject, body, to) = (d.subject, d.body, d.recipient)
            let ok = await Task.detached { () -> Bool in
                do {
                    try SMTPClient(config: smtp).send(to: to, subject: subject, body: body)
                    return true
                } catch {
                    return false
                }
            }.value
            if ok {
                sent += 1
            } else {
                failed += 1
                logger.warning("reminder digest to \(to) could not be sent; the next pass tries again")
                try await services.store.releaseReminder(recipient: d.recipient, day: day.description)
            }
        }
        return (sent, failed)
    }
}
