import Foundation

/// When a report of a period is due (Decree 09/2019: each regime states its own deadline).
public enum DueRule: Sendable, Equatable, TextCodable {
    /// The `n`-th working day after the period's data-closing day (Khánh Hòa: 2).
    case workingDaysAfterClosing(Int)
    /// A fixed day: `month`/`day` of the period's year plus `yearOffset` (30/12 → (12, 30, 0); 31/01 of the next year → (1, 31, 1)).
    case fixed(month: Int, day: Int, yearOffset: Int)

    /// `closing+2`, `12-30`, `01-31+1`.
    public init?(_ text: String) {
        if text.hasPrefix("closing+") {
            guard let n = Int(text.dropFirst(8)), (0...60).contains(n) else { return nil }
            self = .workingDaysAfterClosing(n)
            return
        }
        let parts = text.split(separator: "+", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return nil }
        let md = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard md.count == 2, md[0].count == 2, md[1].count == 2, let m = Int(md[0]), let d = Int(md[1]), (1...12).contains(m),
            (1...CivilDate.days(in: m, of: 2024)).contains(d)
        else { return nil }
        var offset = 0
        if parts.count == 2 {
            guard let o = Int(parts[1]), (0...1).contains(o) else { return nil }
            offset = o
        }
        self = .fixed(month: m, day: d, yearOffset: offset)
    }

    public var text: String {
        switch self {
        case .workingDaysAfterClosing(let n): return "closing+\(n)"
        case .fixed(let m, let d, let o):
            func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
            return "\(two(m))-\(two(d))" + (o == 0 ? "" : "+\(o)")
        }
    }

    /// The due day of a period. A fixed day stands as written even on a weekend ("before 30/12" is the rule's own
    /// wording); 29/02 in a common year is 28/02.
    public func due(_ p: ReportingPeriod, calendar: WorkingCalendar) -> CivilDate? {
        switch self {
        case .workingDaysAfterClosing(let n): return calendar.workingDay(n, after: p.last)
        case .fixed(let m, let d, let o):
            let y = p.year + o
            return CivilDate(year: y, month: m, day: min(d, CivilDate.days(in: m, of: y)))
        }
    }

    public static let textForm = "a due rule (closing+N, MM-DD, MM-DD+1)"
}

/// A reporting regime with the fields Decree 09/2019 asks every regime to state.
public struct ReportingObligation: Codable, Sendable, Equatable {
    public var id: String
    public var plan: String?
    public var name: String
    public var content: String
    /// Agencies that report.
    public var reporters: [String]
    public var recipient: String
    /// How it is sent (the system, the document axis, e-mail).
    public var method: String
    public var frequency: ReportingPeriod.Kind
    public var due: DueRule
    /// The sections of the outline (đề cương).
    public var outline: [String]
    /// The indicator table (biểu mẫu): indicator codes.
    public var dataForm: [String]
    /// The first year it applies to.
    public var fromYear: Int
    public var illustrative: Bool

    public init(
        id: String, plan: String? = nil, name: String, content: String = "", reporters: [String], recipient: String, method: String = "Xanh",
        frequency: ReportingPeriod.Kind, due: DueRule, outline: [String] = ReportOutline.standard, dataForm: [String] = [], fromYear: Int,
        illustrative: Bool = false
    ) {
        self.id = id
        self.plan = plan
        self.name = name
        self.content = content
        self.reporters = reporters
        self.recipient = recipient
        self.method = method
        self.frequency = frequency
        self.due = due
        self.outline = outline
        self.dataForm = dataForm
        self.fromYear = fromYear
        self.illustrative = illustrative
    }

