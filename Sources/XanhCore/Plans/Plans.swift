import Foundation

/// A body that reports or receives reports: a department, a commune's People's Committee, an industrial-zone board, an
/// enterprise. `id` is a short stable code (`STNMT-HP`) that users, keys, tasks and reports refer to.
public struct Agency: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case provincialCommittee = "provincial_committee", department, communeCommittee = "commune_committee"
        case industrialZoneBoard = "industrial_zone_board", enterprise, national, other
    }
    public var id: String
    public var name: String
    public var nameEn: String?
    public var kind: Kind
    /// The administrative unit it serves (`31` Hải Phòng, a commune's code).
    public var unit: String?
    public var parent: String?
    /// Where reminders go.
    public var emails: [String]

    public init(id: String, name: String, nameEn: String? = nil, kind: Kind, unit: String? = nil, parent: String? = nil, emails: [String] = []) {
        self.id = id
        self.name = name
        self.nameEn = nameEn
        self.kind = kind
        self.unit = unit
        self.parent = parent
        self.emails = emails
    }

    enum CodingKeys: String, CodingKey { case id, name, nameEn, kind, unit, parent, emails }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
            nameEn: try c.decodeIfPresent(String.self, forKey: .nameEn), kind: try c.decodeIfPresent(Kind.self, forKey: .kind) ?? .other,
            unit: try c.decodeIfPresent(String.self, forKey: .unit), parent: try c.decodeIfPresent(String.self, forKey: .parent),
            emails: try c.decodeIfPresent([String].self, forKey: .emails) ?? [])
    }

    /// Codes are ASCII letters, digits, `-`, `_` and `.`, 1–64 long, so they are safe in paths, files and filters.
    public static func validID(_ s: String) -> Bool {
        (1...64).contains(s.utf8.count)
            && s.utf8.allSatisfy { c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95 || c == 46
            }
    }
}

/// A plan as the province issued it (`78/KH-UBND`).
public struct Plan: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable { case draft, inForce = "in_force", completed, superseded }
    /// A stable key (`HP-78-2023`), as `Agency.id`.
    public var id: String
    public var number: String
    public var title: String
    public var issuer: String
    public var unit: String?
    public var signedOn: CivilDate?
    public var effectiveOn: CivilDate?
    public var fromYear: Int
    public var toYear: Int
    /// The strategy or programme it carries out.
    public var implements: String
    /// The agency that follows it and consolidates its reports.
    public var standingAgency: String
    public var status: Status
    /// The signed document (a URL or a path the portal serves) and other links.
    public var document: String?
    public var links: [String]
    /// What the announcement does not say and the demo or the editor filled in.
    public var illustrative: Bool
    public var solutionGroups: [SolutionGroup]
    public var tasks: [PlanTask]
    public var targetGroups: [TargetGroup]

    public init(
        id: String, number: String, title: String, issuer: String, unit: String? = nil, signedOn: CivilDate? = nil, effectiveOn: CivilDate? = nil,
        fromYear: Int, toYear: Int, implements: String = "", standingAgency: String, status: Status = .inForce, document: String? = nil,
        links: [String] = [], illustrative: Bool = false, solutionGroups: [SolutionGroup] = [], tasks: [PlanTask] = [],
        targetGroups: [TargetGroup] = []
    ) {
        self.id = id
        self.number = number
        self.title = title
        self.issuer = issuer
        self.unit = unit
        self.signedOn = signedOn
        self.effectiveOn = effectiveOn
        self.fromYear = fromYear
        self.toYear = toYear
        self.implements = implements
        self.standingAgency = standingAgency
        self.status = status
        self.document = document
        self.links = links
        self.illustrative = illustrative
        self.solutionGroups = solutionGroups
        self.tasks = tasks
        self.targetGroups = targetGroups
    }

    enum CodingKeys: String, CodingKey {
        case id, number, title, issuer, unit, signedOn, effectiveOn, fromYear, toYear, implements, standingAgency, status, document, links
        case illustrative, solutionGroups, tasks, targetGroups
    }

    /// What a sender leaves out takes its default (no links, not illustrative, in force).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), number: try c.decode(String.self, forKey: .number),
            title: try c.decode(String.self, forKey: .title),
            issuer: try c.decodeIfPresent(String.self, forKey: .issuer) ?? "", unit: try c.decodeIfPresent(String.self, forKey: .unit),
            signedOn: try c.decodeIfPresent(CivilDate.self, forKey: .signedOn),
            effectiveOn: try c.decodeIfPresent(CivilDate.self, forKey: .effectiveOn),
            fromYear: try c.decode(Int.self, forKey: .fromYear), toYear: try c.decode(Int.self, forKey: .toYear),
            implements: try c.decodeIfPresent(String.self, forKey: .implements) ?? "",
            standingAgency: try c.decode(String.self, forKey: .standingAgency),
            status: try c.decodeIfPresent(Status.self, forKey: .status) ?? .inForce, document: try c.decodeIfPresent(String.self, forKey: .document),
            links: try c.decodeIfPresent([String].self, forKey: .links) ?? [],
            illustrative: try c.decodeIfPresent(Bool.self, forKey: .illustrative) ?? false,
            solutionGroups: try c.decodeIfPresent([SolutionGroup].self, forKey: .solutionGroups) ?? [],
            tasks: try c.decodeIfPresent([PlanTask].self, forKey: .tasks) ?? [],
            targetGroups: try c.decodeIfPresent([TargetGroup].self, forKey: .targetGroups) ?? [])
    }
}

