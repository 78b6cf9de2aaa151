import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// `/plans`: the plans in force, completed or superseded.
struct PlansPage: Sendable {
    struct Row: Sendable {
        var id, number, title, issuer, horizon, status, lang: String
        var tasks: Int
    }
    var plans: [Row]
}

/// `/plans/{id}`: a plan's solution groups, its tasks with their computed outcomes, and its targets with progress
/// (the Decree 42/2022 duty to publish plans and their results).
struct PlanPage: Sendable {
    struct Task: Sendable {
        var code, title, lead, deadline, status, outcome, outcomeKey: String
        /// The language the agencies' names are in (Vietnamese when an agency has no English name).
        var agencyLang: String
        var coordinating: String?
        var percent: String?
    }
    struct Group: Sendable {
        var code, title: String
        var tasks: [Task]
    }
    struct Target: Sendable { var name, baseline, target, latest, progress: String }
    struct TargetGroup: Sendable {
        var title: String
        var targets: [Target]
        var hasTargets: Bool
    }
    struct Count: Sendable { var key, label: String; var count: Int }
    var id, title, number, issuer, horizon, standingAgency, standingAgencyLang, status: String
    var signedOn, implements: String?
    var illustrative: Bool
    var summary: [Count]
    var groups: [Group]
    var targetGroups: [TargetGroup]
}

extension WebController {
    func registerPlans(on router: Router<AppRequestContext>) {
        router.get("plans") { request, context in
            try await htmlErrors(request, context) { pages.response("plans", try await plansPage(Self.language(request))) }
        }
        router.get("plans/{id}") { request, context in
            try await htmlErrors(request, context) {
                pages.response("plan", try await planPage(try context.parameters.require("id"), Self.language(request)))
            }
        }
    }

    /// `30/06/2026` or `06/30/2026`… no: the day first in both languages, as Vietnamese documents and UK English write it.
    static func date(_ d: CivilDate?) -> String { d?.vietnamese ?? "" }

    static func number(_ v: Double?, _ lang: Language, digits: Int = 1) -> String {
        guard let v else { return "–" }
        let text = ReportDocument.number(v, digits: digits)
        return lang == .vi
            ? text
            : text.replacingOccurrences(of: ".", with: "\u{1}").replacingOccurrences(of: ",", with: ".").replacingOccurrences(of: "\u{1}", with: ",")
    }

    /// The published plans, for the home page (at most ten).
    func planLinks(_ lang: Language) async throws -> [PlanLink] {
        try await services.plans.plans(includeDrafts: false).prefix(10).map {
            PlanLink(href: "/plans/\($0.id)?lang=\(lang.rawValue)", title: "\($0.number) · \($0.title)")
        }
    }

    func plansPage(_ lang: Language) async throws -> WebPage<PlansPage> {
        let words = labels.page(lang)
        let rows = try await services.plans.plans(includeDrafts: false).map { p in
            PlansPage.Row(
                id: p.id, number: p.number, title: p.title, issuer: p.issuer,
                horizon: p.fromYear == p.toYear ? "\(p.fromYear)" : "\(p.fromYear)–\(p.toYear)",
                status: words["planStatus_\(p.status.rawValue)", default: p.status.rawValue], lang: lang.rawValue, tasks: p.tasks.count)
        }
        return layout(lang, title: words["plans", default: "Plans"], path: "/plans", PlansPage(plans: rows))
    }

    func planPage(_ id: String, _ lang: Language) async throws -> WebPage<PlanPage> {
        let words = labels.page(lang)
        let service = services.plans
        let p = try await service.plan(id: id, includeDrafts: false)
        let agencies = Dictionary(try await service.agencies().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        func name(_ a: String) -> String { agencies[a].map { lang == .en ? ($0.nameEn ?? $0.name) : $0.name } ?? a }
        func nameLang(_ ids: [String]) -> String { lang == .en && ids.allSatisfy { agencies[$0]?.nameEn != nil } ? "en" : "vi" }
        let tasks = try await service.tasks(of: p)
        let groups = p.solutionGroups.map { g in
            PlanPage.Group(
                code: g.code, title: g.title,
                tasks: tasks.filter { $0.task.group == g.code }.map { t in
                    let deadline: String
                    switch t.task.schedule {
                    case .once(let d): deadline = Self.date(d)
                    case .continuous: deadline = words["continuous", default: "continuous"]
                    case .recurring:
                        deadline = words[t.task.schedule.text, default: t.task.schedule.text] + (t.deadline.map { " (\(Self.date($0)))" } ?? "")
                    }
                    return PlanPage.Task(
                        code: t.task.code, title: t.task.title, lead: name(t.task.lead), deadline: deadline,
                        status: words["progress_\(t.status.rawValue)", default: t.status.rawValue],
                        outcome: words["outcome_\(t.outcome.rawValue)", default: t.outcome.rawValue], outcomeKey: t.outcome.rawValue,
                        agencyLang: nameLang(t.task.agencies),
                        coordinating: t.task.coordinating.isEmpty ? nil : t.task.coordinating.map(name).joined(separator: "; "),
                        percent: t.percent.map { Self.number($0, lang) + " %" })
                })
        }
        let counts = Dictionary(grouping: tasks, by: \.outcome).mapValues(\.count)
        let summary = DeadlineOutcome.allCases.map {
            PlanPage.Count(key: $0.rawValue, label: words["outcome_\($0.rawValue)", default: $0.rawValue], count: counts[$0] ?? 0)
        }
        let catalogue = try await services.indicators.catalogue()
        let progress = try await services.indicators.progress(
            of: try await service.targets(of: p), year: service.today.year - 1, statuses: [.approved])
        let targetGroups = p.targetGroups.map { g in
            let rows = g.targets.compactMap { ref -> PlanPage.Target? in
                guard
                    let tp = progress.first(where: {
                        $0.target.indicator == ref.indicator && $0.target.unit == ref.unit && $0.target.targetYear == ref.targetYear
                    })
                else { return nil }
                let i = catalogue[ref.indicator]
                let unit = i?.unit ?? ""
                return PlanPage.Target(
                    name: (lang == .vi ? i?.nameVi : i?.nameEn) ?? ref.indicator,
                    baseline: "\(Self.number(tp.target.baselineValue, lang)) \(unit) (\(tp.target.baselineYear))",
                    target: "\(Self.number(tp.target.targetValue, lang)) \(unit) (\(tp.target.targetYear))",
                    latest: tp.progress.value.map { "\(Self.number($0, lang)) \(unit) (\(tp.progress.year))" } ?? "–",
                    progress: tp.progress.progress.map { Self.number($0 * 100, lang) + " %" } ?? "–")
            }
            return PlanPage.TargetGroup(title: g.title, targets: rows, hasTargets: !rows.isEmpty)
        }
        let page = PlanPage(
            id: p.id, title: p.title, number: p.number, issuer: p.issuer,
            horizon: p.fromYear == p.toYear ? "\(p.fromYear)" : "\(p.fromYear)–\(p.toYear)",
            standingAgency: name(p.standingAgency), standingAgencyLang: nameLang([p.standingAgency]),
            status: words["planStatus_\(p.status.rawValue)", default: p.status.rawValue],
            signedOn: p.signedOn.map { Self.date($0) }, implements: p.implements.isEmpty ? nil : p.implements, illustrative: p.illustrative,
            summary: summary, groups: groups, targetGroups: targetGroups)
        return layout(lang, title: p.title, heading: words["plans", default: "Plans"], path: "/plans/\(p.id)", page)
    }
}