    enum CodingKeys: String, CodingKey {
        case id, plan, name, content, reporters, recipient, method, frequency, due, outline, dataForm, fromYear, illustrative
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), plan: try c.decodeIfPresent(String.self, forKey: .plan),
            name: try c.decode(String.self, forKey: .name),
            content: try c.decodeIfPresent(String.self, forKey: .content) ?? "", reporters: try c.decode([String].self, forKey: .reporters),
            recipient: try c.decode(String.self, forKey: .recipient), method: try c.decodeIfPresent(String.self, forKey: .method) ?? "Xanh",
            frequency: try c.decode(ReportingPeriod.Kind.self, forKey: .frequency), due: try c.decode(DueRule.self, forKey: .due),
            outline: try c.decodeIfPresent([String].self, forKey: .outline) ?? ReportOutline.standard,
            dataForm: try c.decodeIfPresent([String].self, forKey: .dataForm) ?? [], fromYear: try c.decode(Int.self, forKey: .fromYear),
            illustrative: try c.decodeIfPresent(Bool.self, forKey: .illustrative) ?? false)
    }

    /// The periods of its frequency in a year.
    public func periods(of year: Int) -> [ReportingPeriod] {
        let keys: [String]
        switch frequency {
        case .month: keys = (1...12).map { "\(year)-\($0 < 10 ? "0" : "")\($0)" }
        case .quarter: keys = (1...4).map { "\(year)-Q\($0)" }
        case .halfYear: keys = ["\(year)-H1", "\(year)-H2"]
        case .nineMonths: keys = ["\(year)-9M"]
        case .year: keys = ["\(year)"]
        }
        return keys.compactMap(ReportingPeriod.init)
    }
}

/// The sections of a progress report (sơ kết / tổng kết; reference §3).
public enum ReportOutline {
    public static let results = "results"
    public static let shortcomings = "shortcomings"
    public static let nextPeriod = "next_period"
    public static let proposals = "proposals"
    public static let standard = [results, shortcomings, nextPeriod, proposals]
}

/// A report of one agency for one period of an obligation. What is stored is `stage`; the state people see adds the
/// calendar (`ReportState.of`).
public struct ReportInstance: Codable, Sendable, Equatable {
    public enum Stage: String, Codable, Sendable { case open, submitted, sentBack = "sent_back", accepted }
    /// `obligation~period~agency`: the natural key, safe in a URL (`~` is in no agency, plan or obligation code).
    public var id: String { Self.key(obligation: obligation, period: period, agency: agency) }
    public var obligation: String
    public var period: String
    public var agency: String
    public var stage: Stage
    /// Section texts by outline key.
    public var sections: [String: String]
    public var nothingToReport: Bool
    public var submittedBy: String?
    public var submittedAt: Int64?
    public var decidedBy: String?
    public var decidedAt: Int64?
    /// The note of the last send-back.
    public var note: String?
    public var due: CivilDate?

    public static func key(obligation: String, period: String, agency: String) -> String { "\(obligation)~\(period)~\(agency)" }

    public init(
        obligation: String, period: String, agency: String, stage: Stage = .open, sections: [String: String] = [:],
        nothingToReport: Bool = false, submittedBy: String? = nil, submittedAt: Int64? = nil, decidedBy: String? = nil, decidedAt: Int64? = nil,
        note: String? = nil, due: CivilDate? = nil
    ) {
        self.obligation = obligation
        self.period = period
        self.agency = agency
        self.stage = stage
        self.sections = sections
        self.nothingToReport = nothingToReport
        self.submittedBy = submittedBy
        self.submittedAt = submittedAt
        self.decidedBy = decidedBy
        self.decidedAt = decidedAt
        self.note = note
        self.due = due
    }
}

/// The states of a report (reference §4, after UNICEF's Partner Reporting Portal).
public enum ReportState: String, Codable, Sendable, CaseIterable {
    case notYetDue = "not_yet_due", due, overdue, submitted, sentBack = "sent_back", accepted

    /// Not yet due until the data-closing day; due from it through the due day; overdue after.
    public static func of(_ r: ReportInstance, period: ReportingPeriod, today: CivilDate) -> ReportState {
        switch r.stage {
        case .submitted: return .submitted
        case .accepted: return .accepted
        case .sentBack: return .sentBack
        case .open:
            if today < period.last { return .notYetDue }
            if let due = r.due, today > due { return .overdue }
            return .due
        }
    }
}

/// What one may do to a report, and what it becomes.
public enum ReportAction: String, Sendable, CaseIterable {
    case save, submit, sendBack = "send-back", accept