public struct SolutionGroup: Codable, Sendable, Equatable {
    public var code: String
    public var title: String
    public init(code: String, title: String) {
        self.code = code
        self.title = title
    }
}

/// A group of the plan's targets; each target is an indicator target of the catalogue (the same row the indicator
/// pages show), named by its key.
public struct TargetGroup: Codable, Sendable, Equatable {
    public var code: String
    public var title: String
    public var targets: [TargetRef]
    public init(code: String, title: String, targets: [TargetRef] = []) {
        self.code = code
        self.title = title
        self.targets = targets
    }

    enum CodingKeys: String, CodingKey { case code, title, targets }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            code: try c.decode(String.self, forKey: .code), title: try c.decode(String.self, forKey: .title),
            targets: try c.decodeIfPresent([TargetRef].self, forKey: .targets) ?? [])
    }
}

public struct TargetRef: Codable, Sendable, Hashable {
    public var indicator: String
    public var unit: String
    public var targetYear: Int
    public init(indicator: String, unit: String, targetYear: Int) {
        self.indicator = indicator
        self.unit = unit
        self.targetYear = targetYear
    }
}

/// When a task is due.
public enum TaskSchedule: Sendable, Equatable, TextCodable {
    /// Once, by this day.
    case once(CivilDate)
    /// Every year, half-year or quarter: due by the end of each period's window.
    case recurring(ReportingPeriod.Kind)
    /// "Thường xuyên": carried on throughout, with no deadline to be late against.
    case continuous

    /// `2026-06-30`, `yearly`, `half_yearly`, `quarterly`, `monthly`, `continuous`.
    public init?(_ text: String) {
        switch text {
        case "continuous", "thuong_xuyen": self = .continuous
        case "yearly": self = .recurring(.year)
        case "half_yearly": self = .recurring(.halfYear)
        case "quarterly": self = .recurring(.quarter)
        case "monthly": self = .recurring(.month)
        default:
            guard let d = CivilDate(text) else { return nil }
            self = .once(d)
        }
    }

    public var text: String {
        switch self {
        case .once(let d): return d.description
        case .continuous: return "continuous"
        case .recurring(let k):
            switch k {
            case .year, .nineMonths: return "yearly"
            case .halfYear: return "half_yearly"
            case .quarter: return "quarterly"
            case .month: return "monthly"
            }
        }
    }

    public static let textForm = "a deadline (YYYY-MM-DD) or yearly, half_yearly, quarterly, monthly, continuous"
}

public struct PlanTask: Codable, Sendable, Equatable {
    public var code: String
    /// The solution group's code.
    public var group: String
    public var title: String
    public var lead: String
    public var coordinating: [String]
    public var schedule: TaskSchedule
    /// What the task must produce: a decision, a report, a system …
    public var output: String
    /// Budget in VND and its source (state budget, ODA, enterprise …).
    public var budget: Int64?
    public var budgetSource: String?
    public var indicators: [String]
    public var illustrative: Bool

