import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// The plans' daily work in the browser. `/workspace/tasks` (the `report` permission): an agency's tasks across the
/// published plans with their deadlines and outcomes, its progress for a period, and its reports with a form to submit
/// each; `/workspace/tasks/progress`: the progress form of one task and period, with an evidence file (multipart),
/// kept by content (`/workspace/evidence/{sha256}`). `/workspace/consolidation` (the `approve` permission): the
/// reports sent to the caller's agency (the standing agency) with each reporter's progress and evidence, to accept or
/// send back, and the plan's report of the period as DOCX and as a print view. All through `PlanService`, as the API.
extension WebController {
    /// The agency a page is for: the caller's own, or (an account without one) the one asked for.
    func workAgency(_ request: Request, _ context: AppRequestContext) -> String? {
        context.caller?.scope.agency ?? request.query("agency").flatMap { $0.isEmpty ? nil : String($0.prefix(60)) }
    }

    /// The half-year a day lies in (`2026-H2`): what plans are reported by (Decree 09/2019's 6-month and annual reports).
    static func halfYear(_ now: Int64) -> String {
        let day = CivilDate(epochSeconds: now + 7 * 3600) ?? .epoch
        return "\(day.year)-H\(day.month <= 6 ? 1 : 2)"
    }

    static func workPeriod(_ request: Request, now: Int64) throws -> String {
        guard let p = request.query("period"), !p.isEmpty else { return halfYear(now) }
        guard ReportingPeriod(p) != nil else {
            throw Problem(
                status: .badRequest, detail: "period '\(p.prefix(20))' is not a period key (2026-H1, 2026-Q3, 2026-05, 2026)",
                pointer: "/query/period")
        }
        return String(p.prefix(20))
    }

