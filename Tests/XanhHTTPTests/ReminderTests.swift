import Foundation
import Hummingbird
import Testing
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

/// Reminder digests to an SMTP sink: once per person per day, escalation to the recipient when overdue (decision 0016).
/// The fixture's day is Friday 2026-11-20.
@Suite struct ReminderTests {
    @Test func oneDigestPerPersonPerDayAndEscalationWhenOverdue() async throws {
        let f = try await Fixture(station: false)
        let plans = f.services.plans
        try await plans.saveAgencies([
            Agency(id: "STNMT", name: "Sở Nông nghiệp và Môi trường", kind: .department, emails: ["stnmt@x.vn"]),
            Agency(id: "SXD", name: "Sở Xây dựng", kind: .department, emails: ["sxd@x.vn", "SXD@x.vn"]),
            Agency(id: "SCT", name: "Sở Công Thương", kind: .department, emails: ["sct@x.vn"]),
            Agency(id: "SKHCN", name: "Sở Khoa học và Công nghệ", kind: .department, emails: ["skhcn@x.vn"]),
        ])
        // Half-yearly, closing + 2: 2026-H1 was due 16/06 (overdue); 2026-H2 has not closed (no reminder yet).
        try await plans.saveObligation(
            ReportingObligation(
                id: "HALF", name: "Báo cáo 6 tháng", reporters: ["SXD"], recipient: "STNMT", frequency: .halfYear, due: .workingDaysAfterClosing(2),
                fromYear: 2026))
        // Monthly, closing + 7: 2026-11 closed Saturday 14/11 and is due Tuesday 24/11, two working days away.
        try await plans.saveObligation(
            ReportingObligation(
                id: "MONTH", name: "Báo cáo tháng", reporters: ["SCT"], recipient: "STNMT", frequency: .month, due: .workingDaysAfterClosing(7),
                fromYear: 2026))
        // Monthly, closing + 5: SKHCN's 2026-11 is due today.
        try await plans.saveObligation(
            ReportingObligation(
                id: "M5", name: "Báo cáo tháng KHCN", reporters: ["SKHCN"], recipient: "STNMT", frequency: .month, due: .workingDaysAfterClosing(5),
                fromYear: 2026))
        let admin = Caller(name: "t", role: Role.admin.rawValue)
        for r in try await plans.reports(caller: nil) where ["MONTH", "M5"].contains(r.report.obligation) && r.report.period < "2026-11" {
            _ = try await plans.act(.submit, report: r.report.id, nothingToReport: true, caller: admin)
        }
        let messages = Recorder<String>()
        let sink = try TinyServer.smtpSink(messages)
        defer { sink.stop() }
        let reminders = Reminders(services: f.services, smtp: SMTPConfig(host: "127.0.0.1", port: sink.port, from: "xanh@x.vn"))
        let today = try #require(CivilDate("2026-11-20"))
        let digests = try await reminders.digests(today: today)
        #expect(digests.map(\.recipient) == ["sct@x.vn", "skhcn@x.vn", "stnmt@x.vn", "sxd@x.vn"], "one per address, case folded")
        let kinds = Dictionary(
            uniqueKeysWithValues: digests.map { ($0.recipient, $0.items.map { "\($0.report.report.obligation) \($0.kind.rawValue) \($0.days)" }) })
        #expect(kinds["sct@x.vn"] == ["MONTH coming_due 2"])
        #expect(kinds["skhcn@x.vn"] == ["M5 due_today 0"])
        // From 16/06 to 20/11/2026: 111 working days (weekends, 01–02/09 off).
        #expect(kinds["sxd@x.vn"] == ["HALF overdue -111"], "\(kinds)")
        #expect(kinds["stnmt@x.vn"] == ["HALF overdue -111"], "the recipient hears of the overdue one only")

        // A relay that is down: nothing counts as sent, and the next pass tries again.
        let down = Reminders(services: f.services, smtp: SMTPConfig(host: "127.0.0.1", port: 1, from: "xanh@x.vn"))
        let failed = try await down.send(today: today)
        #expect(failed.sent == 0 && failed.failed == 4)
        #expect(try await reminders.send(today: today) == (4, 0))
        #expect(messages.all.filter { $0.hasPrefix("CMD RCPT TO:") }.sorted() == ["sct", "skhcn", "stnmt", "sxd"].map { "CMD RCPT TO:<\($0)@x.vn>" })
        #expect(try await reminders.send(today: today) == (0, 0), "never twice a day")
        let mail = try #require(messages.all.first { $0.contains("QUÁ HẠN") })
        #expect(mail.contains("Subject: =?UTF-8?B?"))
        // The next day the digests go again, without the report submitted meanwhile.
        let half = try #require(try await plans.reports(caller: nil).first { $0.report.obligation == "HALF" && $0.report.period == "2026-H1" })
        _ = try await plans.act(.submit, report: half.report.id, sections: ["results": "Đã làm"], caller: admin)
        let next = try #require(CivilDate("2026-11-23"))
        let later = try await reminders.digests(today: next)
        #expect(!later.contains { $0.items.contains { $0.report.report.obligation == "HALF" } })
        #expect(try await reminders.send(today: next).sent == later.count)
    }
}
