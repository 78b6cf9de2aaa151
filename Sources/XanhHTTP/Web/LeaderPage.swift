import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// `/workspace/leader`: the province at a glance for the People's Committee — each ambient station's air this month
/// against the same days last year, exceedance days this month, the indicators' targets by status, and the plans'
/// tasks by outcome per lead agency, each linking to its detail and to the plan's mid-year and annual report (DOCX).
/// Internal data (`internal` permission: staff and leaders).
extension WebController {
    func leaderPage(_ lang: Language) async throws -> WebPage<LeaderPage> {
        let words = labels.page(lang)
        let now = services.clock()
        let today = services.plans.today
        // This month so far, and the same days a year before (local calendar).
        guard let monthStart = Timestamps.parseDate(String(format: "%04d-%02d-01", today.year, today.month)),
            let lastYearStart = Timestamps.parseDate(String(format: "%04d-%02d-01", today.year - 1, today.month))
        else { throw Problem(status: .internalServerError, detail: "the calendar has no first of this month") }
        let elapsed = now - monthStart
        var air: [LeaderPage.Air] = []
        let exceedances = try await services.store.exceedances(station: nil, from: monthStart, to: now, afterID: nil, limit: 5000)
        var exceedanceDays: [String: Set<String>] = [:]
        for e in exceedances { exceedanceDays[e.station, default: []].insert(Timestamps.localDate(e.event.start)) }
        for s in try await services.store.allStations().filter({ $0.active && $0.kind == .ambientAir }).sorted(by: { $0.name < $1.name }) {
            let thisMonth = try await services.store.aqiSeries(station: s.code, scale: .vn, resolution: .day, from: monthStart, to: now)
            let sameDaysLastYear = try await services.store.aqiSeries(
                station: s.code, scale: .vn, resolution: .day, from: lastYearStart, to: lastYearStart + elapsed)
            func mean(_ xs: [StoredAQI]) -> String {
                xs.isEmpty ? "–" : Self.number(Double(xs.map(\.result.aqi).reduce(0, +)) / Double(xs.count), lang, digits: 0)
            }
            air.append(
                .init(
                    station: s.name, href: "/stations/\(s.code)?lang=\(lang.rawValue)", mean: mean(thisMonth), lastYear: mean(sameDaysLastYear),
                    poorDays: String(thisMonth.filter { $0.result.aqi > 100 }.count), exceedanceDays: String(exceedanceDays[s.code]?.count ?? 0)))
        }
        // Targets by status, on last year's approved values (as the indicators page shows them).
        let targets = try await services.store.targets(indicator: nil, unit: nil)
        let progress = try await services.indicators.progress(of: targets, year: today.year - 1, statuses: [.approved])
        let byStatus = Dictionary(grouping: progress, by: { $0.progress.status.rawValue }).mapValues(\.count)
        let statusWords = labels.indicators(lang)
        let statuses = ["achieved", "on_track", "at_risk", "off_track", "no_data"].map {
            LeaderPage.Count(key: $0, label: statusWords[$0, default: $0], count: byStatus[$0] ?? 0)
        }
        // Tasks by outcome per lead agency, plan by plan.
        let plans = try await services.plans.plans(includeDrafts: false)
        let agencies = Dictionary(try await services.plans.agencies().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var planRows: [LeaderPage.Plan] = []
        for p in plans.sorted(by: { $0.id < $1.id }) {
            let tasks = try await services.plans.tasks(of: p)
            let byAgency = Dictionary(grouping: tasks, by: { $0.task.lead })
            let rows = byAgency.keys.sorted().map { a -> LeaderPage.AgencyRow in
                let counts = Dictionary(grouping: byAgency[a] ?? [], by: \.outcome).mapValues(\.count)
                return LeaderPage.AgencyRow(
                    agency: agencies[a].map { lang == .en ? ($0.nameEn ?? $0.name) : $0.name } ?? a,
                    counts: DeadlineOutcome.allCases.map { String(counts[$0] ?? 0) },
                    overdue: (counts[.overdue] ?? 0) > 0)
            }
            let half = today.month > 6 ? "\(today.year)-H1" : "\(today.year - 1)-H1"
            planRows.append(
                .init(
                    id: p.id, title: p.title, href: "/plans/\(p.id)?lang=\(lang.rawValue)", agencies: rows,
                    midYear: "/api/v1/plans/\(p.id)/report?period=\(half)&format=docx", midYearLabel: half,
                    annual: "/api/v1/plans/\(p.id)/report?period=\(today.year - 1)&format=docx", annualLabel: String(today.year - 1)))
        }
        let month = String(format: "%02d/%04d", today.month, today.year)
        return layout(
            lang, title: words["leaderView", default: "The province at a glance"], path: "/workspace/leader",
            LeaderPage(
                month: month, air: air, statuses: statuses,
                outcomes: DeadlineOutcome.allCases.map { words["outcome_\($0.rawValue)", default: $0.rawValue] },
                plans: planRows, hasTargets: !progress.isEmpty))
    }

    func registerLeaderPage(on router: Router<AppRequestContext>) {
        router.get("workspace/leader") { request, context in
            try await htmlErrors(request, context) { pages.response("leader", try await leaderPage(Self.language(request))) }
        }
    }
}

/// `/workspace/leader`.
struct LeaderPage: Sendable {
    struct Air: Sendable {
        var station: String
        var href: String
        var mean: String
        var lastYear: String
        var poorDays: String
        var exceedanceDays: String
    }
    struct Count: Sendable {
        var key: String
        var label: String
        var count: Int
    }
    struct AgencyRow: Sendable {
        var agency: String
        var counts: [String]
        var overdue: Bool
    }
    struct Plan: Sendable {
        var id: String
        var title: String
        var href: String
        var agencies: [AgencyRow]
        var midYear: String
        var midYearLabel: String
        var annual: String
        var annualLabel: String
    }
    /// `mm/yyyy`.
    var month: String
    var air: [Air]
    var statuses: [Count]
    var outcomes: [String]
    var plans: [Plan]
    var hasTargets: Bool
}