    public enum Refusal: Error, Equatable, CustomStringConvertible {
        case locked(ReportInstance.Stage)
        case notSubmitted(ReportInstance.Stage)
        case noteRequired
        case empty
        public var description: String {
            switch self {
            case .locked(let s): return "the report is \(s.rawValue.replacingOccurrences(of: "_", with: " ")) and cannot be changed"
            case .notSubmitted(let s):
                return "only a submitted report can be decided; this one is \(s.rawValue.replacingOccurrences(of: "_", with: " "))"
            case .noteRequired: return "sending a report back needs a note saying what to change"
            case .empty: return "a report needs its results section, or an explicit 'nothing to report'"
            }
        }
    }

    /// Applies the action; the content (for save and submit) replaces the report's. Submitted is read-only; send back
    /// needs a note and reopens it; accepted locks it.
    public func apply(
        to r: ReportInstance, sections: [String: String]? = nil, nothingToReport: Bool? = nil, note: String? = nil, by actor: String, at: Int64
    ) -> Result<ReportInstance, Refusal> {
        var out = r
        switch self {
        case .save, .submit:
            guard r.stage == .open || r.stage == .sentBack else { return .failure(.locked(r.stage)) }
            if let s = sections { out.sections = s.filter { !$0.value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty } }
            if let n = nothingToReport { out.nothingToReport = n }
            if self == .submit {
                guard out.nothingToReport || !(out.sections[ReportOutline.results] ?? "").isEmpty else { return .failure(.empty) }
                out.stage = .submitted
                out.submittedBy = actor
                out.submittedAt = at
            }
        case .sendBack:
            guard r.stage == .submitted else { return .failure(.notSubmitted(r.stage)) }
            guard let n = note?.trimmingCharacters(in: .whitespacesAndNewlines), !n.isEmpty else { return .failure(.noteRequired) }
            out.stage = .sentBack
            out.note = n
            out.decidedBy = actor
            out.decidedAt = at
        case .accept:
            guard r.stage == .submitted else { return .failure(.notSubmitted(r.stage)) }
            out.stage = .accepted
            out.decidedBy = actor
            out.decidedAt = at
            if let n = note?.trimmingCharacters(in: .whitespacesAndNewlines), !n.isEmpty { out.note = n }
        }
        return .success(out)
    }
}

/// Progress of one task in one period as one agency reports it.
public struct ProgressEntry: Codable, Sendable, Equatable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        case met, onTrack = "on_track", noProgress = "no_progress", constrained, noStatus = "no_status"
    }
    public var plan: String
    public var task: String
    public var period: String
    public var agency: String
    public var status: Status
    public var percent: Double?
    public var milestone: String?
    public var results: String
    public var difficulties: String
    public var proposals: String
    /// Links to files and pages that show the work.
    public var evidence: [String]
    /// The day the task was completed, when `status` is met.
    public var completedOn: CivilDate?
    /// Indicator values for the period, written to the indicator database as drafts through its own validation.
    public var actuals: [Actual]
    public var updatedBy: String
    public var updatedAt: Int64

    /// An indicator's value for a period: a value, or a numerator and a denominator for a ratio.
    public struct Actual: Codable, Sendable, Equatable {
        public var indicator: String
        public var unit: String
        public var period: String
        public var value: Double?
        public var numerator: Double?
        public var denominator: Double?
        public init(indicator: String, unit: String, period: String, value: Double? = nil, numerator: Double? = nil, denominator: Double? = nil) {
            self.indicator = indicator
            self.unit = unit
            self.period = period
            self.value = value
            self.numerator = numerator
            self.denominator = denominator
        }
    }

    enum CodingKeys: String, CodingKey {
        case plan, task, period, agency, status, percent, milestone, results, difficulties, proposals, evidence, completedOn, actuals, updatedBy,
            updatedAt
    }

    /// `plan` may be left out of a body that posts to a plan's route (the route names it).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            plan: try c.decodeIfPresent(String.self, forKey: .plan) ?? "", task: try c.decode(String.self, forKey: .task),
            period: try c.decode(String.self, forKey: .period), agency: try c.decode(String.self, forKey: .agency),
            status: try c.decode(Status.self, forKey: .status), percent: try c.decodeIfPresent(Double.self, forKey: .percent),
            milestone: try c.decodeIfPresent(String.self, forKey: .milestone), results: try c.decodeIfPresent(String.self, forKey: .results) ?? "",
            difficulties: try c.decodeIfPresent(String.self, forKey: .difficulties) ?? "",
            proposals: try c.decodeIfPresent(String.self, forKey: .proposals) ?? "",
            evidence: try c.decodeIfPresent([String].self, forKey: .evidence) ?? [],
            completedOn: try c.decodeIfPresent(CivilDate.self, forKey: .completedOn),
            actuals: try c.decodeIfPresent([Actual].self, forKey: .actuals) ?? [],
            updatedBy: try c.decodeIfPresent(String.self, forKey: .updatedBy) ?? "",
            updatedAt: try c.decodeIfPresent(Int64.self, forKey: .updatedAt) ?? 0)
    }

    public init(
        plan: String, task: String, period: String, agency: String, status: Status, percent: Double? = nil, milestone: String? = nil,
        results: String = "", difficulties: String = "", proposals: String = "", evidence: [String] = [], completedOn: CivilDate? = nil,
        actuals: [Actual] = [], updatedBy: String = "", updatedAt: Int64 = 0
    ) {
        self.plan = plan
        self.task = task
        self.period = period
        self.agency = agency
        self.status = status
        self.percent = percent
        self.milestone = milestone
        self.results = results
        self.difficulties = difficulties
        self.proposals = proposals
        self.evidence = evidence
        self.completedOn = completedOn
        self.actuals = actuals
        self.updatedBy = updatedBy
        self.updatedAt = updatedAt
    }
}

