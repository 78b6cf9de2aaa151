import Foundation
import Testing
import XanhCore
import XanhSQLStore
import XanhServices
import XanhStore

/// Agencies, plans, obligations, reports, progress and reminder claims, called directly on each engine.
@Suite struct PlanContractTests {
    @Test(arguments: Engine.available) func plansAndReportsRoundTrip(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        let a = Agency(id: "STNMT", name: "Sở Nông nghiệp và Môi trường", kind: .department, unit: "01", emails: ["a@x.vn", "b@x.vn"])
        try await store.upsertAgencies([a, Agency(id: "SCT", name: "Sở Công Thương", kind: .department, parent: "STNMT")])
        try await store.upsertAgencies([Agency(id: "SCT", name: "Sở Công Thương Hà Nội", kind: .department)])
        #expect(try await store.agencies().map(\.id) == ["SCT", "STNMT"])
        #expect(try await store.agencies().first { $0.id == "STNMT" } == a)
        #expect(try await store.agencies().first { $0.id == "SCT" }?.name == "Sở Công Thương Hà Nội", "replaced whole")

        var p = Plan(
            id: "HN-150-2023", number: "150/KH-UBND", title: "Bảo vệ môi trường ngành Công Thương", issuer: "UBND Hà Nội",
            signedOn: CivilDate("2023-05-24"), fromYear: 2023, toYear: 2023, standingAgency: "SCT", illustrative: true,
            solutionGroups: [SolutionGroup(code: "1", title: "Nhiệm vụ chính")],
            tasks: [
                PlanTask(
                    code: "1", group: "1", title: "Tuyên truyền Luật", lead: "SCT", coordinating: ["STNMT"], schedule: .recurring(.quarter),
                    budget: 500_000_000)
            ],
            targetGroups: [TargetGroup(code: "A", title: "Mục tiêu", targets: [TargetRef(indicator: "X", unit: "01", targetYear: 2030)])])
        try await store.upsertPlan(p)
        #expect(try await store.plan(id: "HN-150-2023") == p)
        p.status = .completed
        try await store.upsertPlan(p)
        #expect(try await store.plans() == [p])
        #expect(try await store.plan(id: "nope") == nil)

        let o = ReportingObligation(
            id: "HN-Q", plan: p.id, name: "Báo cáo quý", reporters: ["SCT"], recipient: "STNMT", frequency: .quarter,
            due: .workingDaysAfterClosing(2),
            fromYear: 2026)
        try await store.upsertObligation(o)
        #expect(try await store.obligations() == [o])

        let r = ReportInstance(obligation: "HN-Q", period: "2026-Q1", agency: "SCT", due: CivilDate("2026-03-17"))
        try await store.ensureReports([r, r, ReportInstance(obligation: "HN-Q", period: "2026-Q2", agency: "SCT")])
        let changed = try await store.changeReport(id: r.id) { old in
            var n = old
            n.stage = .submitted
            n.sections = ["results": "Đã làm"]
            n.submittedBy = "lan"
            n.submittedAt = 10
            return n
        }
        // Ensuring again leaves a report as it is.
        try await store.ensureReports([r])
        let stored = try await store.reports(ReportFilter(period: "2026-Q1"))
        #expect(stored == [changed] && stored.first?.due?.description == "2026-03-17" && stored.first?.sections["results"] == "Đã làm")
        #expect(try await store.reports(ReportFilter(stages: [.open])).map(\.period) == ["2026-Q2"])
        #expect(try await store.reports(ReportFilter(obligations: [])).isEmpty)
        #expect(try await store.reports(ReportFilter(agency: "SCT", limit: 1)).count == 1)
        await #expect(throws: StoreError.notFound("no report 'x'")) { _ = try await store.changeReport(id: "x") { $0 } }
        // A refusal inside the change stores nothing.
        struct No: Error {}
        await #expect(throws: No.self) {
            _ = try await store.changeReport(id: r.id) { _ in throw No() }
        }
        #expect(try await store.reports(ReportFilter(period: "2026-Q1")) == [changed])

        let e = ProgressEntry(
            plan: p.id, task: "1", period: "2026-Q1", agency: "SCT", status: .met, percent: 100, results: "Xong",
            completedOn: CivilDate("2026-03-01"),
            actuals: [.init(indicator: "X", unit: "01", period: "2026", value: 3)], updatedBy: "lan", updatedAt: 5)
        var e2 = e
        e2.period = "2026-Q2"
        e2.status = .onTrack
        e2.completedOn = nil
        try await store.upsertProgress([e, e2])
        var e3 = e
        e3.results = "Xong, có biên bản"
        try await store.upsertProgress([e3])
        #expect(try await store.progress(plan: p.id, period: nil) == [e3, e2])
        #expect(try await store.progress(plan: p.id, period: "2026-Q2") == [e2])

        #expect(try await store.claimReminder(recipient: "a@x.vn", day: "2026-06-10", at: 1))
        #expect(try await store.claimReminder(recipient: "a@x.vn", day: "2026-06-10", at: 2) == false, "one digest per person per day")
        #expect(try await store.claimReminder(recipient: "a@x.vn", day: "2026-06-11", at: 3))
        // A claim given back (the relay failed) can be claimed again.
        try await store.releaseReminder(recipient: "a@x.vn", day: "2026-06-11")
        #expect(try await store.claimReminder(recipient: "a@x.vn", day: "2026-06-11", at: 4))
    }

    @Test(arguments: Engine.available) func evidenceFilesAreKeptByContent(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        // Every byte value, so nothing is lost on the way through a text column.
        let bytes = Data((0..<1024).map { UInt8($0 % 256) })
        let sha = SHA256.hex(bytes)
        let file = EvidenceFile(
            sha256: sha, filename: "biên bản nghiệm thu.pdf", contentType: "application/pdf", data: bytes, uploadedBy: "hoa", uploadedAt: 10)
        try await store.addEvidence(file)
        // The same file again (another name, another person) is the same file: the first stays.
        try await store.addEvidence(
            EvidenceFile(sha256: sha, filename: "copy.pdf", contentType: "application/pdf", data: bytes, uploadedBy: "x", uploadedAt: 11))
        #expect(try await store.evidence(sha256: sha) == file)
        #expect(try await store.evidence(sha256: String(repeating: "0", count: 64)) == nil)
    }

    @Test(arguments: Engine.available) func runtimeSettingsAreSavedReplacedAndRemoved(_ engine: Engine) async throws {
        let store = try await StoreFactory.make(engine)
        #expect(try await store.savedSettings().isEmpty)
        try await store.saveSetting("writes-per-minute", value: "100", by: "an", at: 5)
        try await store.saveSetting("writes-per-minute", value: "200", by: "binh", at: 6)
        try await store.saveSetting("session-seconds", value: "3600", by: "an", at: 7)
        #expect(
            try await store.savedSettings() == [
                "writes-per-minute": SavedSetting(value: "200", changedBy: "binh", changedAt: 6),
                "session-seconds": SavedSetting(value: "3600", changedBy: "an", changedAt: 7),
            ])
        try await store.saveSetting("writes-per-minute", value: nil, by: "an", at: 8)
        #expect(try await store.savedSettings().keys.sorted() == ["session-seconds"])
    }
}