    func tasksPage(_ request: Request, _ context: AppRequestContext, error: String? = nil) async throws -> WebPage<TasksPage> {
        let lang = Self.language(request)
        let words = labels.page(lang)
        let period = try Self.workPeriod(request, now: services.clock())
        let agency = workAgency(request, context)
        let agencies = try await services.plans.agencies()
        let names = Dictionary(agencies.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        var rows: [TasksPage.Row] = []
        var reports: [TasksPage.Report] = []
        if let agency {
            for p in try await services.plans.plans(includeDrafts: false) {
                let entries = try await services.plans.progress(plan: p.id, period: period).filter { $0.agency == agency }
                for v in try await services.plans.tasks(of: p, agency: agency) {
                    let mine = entries.first { $0.task == v.task.code }
                    rows.append(
                        .init(
                            plan: p.number, task: v.task.code, title: v.task.title,
                            role: words[v.task.lead == agency ? "taskLead" : "taskCoordinating", default: ""],
                            deadline: Self.date(v.deadline), outcome: words["outcome_" + v.outcome.rawValue, default: v.outcome.rawValue],
                            progress: mine.map { words["progress_" + $0.status.rawValue, default: $0.status.rawValue] }
                                ?? words["notReported", default: "–"],
                            reported: mine != nil, evidence: mine?.evidence.count ?? 0,
                            href:
                                "/workspace/tasks/progress?lang=\(lang.rawValue)&plan=\(Self.query(p.id))&task=\(Self.query(v.task.code))&period=\(period)"
                                + (context.caller?.scope.agency == nil ? "&agency=\(Self.query(agency))" : "")))
                }
            }
            let caller = context.caller ?? Caller(name: "anonymous", role: "public")
            for r in try await services.plans.reports(period: period, caller: caller) where r.report.agency == agency {
                let open = [.notYetDue, .due, .overdue, .sentBack].contains(r.state)
                reports.append(
                    .init(
                        id: r.report.id, name: r.obligationName, recipient: names[r.recipient] ?? r.recipient,
                        state: words["report_" + r.state.rawValue, default: r.state.rawValue], stateKey: r.state.rawValue,
                        due: Self.date(r.report.due), note: r.state == .sentBack ? r.report.note : nil, open: open,
                        results: r.report.sections[ReportOutline.results] ?? ""))
            }
        }
        return layout(
            lang, title: words["agencyTasks", default: "Tasks"], path: "/workspace/tasks",
            TasksPage(
                agency: agency.map { names[$0] ?? $0 }, period: period, rows: rows, hasRows: !rows.isEmpty, reports: reports,
                hasReports: !reports.isEmpty, csrf: context.session?.csrf ?? "",
                reportAction: "/workspace/tasks/report?lang=\(lang.rawValue)&period=\(period)", error: error,
                done: request.query("done") != nil ? words["saved", default: "saved"] : nil))
    }

    func progressPage(
        _ request: Request, _ context: AppRequestContext, problems: [String] = []
    ) async throws -> WebPage<ProgressPage> {
        let lang = Self.language(request)
        let words = labels.page(lang)
        let period = try Self.workPeriod(request, now: services.clock())
        guard let agency = workAgency(request, context) else {
            throw Problem(status: .badRequest, detail: "agency is required", pointer: "/query/agency")
        }
        let p = try await services.plans.plan(id: request.query("plan") ?? "", includeDrafts: false)
        guard let task = p.tasks.first(where: { $0.code == request.query("task") }) else {
            throw Problem(status: .notFound, detail: "task '\(request.query("task")?.prefix(40) ?? "")' is not in plan \(p.number)")
        }
        let entry = try await services.plans.progress(plan: p.id, period: period).first { $0.task == task.code && $0.agency == agency }
        let statuses = ProgressEntry.Status.allCases.map {
            ProgressPage.Option(value: $0.rawValue, label: words["progress_" + $0.rawValue, default: $0.rawValue], selected: entry?.status == $0)
        }
        let q =
            "lang=\(lang.rawValue)&plan=\(Self.query(p.id))&task=\(Self.query(task.code))&period=\(period)"
            + (context.caller?.scope.agency == nil ? "&agency=\(Self.query(agency))" : "")
        return layout(
            lang, title: words["progressForm", default: "Progress"], path: "/workspace/tasks/progress",
            ProgressPage(
                plan: p.number, task: task.code, title: task.title, period: period, statuses: statuses,
                percent: entry?.percent.map { Self.number($0, lang, digits: 0) } ?? "", results: entry?.results ?? "",
                difficulties: entry?.difficulties ?? "", proposals: entry?.proposals ?? "", completedOn: entry?.completedOn?.description ?? "",
                evidence: (entry?.evidence ?? []).map { .init(href: $0, name: Self.evidenceName($0)) }, csrf: context.session?.csrf ?? "",
                action: "/workspace/tasks/progress?\(q)", back: "/workspace/tasks?lang=\(lang.rawValue)&period=\(period)",
                problems: problems, hasProblems: !problems.isEmpty))
    }

    /// The name a link to an evidence file shows (`…/evidence/{sha}?name=biên-bản.pdf`).
    static func evidenceName(_ link: String) -> String {
        URLComponents(string: link)?.queryItems?.first { $0.name == "name" }?.value ?? link
    }

    /// Files a browser may show as they are; anything else is served as bytes to save.
    static let evidenceTypes: Set<String> = [
        "application/pdf", "image/png", "image/jpeg", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ]

    func consolidationPage(_ request: Request, _ context: AppRequestContext, error: String? = nil) async throws -> WebPage<ConsolidationPage> {
        let lang = Self.language(request)
        let words = labels.page(lang)
        let period = try Self.workPeriod(request, now: services.clock())
        let recipient = workAgency(request, context)
        let names = Dictionary(try await services.plans.agencies().map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let caller = context.caller ?? Caller(name: "anonymous", role: "public")
        let obligations = Dictionary(try await services.plans.obligations().map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var items: [ConsolidationPage.Item] = []
        var plans: [String: String] = [:]
        var progress: [String: [ProgressEntry]] = [:]
        for r in try await services.plans.reports(period: period, caller: caller) where recipient == nil || r.recipient == recipient {
            guard let plan = obligations[r.report.obligation]?.plan else { continue }
            if progress[plan] == nil { progress[plan] = try await services.plans.progress(plan: plan, period: period) }
            if plans[plan] == nil { plans[plan] = try await services.plans.plan(id: plan, includeDrafts: true).number }
            let entries = (progress[plan] ?? []).filter { $0.agency == r.report.agency }.map { e in
                ConsolidationPage.Entry(
                    task: e.task, status: words["progress_" + e.status.rawValue, default: e.status.rawValue],
                    percent: e.percent.map { Self.number($0, lang, digits: 0) + " %" } ?? "", results: e.results,
                    evidence: e.evidence.map { .init(href: $0, name: Self.evidenceName($0)) })
            }
            items.append(
                .init(
                    id: r.report.id, agency: names[r.report.agency] ?? r.report.agency, name: r.obligationName,
                    state: words["report_" + r.state.rawValue, default: r.state.rawValue], stateKey: r.state.rawValue,
                    submitted: r.report.submittedAt.map { "\(Self.shortTime($0, lang)) · \(r.report.submittedBy ?? "")" } ?? "",
                    results: r.report.sections[ReportOutline.results] ?? "", entries: entries, decidable: r.state == .submitted))
        }
        items.sort { ($0.decidable ? 0 : 1, $0.agency) < ($1.decidable ? 0 : 1, $1.agency) }
        let documents = plans.sorted { $0.key < $1.key }.map { id, number in
            ConsolidationPage.Document(
                plan: number, docx: "/api/v1/plans/\(Self.query(id))/report?period=\(period)&format=docx",
                print: "/api/v1/plans/\(Self.query(id))/report?period=\(period)&format=html")
        }
        return layout(
            lang, title: words["consolidation", default: "Consolidation"], path: "/workspace/consolidation",
            ConsolidationPage(
                recipient: recipient.map { names[$0] ?? $0 }, period: period, items: items, hasItems: !items.isEmpty, documents: documents,
                csrf: context.session?.csrf ?? "", action: "/workspace/consolidation?lang=\(lang.rawValue)&period=\(period)", error: error,
                done: request.query("done") != nil ? words["saved", default: "saved"] : nil))
    }

    /// What a plan's refusal says on a page (the service's own words; its refusals name what and where).
    static func planRefusal(_ e: any Error) -> (HTTPResponse.Status, String)? {
        switch e {
        case let r as Refused: return (.forbidden, r.description)
        case let r as RowProblems: return (.unprocessableContent, r.description)
        case StoreError.conflict(let m): return (.conflict, m)
        case let i as InputError: return (.unprocessableContent, i.message)
        default: return nil
        }
    }

    func registerPlanWorkPages(on router: Router<AppRequestContext>) {
        router.get("workspace/tasks") { request, context in
            try await htmlErrors(request, context) { pages.response("tasks", try await tasksPage(request, context)) }
        }
        router.get("workspace/tasks/progress") { request, context in
            try await htmlErrors(request, context) { pages.response("progress", try await progressPage(request, context)) }
        }
        router.post("workspace/tasks/progress") { request, context in
            try await htmlErrors(request, context) {
                let lang = Self.language(request)
                let words = labels.page(lang)
                var request = request
                let body = try await request.collectBody(upTo: services.limits.maxUploadBody)
                guard let boundary = Multipart.boundary(contentType: request.headers[.contentType] ?? "") else {
                    throw Problem(status: .badRequest, detail: "the progress form is sent as multipart/form-data")
                }
                let parts: [Multipart.Part]
                do { parts = try Multipart.parse(Data(buffer: body), boundary: boundary) } catch let e as Multipart.ParseError {
                    throw Problem(status: .badRequest, detail: e.message)
                }
                func field(_ name: String) -> String {
                    String(
                        (parts.first { $0.name == name && $0.filename == nil }?.text ?? "").trimmingCharacters(in: .whitespacesAndNewlines).prefix(
                            20_000))
                }
                guard let agency = workAgency(request, context) else {
                    throw Problem(status: .badRequest, detail: "agency is required", pointer: "/query/agency")
                }
                let period = try Self.workPeriod(request, now: services.clock())
                let p = try await services.plans.plan(id: request.query("plan") ?? "", includeDrafts: false)
                let taskCode = request.query("task") ?? ""
                var problems: [String] = []
                let status = ProgressEntry.Status(rawValue: field("status"))
                if status == nil { problems.append(words["progressStatusNeeded", default: "status"]) }
                var percent: Double?
                if !field("percent").isEmpty {
                    percent = Double(field("percent").replacingOccurrences(of: ",", with: "."))
                    if percent.map({ !(0...100).contains($0) }) ?? true { problems.append(words["percentRange", default: "percent"]) }
                }
                var completed: CivilDate?
                if !field("completed_on").isEmpty {
                    completed = CivilDate(field("completed_on"))
                    if completed == nil { problems.append(words["dateBad", default: "date"]) }
                }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                let old = try await services.plans.progress(plan: p.id, period: period).first { $0.task == taskCode && $0.agency == agency }
                var evidence = old?.evidence ?? []
                if let file = parts.first(where: { $0.name == "file" && $0.filename != nil && !$0.data.isEmpty }), problems.isEmpty {
                    let sha = SHA256.hex(file.data)
                    let name = String((file.filename ?? "tep").split(separator: "/").last?.split(separator: "\\").last ?? "tep").prefix(200)
                    let type = file.contentType.flatMap { Self.evidenceTypes.contains($0) ? $0 : nil } ?? "application/octet-stream"
                    try await services.store.addEvidence(
                        EvidenceFile(
                            sha256: sha, filename: String(name), contentType: type, data: file.data, uploadedBy: caller.name,
                            uploadedAt: services.clock()))
                    let link = "/workspace/evidence/\(sha)?name=\(Self.query(String(name)))"
                    if !evidence.contains(link) { evidence.append(link) }
                }
                guard problems.isEmpty, let status else {
                    return pages.response("progress", try await progressPage(request, context, problems: problems), status: .unprocessableContent)
                }
                let entry = ProgressEntry(
                    plan: p.id, task: taskCode, period: period, agency: agency, status: status, percent: percent, results: field("results"),
                    difficulties: field("difficulties"), proposals: field("proposals"), evidence: evidence, completedOn: completed)
                do {
                    try await services.plans.saveProgress([entry], plan: p, caller: caller, origins: ["form"])
                } catch {
                    guard let (code, message) = Self.planRefusal(error) else { throw error }
                    return pages.response("progress", try await progressPage(request, context, problems: [message]), status: code)
                }
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/tasks/progress", entity: "progress",
                    key: "\(p.id)/\(taskCode)/\(period)/\(agency)",
                    after: IndicatorJSON.encode(["status": status.rawValue, "evidence": String(evidence.count)]))
                let agencyQuery = context.caller?.scope.agency == nil ? "&agency=\(Self.query(agency))" : ""
                return Response(
                    status: .seeOther, headers: [.location: "/workspace/tasks?lang=\(lang.rawValue)&period=\(period)\(agencyQuery)&done=1"])
            }
        }
        router.post("workspace/tasks/report") { request, context in
            try await htmlErrors(request, context) {
                let lang = Self.language(request)
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                let id = form["id", default: ""]
                let results = form["results", default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
                do {
                    _ = try await services.plans.act(.submit, report: id, sections: [ReportOutline.results: results], caller: caller)
                } catch {
                    guard let (code, message) = Self.planRefusal(error) else { throw error }
                    return pages.response("tasks", try await tasksPage(request, context, error: message), status: code)
                }
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/tasks/report", entity: "reports", key: id,
                    after: #"{"action":"submit"}"#)
                let period = try Self.workPeriod(request, now: services.clock())
                return Response(status: .seeOther, headers: [.location: "/workspace/tasks?lang=\(lang.rawValue)&period=\(period)&done=1"])
            }
        }
        router.get("workspace/consolidation") { request, context in
            try await htmlErrors(request, context) { pages.response("consolidation", try await consolidationPage(request, context)) }
        }
        router.post("workspace/consolidation") { request, context in
            try await htmlErrors(request, context) {
                let lang = Self.language(request)
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                let id = form["id", default: ""]
                guard let action = form["action"].flatMap(ReportAction.init(rawValue:)), [.accept, .sendBack].contains(action) else {
                    throw Problem(status: .badRequest, detail: "action must be accept or send-back", pointer: "/action")
                }
                let note = String(form["note", default: ""].prefix(2000))
                do {
                    _ = try await services.plans.act(action, report: id, note: note, caller: caller)
                } catch {
                    guard let (code, message) = Self.planRefusal(error) else { throw error }
                    return pages.response("consolidation", try await consolidationPage(request, context, error: message), status: code)
                }
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/consolidation", entity: "reports", key: id,
                    after: IndicatorJSON.encode(["action": action.rawValue, "note": note]))
                let period = try Self.workPeriod(request, now: services.clock())
                return Response(status: .seeOther, headers: [.location: "/workspace/consolidation?lang=\(lang.rawValue)&period=\(period)&done=1"])
            }
        }
        router.get("workspace/evidence/{sha256}") { request, context in
            try await htmlErrors(request, context) {
                let sha = try context.parameters.require("sha256")
                guard sha.count == 64, sha.allSatisfy(\.isHexDigit), let file = try await services.store.evidence(sha256: sha.lowercased()) else {
                    throw Problem(status: .notFound, detail: "no evidence file '\(sha.prefix(64))'")
                }
                let ascii = String(file.filename.unicodeScalars.map { $0.isASCII && $0 != "\"" && $0.value >= 32 ? Character($0) : "_" })
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: file.contentType,
                        .contentDisposition: "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(Self.query(file.filename))",
                        .cacheControl: "private, max-age=86400",
                    ], body: .init(byteBuffer: ByteBuffer(data: file.data)))
            }
        }
    }
}

