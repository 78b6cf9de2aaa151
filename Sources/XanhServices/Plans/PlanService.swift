import Foundation
import XanhCore
import XanhStore

/// What plan work reads and writes.
public typealias PlanStorage = PlanStore & IndicatorStorage

/// A refusal because of who is asking (answered 403): a reporter acting for another agency, an approver deciding a
/// report sent to someone else.
public struct Refused: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A report with what the calendar adds: the state people see, its window and due day.
public struct ReportView: Sendable, Equatable, Encodable {
    public var report: ReportInstance
    public var state: ReportState
    public var obligationName: String
    public var recipient: String
    public var periodFirst: CivilDate
    public var periodLast: CivilDate
    /// False when the due day lies past the working calendar's years (only weekends were known).
    public var calendarCovers: Bool

    enum CodingKeys: String, CodingKey {
        case id, obligation, obligationName, period, periodFirst, periodLast, agency, recipient, state, due, calendarCovers, sections
        case nothingToReport, submittedBy, submittedAt, decidedBy, decidedAt, note
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report.id, forKey: .id)
        try c.encode(report.obligation, forKey: .obligation)
        try c.encode(obligationName, forKey: .obligationName)
        try c.encode(report.period, forKey: .period)
        try c.encode(periodFirst.description, forKey: .periodFirst)
        try c.encode(periodLast.description, forKey: .periodLast)
        try c.encode(report.agency, forKey: .agency)
        try c.encode(recipient, forKey: .recipient)
        try c.encode(state.rawValue, forKey: .state)
        try c.encode(report.due?.description, forKey: .due)
        try c.encode(calendarCovers, forKey: .calendarCovers)
        try c.encode(report.sections, forKey: .sections)
        try c.encode(report.nothingToReport, forKey: .nothingToReport)
        try c.encode(report.submittedBy, forKey: .submittedBy)
        try c.encode(report.submittedAt, forKey: .submittedAt)
        try c.encode(report.decidedBy, forKey: .decidedBy)
        try c.encode(report.decidedAt, forKey: .decidedAt)
        try c.encode(report.note, forKey: .note)
    }
}

/// A task with its computed outcome and the latest word on it.
public struct TaskView: Sendable, Equatable, Encodable {
    public var task: PlanTask
    public var groupTitle: String
    public var outcome: DeadlineOutcome
    public var deadline: CivilDate?
    public var completed: CivilDate?
    /// The lead agency's latest entry: its status and percent.
    public var status: ProgressEntry.Status
    public var percent: Double?
    public var latestPeriod: String?

    enum CodingKeys: String, CodingKey {
        case code, group, groupTitle, title, lead, coordinating, schedule, output, budget, budgetSource, indicators, illustrative
        case outcome, deadline, completed, status, percent, latestPeriod
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(task.code, forKey: .code)
        try c.encode(task.group, forKey: .group)
        try c.encode(groupTitle, forKey: .groupTitle)
        try c.encode(task.title, forKey: .title)
        try c.encode(task.lead, forKey: .lead)
        try c.encode(task.coordinating, forKey: .coordinating)
        try c.encode(task.schedule, forKey: .schedule)
        try c.encode(task.output, forKey: .output)
        try c.encode(task.budget, forKey: .budget)
        try c.encode(task.budgetSource, forKey: .budgetSource)
        try c.encode(task.indicators, forKey: .indicators)
        try c.encode(task.illustrative, forKey: .illustrative)
        try c.encode(outcome.rawValue, forKey: .outcome)
        try c.encode(deadline?.description, forKey: .deadline)
        try c.encode(completed?.description, forKey: .completed)
        try c.encode(status.rawValue, forKey: .status)
        try c.encode(percent, forKey: .percent)
        try c.encode(latestPeriod, forKey: .latestPeriod)
    }
}

/// Counts of outcomes, for an agency or a solution group.
public struct OutcomeCounts: Sendable, Equatable, Encodable {
    public var key: String
    public var counts: [String: Int]
    public var total: Int
}

/// Plan work shared by the API, the CLI and the pages: agencies, plans, obligations and their reports, task progress.
public struct PlanService: Sendable {
    public let store: any PlanStorage
    public let calendar: WorkingCalendar
    public let clock: @Sendable () -> Int64

