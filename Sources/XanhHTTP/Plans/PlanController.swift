import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Agencies, plans with their solution groups, tasks and targets, task progress, reporting obligations and the
/// reports with their workflow (decision 0016).
struct PlanController {
    let services: AppServices
    var service: PlanService { services.plans }

    struct AgenciesBody: Decodable { var agencies: [Agency] }

    struct PlanBody: Decodable {
        var plan: Plan
        var targets: [IndicatorTarget]?
        init(from decoder: any Decoder) throws {
            // The plan's own fields at the top, with `targets` (indicator targets it sets) beside them.
            plan = try Plan(from: decoder)
            targets = try decoder.container(keyedBy: Key.self).decodeIfPresent([IndicatorTarget].self, forKey: .targets)
        }
        enum Key: String, CodingKey { case targets }
    }

    struct ProgressBody: Decodable { var entries: [ProgressEntry] }

    struct ReportBody: Decodable {
        var sections: [String: String]?
        var nothingToReport: Bool?
        var note: String?
    }

    /// A plan as the API gives it: the plan, its tasks with outcomes, its targets with progress, and outcome counts.
    struct PlanDTO: Encodable {
        var plan: Plan
        var tasks: [TaskView]
        var targets: [IndicatorService.TargetWithProgress]
        var outcomesByAgency: [OutcomeCounts]
        var outcomesByGroup: [OutcomeCounts]

        enum CodingKeys: String, CodingKey {
            case id, number, title, issuer, unit, signedOn, effectiveOn, fromYear, toYear, implements, standingAgency, status, document, links
            case illustrative, solutionGroups, targetGroups, tasks, targets, outcomesByAgency, outcomesByGroup
        }

        func encode(to encoder: any Encoder) throws {
            try plan.encode(to: encoder)
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(tasks, forKey: .tasks)
            try c.encode(targets, forKey: .targets)
            try c.encode(outcomesByAgency, forKey: .outcomesByAgency)
            try c.encode(outcomesByGroup, forKey: .outcomesByGroup)
        }
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("agencies", use: agencies)
        api.post("agencies", use: postAgencies)
        api.get("plans", use: plans)
        api.post("plans", use: postPlan)
        api.get("plans/{id}", use: plan)
        api.get("plans/{id}/tasks", use: tasks)
        api.get("plans/{id}/progress", use: progress)
        api.get("plans/{id}/report", use: report)
        api.post("plans/{id}/progress", use: postProgress)
        api.get("obligations", use: obligations)
        api.post("obligations", use: postObligation)
        api.get("reports", use: reports)
        api.get("reports/environment", use: environment)
        api.post("reports/{id}", use: act(.save))
        api.post("reports/{id}/submit", use: act(.submit))
        api.post("reports/{id}/send-back", use: act(.sendBack))
        api.post("reports/{id}/accept", use: act(.accept))
    }

    /// `GET /api/v1/agencies`: every agency; their contacts only to callers who may read internal data.
    @Sendable func agencies(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let internalRead = IndicatorController.seesUnpublished(context)
        let list = try await service.agencies().map {
            var a = $0
            if !internalRead { a.emails = [] }
            return a
        }
        return try JSON.response(Page(items: list, next: nil))
    }

    /// `POST /api/v1/agencies`: adds or replaces agencies (`{"agencies": […]}`), all or none.
    @Sendable func postAgencies(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await JSON.decode(AgenciesBody.self, from: request, context)
        guard body.agencies.count <= 5000 else {
            throw Problem(status: .badRequest, detail: "at most 5,000 agencies at a time", pointer: "/agencies")
        }
        try await service.saveAgencies(body.agencies, origins: body.agencies.indices.map { "agencies/\($0)" })
        return try JSON.response(["stored": body.agencies.count], status: .created)
    }

    /// `GET /api/v1/plans`: plans in force, completed or superseded; drafts too for staff.
    @Sendable func plans(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let list = try await service.plans(includeDrafts: IndicatorController.seesUnpublished(context))
        let status = request.query("status")
        return try JSON.response(Page(items: list.filter { status == nil || $0.status.rawValue == status }.map(Summary.init), next: nil))
    }