/// `/workspace/tasks`.
struct TasksPage: Sendable {
    struct Row: Sendable {
        var plan, task, title, role, deadline, outcome, progress: String
        var reported: Bool
        var evidence: Int
        var href: String
    }
    struct Report: Sendable {
        var id, name, recipient, state, stateKey, due: String
        var note: String?
        var open: Bool
        var results: String
    }
    var agency: String?
    var period: String
    var rows: [Row]
    var hasRows: Bool
    var reports: [Report]
    var hasReports: Bool
    var csrf, reportAction: String
    var error, done: String?
}

/// `/workspace/tasks/progress`.
struct ProgressPage: Sendable {
    struct Option: Sendable {
        var value, label: String
        var selected: Bool
    }
    struct Link: Sendable {
        var href, name: String
    }
    var plan, task, title, period: String
    var statuses: [Option]
    var percent, results, difficulties, proposals, completedOn: String
    var evidence: [Link]
    var csrf, action, back: String
    var problems: [String]
    var hasProblems: Bool
}

/// `/workspace/consolidation`.
struct ConsolidationPage: Sendable {
    struct Entry: Sendable {
        var task, status, percent, results: String
        var evidence: [ProgressPage.Link]
    }
    struct Item: Sendable {
        var id, agency, name, state, stateKey, submitted, results: String
        var entries: [Entry]
        var decidable: Bool
    }
    struct Document: Sendable {
        var plan, docx, print: String
    }
    var recipient: String?
    var period: String
    var items: [Item]
    var hasItems: Bool
    var documents: [Document]
    var csrf, action: String
    var error, done: String?
}