    public init(store: any PlanStorage, calendar: WorkingCalendar, clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.calendar = calendar
        self.clock = clock
    }

    /// Today in Viet Nam.
    public var today: CivilDate { CivilDate(epochSeconds: clock()) ?? .epoch }

    static let maxEmails = 20

    /// Where the `i`-th item of a batch came from (`agencies!A4`), else its index.
    static func origin(_ origins: [String]?, _ i: Int) -> String { origins.flatMap { i < $0.count ? $0[i] : nil } ?? "[\(i)]" }

    // MARK: Agencies

    public func agencies() async throws -> [Agency] { try await store.agencies() }

    /// Validates and stores agencies all-or-nothing; `origins` name each one's row (`agencies!A4`), else `[i]`.
    public func saveAgencies(_ list: [Agency], origins: [String]? = nil) async throws {
        let known = Set(try await store.agencies().map(\.id))
        let units = Set(try await store.adminUnits().map(\.id))
        let batch = Set(list.map(\.id))
        var problems: [(origin: String, message: String)] = []
        var seen = Set<String>()
        for (i, a) in list.enumerated() {
            let at = Self.origin(origins, i)
            if !Agency.validID(a.id) {
                problems.append(("\(at).id", "'\(a.id.prefix(80))' is not an agency code (letters, digits, - _ ., at most 64)"))
            }
            if !seen.insert(a.id).inserted { problems.append(("\(at).id", "'\(a.id)' appears twice")) }
            if a.name.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(("\(at).name", "is empty")) }
            if let p = a.parent, !(known.contains(p) || batch.contains(p)) || p == a.id {
                problems.append(("\(at).parent", "agency '\(p)' does not exist"))
            }
            if let u = a.unit, !units.isEmpty, !units.contains(u) { problems.append(("\(at).unit", "'\(u)' is not an administrative unit")) }
            if a.emails.count > Self.maxEmails { problems.append(("\(at).emails", "at most \(Self.maxEmails) addresses")) }
            for e in a.emails where !Self.plausibleEmail(e) { problems.append(("\(at).emails", "'\(e.prefix(80))' is not an e-mail address")) }
        }
        guard problems.isEmpty else { throw RowProblems(problems) }
        try await store.upsertAgencies(list)
    }

    static func plausibleEmail(_ e: String) -> Bool {
        let parts = e.split(separator: "@", omittingEmptySubsequences: false)
        return e.utf8.count <= 254 && parts.count == 2 && !parts[0].isEmpty && parts[1].contains(".") && !e.contains(where: \.isWhitespace)
    }

    // MARK: Plans

    /// Plans; the public sees those in force, completed or superseded, not drafts.
    public func plans(includeDrafts: Bool) async throws -> [Plan] {
        try await store.plans().filter { includeDrafts || $0.status != .draft }
    }

    public func plan(id: String, includeDrafts: Bool) async throws -> Plan {
        guard let p = try await store.plan(id: id), includeDrafts || p.status != .draft else {
            throw StoreError.notFound("no plan '\(id.prefix(80))'")
        }
        return p
    }

    /// Validates and stores a plan with the indicator targets it sets (first-class targets, `source` the plan's
    /// number). Every target group's target must exist after the write.
    public func savePlan(_ p: Plan, targets: [IndicatorTarget] = []) async throws {
        let agencies = Set(try await store.agencies().map(\.id))
        let indicators = Set(try await store.indicators().map(\.code))
        var problems = PlanValidation.problems(p, agencies: agencies, indicators: indicators)
        for (i, t) in targets.enumerated() where !indicators.contains(t.indicator) {
            problems.append(("targets[\(i)].indicator", "indicator '\(t.indicator)' is not in the catalogue"))
        }
        let given = Set(targets.map { TargetRef(indicator: $0.indicator, unit: $0.unit, targetYear: $0.targetYear) })
        var existing = Set<TargetRef>()
        for code in Set(p.targetGroups.flatMap { $0.targets.map(\.indicator) }) {
            for t in try await store.targets(indicator: code, unit: nil) {
                existing.insert(TargetRef(indicator: t.indicator, unit: t.unit, targetYear: t.targetYear))
            }
        }
        for (g, group) in p.targetGroups.enumerated() {
            for (k, ref) in group.targets.enumerated() where !given.contains(ref) && !existing.contains(ref) {
                problems.append(("targetGroups[\(g)].targets[\(k)]", "no target for \(ref.indicator) in \(ref.unit) by \(ref.targetYear)"))
            }
        }
        guard problems.isEmpty else { throw RowProblems(problems) }
        for t in targets { _ = try await store.upsertTarget(t) }
        try await store.upsertPlan(p)
    }

    /// Reads a plan workbook (or its CSV) and stores it, all or nothing; every problem names its cell or line.
    public func importPlan(_ data: Data, csv: Bool, bounds: XLSX.Bounds = XLSX.Bounds()) async throws -> Plan {
        let sheets: [XLSX.Sheet]
        var lines: [String: [Int]]?
        if csv {
            (sheets, lines) = try PlanWorkbook.sheets(csv: String(decoding: data, as: UTF8.self))
        } else {
            sheets = try XLSX.read(data, bounds: bounds)
        }
        switch PlanWorkbook.read(sheets, lines: lines) {
        case .failure(let e): throw e
        case .success(let (plan, targets, cells)):
            do {
                try await savePlan(plan, targets: targets)
            } catch let e as RowProblems {
                // Name the cell of each field the plan's checks name (`tasks[3].lead` → `nhiem_vu!D5`).
                throw RowProblems(e.problems.map { p in (cells[p.origin].map { "\($0) (\(p.origin))" } ?? p.origin, p.message) })
            }
            return plan
        }
    }

    /// A plan with the targets it sets, as a workbook (or CSV) that `importPlan` reads back whole.
    public func export(_ p: Plan, csv: Bool) async throws -> Data {
        let targets = try await targets(of: p)
        return csv ? Data(PlanWorkbook.csv(p, targets: targets).utf8) : try PlanWorkbook.write(p, targets: targets)
    }

    /// The indicator targets a plan's target groups name, with their progress in the latest year with a value.
    public func targets(of p: Plan) async throws -> [IndicatorTarget] {
        let refs = Set(p.targetGroups.flatMap(\.targets))
        var out: [IndicatorTarget] = []
        for code in Set(refs.map(\.indicator)).sorted() {
            out += try await store.targets(indicator: code, unit: nil).filter {
                refs.contains(TargetRef(indicator: $0.indicator, unit: $0.unit, targetYear: $0.targetYear))
            }
        }
        return out
    }

    // MARK: Tasks and outcomes

    public func tasks(of p: Plan, agency: String? = nil, outcome: DeadlineOutcome? = nil, today: CivilDate? = nil) async throws -> [TaskView] {
        let day = today ?? self.today
        let entries = try await store.progress(plan: p.id, period: nil)
        let byTask = Dictionary(grouping: entries, by: \.task)
        let titles = Dictionary(p.solutionGroups.map { ($0.code, $0.title) }, uniquingKeysWith: { a, _ in a })
        return p.tasks.compactMap { t in
            if let agency, !t.agencies.contains(agency) { return nil }
            let mine = byTask[t.code] ?? []
            let r = DeadlineOutcome.of(t, entries: mine, today: day)
            if let outcome, r.outcome != outcome { return nil }
            let latest = mine.filter { $0.agency == t.lead }.max { ($0.updatedAt, $0.period) < ($1.updatedAt, $1.period) }
            return TaskView(
                task: t, groupTitle: titles[t.group] ?? "", outcome: r.outcome, deadline: r.deadline, completed: r.completed,
                status: latest?.status ?? .noStatus, percent: latest?.percent, latestPeriod: latest?.period)
        }
    }

    /// Outcome counts per lead agency and per solution group.
    public func outcomeCounts(_ views: [TaskView]) -> (agencies: [OutcomeCounts], groups: [OutcomeCounts]) {
        func count(_ key: (TaskView) -> String) -> [OutcomeCounts] {
            Dictionary(grouping: views, by: key).map { k, v in
                OutcomeCounts(key: k, counts: Dictionary(grouping: v, by: \.outcome.rawValue).mapValues(\.count), total: v.count)
            }.sorted { $0.key < $1.key }
        }
        return (count { $0.task.lead }, count { $0.task.group })
    }

    // MARK: Progress

    public func progress(plan: String, period: String?) async throws -> [ProgressEntry] { try await store.progress(plan: plan, period: period) }

    /// Validates and stores progress entries all-or-nothing; a caller of an agency writes only that agency's. The
    /// indicator actuals go to the indicator database as drafts, through its own validation.
    public func saveProgress(_ entries: [ProgressEntry], plan p: Plan, caller: Caller, origins: [String]? = nil) async throws {
        let tasks = Dictionary(p.tasks.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [(origin: String, message: String)] = []
        for (i, e) in entries.enumerated() {
            let at = Self.origin(origins, i)
            guard let t = tasks[e.task] else {
                problems.append(("\(at).task", "task '\(e.task.prefix(40))' is not in plan \(p.number)"))
                continue
            }
            if ReportingPeriod(e.period) == nil {
                problems.append(("\(at).period", "'\(e.period.prefix(20))' is not a period key (2026-H1, 2026-Q3, 2026-05, 2026)"))
            }
            if !t.agencies.contains(e.agency) {
                problems.append(("\(at).agency", "agency '\(e.agency)' is neither the lead nor a coordinating agency of task \(t.code)"))
            }
            if let mine = caller.scope.agency, mine != e.agency {
                throw Refused("\(caller.name) reports for agency \(mine), not \(e.agency)")
            }
            if let pc = e.percent, !(0...100).contains(pc) { problems.append(("\(at).percent", "must lie between 0 and 100")) }
            if e.completedOn != nil, e.status != .met { problems.append(("\(at).completedOn", "only a task reported met has a completion day")) }
            for (k, text) in [("results", e.results), ("difficulties", e.difficulties), ("proposals", e.proposals)] where text.utf8.count > 20_000 {
                problems.append(("\(at).\(k)", "is over 20,000 bytes"))
            }
            if e.evidence.count > 50 { problems.append(("\(at).evidence", "at most 50 links")) }
        }
        guard problems.isEmpty else { throw RowProblems(problems) }
        let inputs = entries.enumerated().flatMap { i, e in
            e.actuals.enumerated().map { k, a in
                IndicatorValueInput(
                    indicator: a.indicator, unit: a.unit, period: a.period, value: a.value, numerator: a.numerator, denominator: a.denominator,
                    origin: "\(Self.origin(origins, i)).actuals/\(k)")
            }
        }
        let now = clock()
        // The actuals are checked before anything is stored, and stored as checked.
        let indicators = IndicatorService(store: store)
        var actuals: [IndicatorValueWrite] = []
        if !inputs.isEmpty {
            switch try await indicators.validate(inputs) {
            case .failure(let e): throw e
            case .success(let writes): actuals = writes
            }
        }
        try await store.upsertProgress(
            entries.map {
                var e = $0
                e.updatedBy = caller.name
                e.updatedAt = now
                return e
            })
        if !actuals.isEmpty { try await indicators.write(actuals, status: .draft, by: caller.name, at: now) }
    }

    // MARK: Obligations and reports

    public func obligations(plan: String? = nil) async throws -> [ReportingObligation] {
        try await store.obligations().filter { plan == nil || $0.plan == plan }
    }

    public func saveObligation(_ o: ReportingObligation) async throws {
        let agencies = Set(try await store.agencies().map(\.id))
        var problems: [(origin: String, message: String)] = []
        if !Agency.validID(o.id) { problems.append(("id", "'\(o.id.prefix(80))' is not an obligation code")) }
        if o.name.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(("name", "is empty")) }
        if o.reporters.isEmpty { problems.append(("reporters", "names no agency")) }
        for a in o.reporters where !agencies.contains(a) { problems.append(("reporters", "agency '\(a)' does not exist")) }
        if !agencies.contains(o.recipient) { problems.append(("recipient", "agency '\(o.recipient)' does not exist")) }
        if let plan = o.plan, try await store.plan(id: plan) == nil { problems.append(("plan", "plan '\(plan)' does not exist")) }
        if !(1990...2100).contains(o.fromYear) { problems.append(("fromYear", "is not a year")) }
        if o.outline.isEmpty { problems.append(("outline", "names no section")) }
        guard problems.isEmpty else { throw RowProblems(problems) }
        try await store.upsertObligation(o)
    }

    /// The reports an obligation asks for by `today`: one per reporter for every period whose window has opened (next
    /// year's first windows open on 15/12), each with its due day. Reads never store them; the first change of a
    /// report does (`act`), so a read-only replica answers the same list.
    public func expected(_ o: ReportingObligation, today: CivilDate) -> [ReportInstance] {
        var out: [ReportInstance] = []
        for y in o.fromYear...max(o.fromYear, min(today.year + 1, o.fromYear + 30)) {
            for p in o.periods(of: y) where p.first <= today {
                let due = o.due.due(p, calendar: calendar)
                out += o.reporters.map { ReportInstance(obligation: o.id, period: p.description, agency: $0, due: due) }
            }
        }
        return out
    }

    func view(_ r: ReportInstance, _ obligations: [String: ReportingObligation], today: CivilDate) -> ReportView? {
        guard let p = ReportingPeriod(r.period) else { return nil }
        return ReportView(
            report: r, state: ReportState.of(r, period: p, today: today), obligationName: obligations[r.obligation]?.name ?? r.obligation,
            recipient: obligations[r.obligation]?.recipient ?? "", periodFirst: p.first, periodLast: p.last,
            calendarCovers: r.due.map { calendar.covers(year: $0.year) } ?? false)
    }

    /// Reports, with their states; a caller of an agency sees its own and those sent to it.
    public func reports(plan: String? = nil, period: String? = nil, states: [ReportState]? = nil, caller: Caller?) async throws -> [ReportView] {
        let day = today
        let obligations = try await store.obligations().filter { plan == nil || $0.plan == plan }
        let byID = Dictionary(obligations.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let stored = try await store.reports(ReportFilter(obligations: obligations.map(\.id), period: period, limit: 20_000))
        let storedIDs = Set(stored.map(\.id))
        let missing = obligations.flatMap { expected($0, today: day) }.filter { (period == nil || $0.period == period) && !storedIDs.contains($0.id) }
        let rows = (stored + missing).sorted { ($0.obligation, $0.period, $0.agency) < ($1.obligation, $1.period, $1.agency) }
        return rows.compactMap { r -> ReportView? in
            if let mine = caller?.scope.agency, r.agency != mine, byID[r.obligation]?.recipient != mine { return nil }
            guard let v = view(r, byID, today: day) else { return nil }
            return states.map { $0.contains(v.state) } ?? true ? v : nil
        }
    }

    /// Saves, submits, sends back or accepts a report. The reporter's agency saves and submits; the recipient's
    /// decides (a caller without an agency acts for any).
    public func act(
        _ action: ReportAction, report id: String, sections: [String: String]? = nil, nothingToReport: Bool? = nil, note: String? = nil,
        caller: Caller
    ) async throws -> ReportView {
        let obligations = Dictionary(try await store.obligations().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let now = clock()
        if let s = sections {
            guard s.count <= 20, s.allSatisfy({ $0.key.utf8.count <= 40 && $0.value.utf8.count <= 100_000 }) else {
                throw InputError("sections: at most 20, each key 40 bytes and each text 100,000 bytes", pointer: "/sections")
            }
        }
        // A report asked for but never touched is stored now, as it stands.
        if let o = obligations[id.split(separator: "~").first.map(String.init) ?? ""], let r = expected(o, today: today).first(where: { $0.id == id })
        {
            try await store.ensureReports([r])
        }
        let changed = try await store.changeReport(id: id) { r in
            let recipient = obligations[r.obligation]?.recipient
            if let mine = caller.scope.agency {
                switch action {
                case .save, .submit:
                    guard mine == r.agency else { throw Refused("\(caller.name) reports for agency \(mine), not \(r.agency)") }
                case .sendBack, .accept:
                    guard mine == recipient else { throw Refused("this report goes to \(recipient ?? "?"), not to \(mine)") }
                }
            }
            switch action.apply(to: r, sections: sections, nothingToReport: nothingToReport, note: note, by: caller.name, at: now) {
            case .success(let out): return out
            case .failure(let refusal): throw StoreError.conflict(refusal.description)
            }
        }
        guard let v = view(changed, obligations, today: today) else { throw StoreError.notFound("report '\(id)' has no period") }
        return v
    }
}