    struct Summary: Encodable {
        var id, number, title, issuer, status, standingAgency: String
        var fromYear, toYear, solutionGroups, tasks: Int
        var illustrative: Bool
        init(_ p: Plan) {
            (id, number, title, issuer, status, standingAgency) = (p.id, p.number, p.title, p.issuer, p.status.rawValue, p.standingAgency)
            (fromYear, toYear, solutionGroups, tasks, illustrative) = (p.fromYear, p.toYear, p.solutionGroups.count, p.tasks.count, p.illustrative)
        }
    }

    /// `POST /api/v1/plans`: adds or replaces a plan whole, with the indicator targets it sets.
    @Sendable func postPlan(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await JSON.decode(PlanBody.self, from: request, context)
        guard body.plan.tasks.count <= 2000, body.plan.solutionGroups.count <= 100, (body.targets ?? []).count <= 2000 else {
            throw Problem(status: .badRequest, detail: "a plan holds at most 100 solution groups, 2,000 tasks and 2,000 targets")
        }
        try await service.savePlan(body.plan, targets: body.targets ?? [])
        return try JSON.response(Summary(body.plan), status: .created)
    }

    func loadPlan(_ context: AppRequestContext) async throws -> Plan {
        try await service.plan(id: try context.parameters.require("id"), includeDrafts: IndicatorController.seesUnpublished(context))
    }