    public init(
        code: String, group: String, title: String, lead: String, coordinating: [String] = [], schedule: TaskSchedule, output: String = "",
        budget: Int64? = nil, budgetSource: String? = nil, indicators: [String] = [], illustrative: Bool = false
    ) {
        self.code = code
        self.group = group
        self.title = title
        self.lead = lead
        self.coordinating = coordinating
        self.schedule = schedule
        self.output = output
        self.budget = budget
        self.budgetSource = budgetSource
        self.indicators = indicators
        self.illustrative = illustrative
    }

    enum CodingKeys: String, CodingKey {
        case code, group, title, lead, coordinating, schedule, output, budget, budgetSource, indicators, illustrative
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            code: try c.decode(String.self, forKey: .code), group: try c.decode(String.self, forKey: .group),
            title: try c.decode(String.self, forKey: .title),
            lead: try c.decode(String.self, forKey: .lead), coordinating: try c.decodeIfPresent([String].self, forKey: .coordinating) ?? [],
            schedule: try c.decode(TaskSchedule.self, forKey: .schedule), output: try c.decodeIfPresent(String.self, forKey: .output) ?? "",
            budget: try c.decodeIfPresent(Int64.self, forKey: .budget), budgetSource: try c.decodeIfPresent(String.self, forKey: .budgetSource),
            indicators: try c.decodeIfPresent([String].self, forKey: .indicators) ?? [],
            illustrative: try c.decodeIfPresent(Bool.self, forKey: .illustrative) ?? false)
    }

    /// Agencies that report progress on it: the lead and every coordinating agency.
    public var agencies: [String] { [lead] + coordinating.filter { $0 != lead } }
}

/// Problems in a plan that make it unfit to store, each naming where (`tasks[3].lead`).
public enum PlanValidation {
    public static func problems(_ p: Plan, agencies: Set<String>, indicators: Set<String>) -> [(origin: String, message: String)] {
        var out: [(String, String)] = []
        if !Agency.validID(p.id) { out.append(("id", "'\(p.id)' is not a plan key (letters, digits, - _ ., at most 64)")) }
        if p.number.trimmingCharacters(in: .whitespaces).isEmpty { out.append(("number", "is empty")) }
        if p.title.trimmingCharacters(in: .whitespaces).isEmpty { out.append(("title", "is empty")) }
        if !(1990...2100).contains(p.fromYear) || !(p.fromYear...2100).contains(p.toYear) {
            out.append(("toYear", "the horizon \(p.fromYear)–\(p.toYear) is not a span of years"))
        }
        if !agencies.contains(p.standingAgency) { out.append(("standingAgency", "agency '\(p.standingAgency)' does not exist")) }
        var groups = Set<String>()
        for (i, g) in p.solutionGroups.enumerated() {
            if g.code.isEmpty || !groups.insert(g.code).inserted { out.append(("solutionGroups[\(i)].code", "'\(g.code)' is empty or repeated")) }
        }
        var codes = Set<String>()
        for (i, t) in p.tasks.enumerated() {
            let at = "tasks[\(i)]"
            if t.code.isEmpty || !codes.insert(t.code).inserted { out.append(("\(at).code", "'\(t.code)' is empty or repeated")) }
            if !groups.contains(t.group) { out.append(("\(at).group", "solution group '\(t.group)' is not in the plan")) }
            if t.title.trimmingCharacters(in: .whitespaces).isEmpty { out.append(("\(at).title", "is empty")) }
            if !agencies.contains(t.lead) { out.append(("\(at).lead", "agency '\(t.lead)' does not exist")) }
            for a in t.coordinating where !agencies.contains(a) { out.append(("\(at).coordinating", "agency '\(a)' does not exist")) }
            if let b = t.budget, b < 0 { out.append(("\(at).budget", "is negative")) }
            for ind in t.indicators where !indicators.contains(ind) { out.append(("\(at).indicators", "indicator '\(ind)' is not in the catalogue")) }
        }
        var targetGroups = Set<String>()
        for (i, g) in p.targetGroups.enumerated() where g.code.isEmpty || !targetGroups.insert(g.code).inserted {
            out.append(("targetGroups[\(i)].code", "'\(g.code)' is empty or repeated"))
        }
        return out
    }
}