/// A task against its deadline, computed from dates (QĐ 42/2014, amended by QĐ 23/2018), never typed.
public enum DeadlineOutcome: String, Codable, Sendable, CaseIterable {
    case completedOnTime = "completed_on_time", completedLate = "completed_late"
    case withinDeadline = "not_completed_within_deadline", overdue = "not_completed_overdue"
    /// A continuous ("thường xuyên") task has no deadline to be counted against.
    case continuous

    /// A task is completed when its lead agency reports it met (the lead answers for the task), on the day it gives,
    /// or the day of the entry when it gives none. A recurring task is judged for the period that holds `today`,
    /// against the last day of that period's window.
    public static func of(
        _ t: PlanTask, entries: [ProgressEntry], today: CivilDate
    ) -> (outcome: DeadlineOutcome, deadline: CivilDate?, completed: CivilDate?) {
        let deadline: CivilDate
        let relevant: [ProgressEntry]
        switch t.schedule {
        case .continuous: return (.continuous, nil, nil)
        case .once(let d):
            deadline = d
            relevant = entries
        case .recurring(let kind):
            let period = ReportingPeriod.holding(today, kind: kind)
            guard let p = period else { return (.withinDeadline, nil, nil) }
            deadline = p.last
            relevant = entries.filter { $0.period == p.description }
        }
        let completions = relevant.filter { $0.task == t.code && $0.agency == t.lead && $0.status == .met }
            .map { $0.completedOn ?? CivilDate(epochSeconds: $0.updatedAt) ?? deadline }
        if let done = completions.min() {
            return (done <= deadline ? .completedOnTime : .completedLate, deadline, done)
        }
        return (today <= deadline ? .withinDeadline : .overdue, deadline, nil)
    }
}

extension ReportingPeriod {
    /// The period of a kind whose window holds a day (the window of 2027 opens on 15/12/2026).
    public static func holding(_ d: CivilDate, kind: Kind) -> ReportingPeriod? {
        for y in [d.year, d.year + 1] {
            let keys: [String]
            switch kind {
            case .year: keys = ["\(y)"]
            case .nineMonths: keys = ["\(y)-9M"]
            case .halfYear: keys = ["\(y)-H1", "\(y)-H2"]
            case .quarter: keys = (1...4).map { "\(y)-Q\($0)" }
            case .month: keys = (1...12).map { "\(y)-\($0 < 10 ? "0" : "")\($0)" }
            }
            if let p = keys.compactMap(ReportingPeriod.init).first(where: { $0.contains(d) }) { return p }
        }
        return nil
    }
}