    /// `GET /api/v1/plans/{id}`: the plan with its solution groups, tasks (with computed outcomes) and targets.
    /// With `format=xlsx` or `csv`, the plan's workbook: what `xanh plan import` reads back whole.
    @Sendable func plan(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try await loadPlan(context)
        switch request.query("format") ?? "json" {
        case "json": return try JSON.response(try await dto(p))
        case "xlsx":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    .contentDisposition: "attachment; filename=\"\(p.id).xlsx\"",
                ], body: .init(byteBuffer: ByteBuffer(bytes: try await service.export(p, csv: false))))
        case "csv":
            return Response(
                status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(p.id).csv\""],
                body: .init(byteBuffer: ByteBuffer(bytes: [0xEF, 0xBB, 0xBF] + (try await service.export(p, csv: true)))))
        case let other: throw Problem(status: .badRequest, detail: "format '\(other.prefix(20))' is not json, xlsx or csv", pointer: "format")
        }
    }

    func dto(_ p: Plan) async throws -> PlanDTO {
        let tasks = try await service.tasks(of: p)
        let counts = service.outcomeCounts(tasks)
        // Progress in the last full year, from approved values (what the public may see).
        let targets = try await services.indicators.progress(
            of: try await service.targets(of: p), year: service.today.year - 1, statuses: [.approved])
        return PlanDTO(plan: p, tasks: tasks, targets: targets, outcomesByAgency: counts.agencies, outcomesByGroup: counts.groups)
    }

    /// `GET /api/v1/plans/{id}/tasks?agency=&outcome=`: tasks with their computed outcomes.
    @Sendable func tasks(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try await loadPlan(context)
        var outcome: DeadlineOutcome?
        if let o = request.query("outcome") {
            guard let v = DeadlineOutcome(rawValue: o) else {
                throw Problem(
                    status: .badRequest,
                    detail: "outcome '\(o.prefix(40))' is not one of \(DeadlineOutcome.allCases.map(\.rawValue).joined(separator: ", "))",
                    pointer: "outcome")
            }
            outcome = v
        }
        return try JSON.response(Page(items: try await service.tasks(of: p, agency: request.query("agency"), outcome: outcome), next: nil))
    }

    func period(_ request: Request) throws -> String? {
        guard let p = request.query("period") else { return nil }
        guard ReportingPeriod(p) != nil else {
            throw Problem(
                status: .badRequest, detail: "period '\(p.prefix(20))' is not a period key (2026-H1, 2026-Q3, 2026-05, 2026)", pointer: "period")
        }
        return p
    }

    /// `GET /api/v1/plans/{id}/report?period=2026-H1&format=docx|html`: the progress report of a period, as an editable
    /// Word document laid out per Decree 30/2020 or as a printable page.
    @Sendable func report(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try await loadPlan(context)
        guard let period = try period(request) else {
            throw Problem(status: .badRequest, detail: "period is required (2026-H1, 2026)", pointer: "period")
        }
        let doc = try await PlanReport(services: services).build(plan: p, period: period)
        return try Self.document(doc, format: request.query("format") ?? "docx", name: "\(p.id)-\(period)")
    }

    /// A report document as DOCX (default) or HTML.
    static func document(_ doc: ReportDocument, format: String, name: String) throws -> Response {
        switch format {
        case "docx":
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    .contentDisposition: "attachment; filename=\"\(name).docx\"",
                ], body: .init(byteBuffer: ByteBuffer(bytes: try DOCX.write(doc))))
        case "html":
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: ReportHTML.render(doc))))
        default:
            throw Problem(status: .badRequest, detail: "format '\(format.prefix(20))' is not docx or html", pointer: "format")
        }
    }

    /// `GET /api/v1/reports/environment?year=2026&province=&format=docx|html|json`: the air section of the annual
    /// environmental-protection report (Circular 02/2022, Mẫu 03, I.1) from the stations' daily means.
    @Sendable func environment(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let year = try request.intQuery("year", default: service.today.year, range: 2000...2100)
        let province = request.query("province")
        let report = EnvironmentReport(services: services)
        let format = request.query("format") ?? "docx"
        if format == "json" { return try JSON.response(try await report.figures(year: year, province: province)) }
        return try Self.document(try await report.document(year: year, province: province), format: format, name: "mau03-khong-khi-\(year)")
    }

    /// `GET /api/v1/plans/{id}/progress?period=`: the agencies' progress entries.
    @Sendable func progress(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try await loadPlan(context)
        return try JSON.response(Page(items: try await service.progress(plan: p.id, period: try period(request)), next: nil))
    }

    /// `POST /api/v1/plans/{id}/progress`: adds or replaces progress entries (`{"entries": […]}`), all or none.
    @Sendable func postProgress(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let p = try await loadPlan(context)
        let body = try await JSON.decode(ProgressBody.self, from: request, context)
        guard body.entries.count <= 2000 else { throw Problem(status: .badRequest, detail: "at most 2,000 entries at a time", pointer: "/entries") }
        let entries = body.entries.map {
            var e = $0
            e.plan = p.id
            return e
        }
        try await service.saveProgress(entries, plan: p, caller: context.writer, origins: entries.indices.map { "entries/\($0)" })
        return try JSON.response(["stored": entries.count], status: .created)
    }

    /// `GET /api/v1/obligations?plan=`: reporting obligations.
    @Sendable func obligations(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try JSON.response(Page(items: try await service.obligations(plan: request.query("plan")), next: nil))
    }

    /// `POST /api/v1/obligations`: adds or replaces an obligation; its reports for open periods appear at once.
    @Sendable func postObligation(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let o = try await JSON.decode(ReportingObligation.self, from: request, context)
        guard o.reporters.count <= 2000, o.outline.count <= 20, o.dataForm.count <= 500 else {
            throw Problem(status: .badRequest, detail: "at most 2,000 reporters, 20 outline sections and 500 indicators")
        }
        try await service.saveObligation(o)
        return try JSON.response(o, status: .created)
    }

    /// `GET /api/v1/reports?plan=&period=&status=`: reports with their states; an agency's caller sees its own and
    /// those sent to it.
    @Sendable func reports(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        var states: [ReportState]?
        if let s = request.query("status") {
            let parts = s.split(separator: ",").map(String.init)
            let parsed = parts.compactMap(ReportState.init(rawValue:))
            guard parsed.count == parts.count, !parts.isEmpty else {
                throw Problem(
                    status: .badRequest,
                    detail: "status '\(s.prefix(60))' is not among \(ReportState.allCases.map(\.rawValue).joined(separator: ", "))",
                    pointer: "status")
            }
            states = parsed
        }
        let list = try await service.reports(plan: request.query("plan"), period: try period(request), states: states, caller: context.caller)
        return try JSON.response(Page(items: list, next: nil))
    }

    /// `POST /api/v1/reports/{id}` (save), `/submit`, `/send-back` (needs a note), `/accept`.
    func act(_ action: ReportAction) -> @Sendable (Request, AppRequestContext) async throws -> Response {
        { request, context in
            let id = try context.parameters.require("id")
            let body = try await JSON.decode(ReportBody.self, from: request, context)
            if let n = body.note, n.utf8.count > 10_000 { throw Problem(status: .badRequest, detail: "note: at most 10,000 bytes", pointer: "/note") }
            let v = try await service.act(
                action, report: id, sections: body.sections, nothingToReport: body.nothingToReport, note: body.note, caller: context.writer)
            return try JSON.response(v)
        }
    }
}
