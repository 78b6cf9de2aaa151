import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Indicator reporting in the browser. `/workspace/reporting` (the `report` permission): what is due for the
/// reporter's administrative unit in a period and what is already in, the XLSX template of exactly those rows, a file
/// form (multipart) that stores a filled template as submitted values, and a form for one value; refusals name the
/// sheet, row and column, in the page's language. `/workspace/approvals` (the `approve` permission): submitted values
/// in the approver's scope beside the previous period and the unit's history (outliers marked); approve, send back
/// with a note, reopen — one value or many at once. Both go through `IndicatorService`, as the API does.
extension WebController {
    /// The unit a page is for: the caller's own, or (a province-wide account) the one asked for.
    func reportingUnit(_ request: Request, _ context: AppRequestContext) async throws -> AdminUnit? {
        let h = try await services.indicators.hierarchy()
        let asked = context.caller?.scope.unit ?? request.query("unit").map { String($0.prefix(40)) }
        guard let id = asked, !id.isEmpty else { return nil }
        guard let unit = h.units[id] else { throw Problem(status: .notFound, detail: "administrative unit '\(id)' does not exist") }
        return unit
    }

    static func reportingPeriod(_ text: String?, now: Int64) throws -> Period {
        let text = text.flatMap { $0.isEmpty ? nil : String($0.prefix(10)) } ?? String(Timestamps.localYear(now))
        guard let p = Period(text), (2000...2100).contains(p.year) else {
            throw Problem(
                status: .badRequest, detail: "period must be a year (2026), a quarter (2026-Q3) or a month (2026-07)", pointer: "/query/period")
        }
        return p
    }

    /// The indicators a unit reports for a period: those entered (direct, ratio) at the period's frequency.
    func dueIndicators(_ period: Period) async throws -> [Indicator] {
        let frequency: Indicator.Frequency = period.kind == .year ? .year : period.kind == .quarter ? .quarter : .month
        return try await services.indicators.catalogue().values.filter { [.direct, .ratio].contains($0.computation) && $0.frequency == frequency }
            .sorted { $0.code < $1.code }
    }

    func reportingPage(
        _ request: Request, _ context: AppRequestContext, problems: RowProblems? = nil, error: String? = nil, form: [String: String] = [:]
    ) async throws -> WebPage<ReportingPage> {
        let lang = Self.language(request)
        let words = labels.page(lang)
        let now = services.clock()
        let period = try Self.reportingPeriod(form["period"] ?? request.query("period"), now: now)
        let unit = try await reportingUnit(request, context)
        var rows: [ReportingPage.Row] = []
        var options: [ReportingPage.Option] = []
        if let unit {
            let entered = Dictionary(
                try await services.store.values(
                    indicator: nil, unit: unit.id, period: period.description, statuses: ValueStatus.allCases, limit: 10_000
                )
                .map { ($0.indicator, $0) }, uniquingKeysWith: { a, _ in a })
            for i in try await dueIndicators(period) {
                let v = entered[i.code]
                // A value sent back carries the approver's note until it is submitted again.
                var note: String?
                if let v, v.status == .draft {
                    let last = try await services.store.history(ValueKey(indicator: i.code, unit: unit.id, period: period.description)).last
                    if last?.action == ValueAction.sendBack.rawValue { note = last?.comment }
                }
                let shown = v.map { x -> String in
                    i.isRatio
                        ? "\(Self.number(x.value, lang, digits: 2)) (\(Self.number(x.numerator, lang, digits: 3)) / \(Self.number(x.denominator, lang, digits: 3)))"
                        : Self.number(x.value, lang, digits: 3)
                }
                rows.append(
                    .init(
                        code: i.code, name: lang == .vi ? i.nameVi : i.nameEn, unit: i.unit,
                        kind: words[i.isRatio ? "kindRatio" : "kindDirect", default: ""], value: shown ?? "–",
                        status: words["value_" + (v?.status.rawValue ?? "missing"), default: v?.status.rawValue ?? "missing"],
                        statusKey: v?.status.rawValue ?? "missing", note: note,
                        updated: v.map { "\(Self.shortTime($0.updatedAt, lang)) · \($0.updatedBy)" } ?? ""))
                options.append(
                    .init(value: i.code, label: "\(i.code) · \(lang == .vi ? i.nameVi : i.nameEn) (\(i.unit))", selected: form["indicator"] == i.code)
                )
            }
        }
        let units: [ReportingPage.Option]
        if context.caller?.scope.unit == nil {
            let h = try await services.indicators.hierarchy()
            units = h.units.values.filter { $0.level == .province && $0.validTo == nil }.sorted { $0.nameVi < $1.nameVi }.map {
                .init(value: $0.id, label: $0.nameVi, selected: $0.id == unit?.id)
            }
        } else {
            units = []
        }
        let year = Timestamps.localYear(now)
        let periods = (year - 2...year).reversed().map {
            ReportingPage.Option(value: String($0), label: String($0), selected: String($0) == period.description)
        }
        let q = "lang=\(lang.rawValue)&period=\(period)" + (unit.map { "&unit=\($0.id)" } ?? "")
        let vietnamese = lang == .vi
        let problemRows = (problems?.messages(vietnamese: vietnamese) ?? []).prefix(200).map { p in
            ReportingPage.Problem(place: Self.place(p.origin, words), message: p.message)
        }
        let stored = request.query("stored").flatMap { Int($0) }
        return layout(
            lang, title: words["reporting", default: "Reporting"], path: "/workspace/reporting",
            ReportingPage(
                unitName: unit?.nameVi, unitId: unit?.id ?? "", period: period.description, rows: rows, hasRows: !rows.isEmpty,
                done: rows.filter { $0.statusKey != "missing" }.count, due: rows.count, units: units, choosesUnit: !units.isEmpty, periods: periods,
                template: "/workspace/reporting/template?\(q)", uploadAction: "/workspace/reporting/upload?\(q)",
                valueAction: "/workspace/reporting/value?\(q)", csrf: context.session?.csrf ?? "", indicators: options,
                problems: Array(problemRows), hasProblems: !problemRows.isEmpty, error: error,
                stored: stored.map { words["valuesStored", default: "%d"].replacingOccurrences(of: "%d", with: String($0)) },
                form: .init(value: form["value"] ?? "", numerator: form["numerator"] ?? "", denominator: form["denominator"] ?? "")))
    }

    /// Where a problem is, in words: `so_lieu!G5` → "sheet so_lieu, row 5, column G (Giá trị …)"; other origins as
    /// they are.
    static func place(_ origin: String, _ words: [String: String]) -> String {
        let parts = origin.split(separator: "!", maxSplits: 1).map(String.init)
        guard parts.count == 2, let (row, column) = XLSX.position(parts[1]) else {
            return origin == "form" ? words["theForm", default: "form"] : origin
        }
        let header = IndicatorTemplate.label(column: column).map { " (\($0))" } ?? ""
        return words["cellPlace", default: "%s %r %c"].replacingOccurrences(of: "%s", with: parts[0])
            .replacingOccurrences(of: "%r", with: String(row + 1)).replacingOccurrences(of: "%c", with: XLSX.columnName(column) + header)
    }

    /// Refuses (on the page) units outside the caller's scope; nil when all are in.
    func outsideScope(_ inputs: [IndicatorValueInput], _ context: AppRequestContext, _ words: [String: String]) async throws -> String? {
        guard let caller = context.caller else { return words["error403"] }
        let outside = try await services.indicators.unitsOutside(caller.scope, inputs.compactMap(\.unit))
        return outside.isEmpty ? nil : "\(words["unitsOutside", default: "outside"]) \(outside.joined(separator: ", "))"
    }

    func storeValues(
        _ inputs: [IndicatorValueInput], _ request: Request, _ context: AppRequestContext, action: String, form: [String: String] = [:]
    ) async throws -> Response {
        let lang = Self.language(request)
        let words = labels.page(lang)
        if let refusal = try await outsideScope(inputs, context, words) {
            return pages.response("reporting", try await reportingPage(request, context, error: refusal, form: form), status: .forbidden)
        }
        let caller = context.caller ?? Caller(name: "anonymous", role: "public")
        let n: Int
        do {
            n = try await services.indicators.submit(inputs, status: .submitted, by: caller.name, at: services.clock())
        } catch let e as RowProblems {
            return pages.response("reporting", try await reportingPage(request, context, problems: e, form: form), status: .unprocessableContent)
        }
        let units = Set(inputs.compactMap(\.unit)).sorted().joined(separator: ",")
        try await services.audit.record(
            caller, address: context.address, channel: "web", action: action, entity: "values", key: units,
            after: IndicatorJSON.encode(["stored": String(n), "status": ValueStatus.submitted.rawValue]))
        let period = form["period"] ?? request.query("period") ?? ""
        let unit = request.query("unit").map { "&unit=\($0)" } ?? ""
        return Response(status: .seeOther, headers: [.location: "/workspace/reporting?lang=\(lang.rawValue)&period=\(period)\(unit)&stored=\(n)"])
    }

    func approvalsPage(
        _ request: Request, _ context: AppRequestContext, problems: RowProblems? = nil, error: String? = nil
    ) async throws -> WebPage<ApprovalsPage> {
        let lang = Self.language(request)
        let words = labels.page(lang)
        let status: ValueStatus = request.query("status") == "approved" ? .approved : .submitted
        let service = services.indicators
        let catalogue = try await service.catalogue()
        let h = try await service.hierarchy()
        var values = try await services.store.values(indicator: nil, unit: nil, period: nil, statuses: [status], limit: 20_000)
        if let scope = context.caller?.scope, scope.unit != nil {
            let outside = Set(try await service.unitsOutside(scope, values.map(\.unit)))
            values = values.filter { !outside.contains($0.unit) }
        }
        // Newest first; at most 300 on one page (approved values: the most recently changed).
        values.sort { ($0.updatedAt, $0.indicator, $0.unit) > ($1.updatedAt, $1.indicator, $1.unit) }
        let shown = values.prefix(300)
        var rows: [ApprovalsPage.Row] = []
        for v in shown {
            let i = catalogue[v.indicator]
            var previous: StoredIndicatorValue?
            if let p = Period(v.period)?.previous {
                previous = try await services.store.values(
                    indicator: v.indicator, unit: v.unit, period: p.description, statuses: [.approved], limit: 1
                ).first
            }
            let history = try await services.store.unitHistory(indicator: v.indicator, unit: v.unit, before: v.period)
            let outlier = v.value.flatMap { IndicatorValidation.outlier($0, history: history) }
            let mean = history.isEmpty ? nil : history.reduce(0, +) / Double(history.count)
            var change = ""
            if let p = previous?.value, let x = v.value, p != 0 {
                change = (x >= p ? "+" : "") + Self.number((x - p) / abs(p) * 100, lang, digits: 1) + " %"
            }
            rows.append(
                .init(
                    item: "\(v.indicator)|\(v.unit)|\(v.period)", code: v.indicator,
                    name: i.map { lang == .vi ? $0.nameVi : $0.nameEn } ?? v.indicator, unit: h.units[v.unit]?.nameVi ?? v.unit, period: v.period,
                    value: "\(Self.number(v.value, lang, digits: 3)) \(i?.unit ?? "")", previous: Self.number(previous?.value, lang, digits: 3),
                    change: change, mean: Self.number(mean, lang, digits: 3), outlier: outlier != nil, by: v.updatedBy,
                    at: Self.shortTime(v.updatedAt, lang)))
        }
        let vietnamese = lang == .vi
        let disasters = try await disasterRows(status, context, lang)
        return layout(
            lang, title: words["approvals", default: "Approvals"], path: "/workspace/approvals",
            ApprovalsPage(
                disasters: disasters, hasDisasters: !disasters.isEmpty,
                disasterAction: "/workspace/approvals/disasters?lang=\(lang.rawValue)&status=\(status.rawValue)",
                rows: rows, hasRows: !rows.isEmpty, submitted: status == .submitted, total: values.count, csrf: context.session?.csrf ?? "",
                action: "/workspace/approvals?lang=\(lang.rawValue)&status=\(status.rawValue)",
                submittedHref: "/workspace/approvals?lang=\(lang.rawValue)",
                approvedHref: "/workspace/approvals?lang=\(lang.rawValue)&status=approved",
                problems: (problems?.messages(vietnamese: vietnamese) ?? []).map { .init(place: $0.origin, message: $0.message) },
                hasProblems: problems != nil, error: error,
                done: request.query("done").flatMap { Int($0) }.map {
                    words["valuesChanged", default: "%d"].replacingOccurrences(of: "%d", with: String($0))
                }))
    }

    /// Disaster records in the approver's scope with the status shown (decision 0020): what each hit, where and how.
    func disasterRows(_ status: ValueStatus, _ context: AppRequestContext, _ lang: Language) async throws -> [ApprovalsPage.Disaster] {
        let events = try await services.store.disasterEvents(from: nil, to: nil, kind: nil, statuses: [status], limit: 1000)
        let shown = try await services.disasters.visible(events, scope: context.caller?.scope, unpublished: true)
        let units = Dictionary(try await services.store.adminUnits().map { ($0.id, $0.nameVi) }, uniquingKeysWith: { a, _ in a })
        let words = labels.page(lang)
        return shown.filter { $0.status == status }.sorted { $0.start > $1.start }.prefix(100).map { e in
            let t = DisasterTotals(e.effects)
            return ApprovalsPage.Disaster(
                id: e.id, anchor: "disaster-" + e.id, kind: lang == .vi ? e.kind.nameVi : Self.english(e.kind), start: Self.shortTime(e.start, lang),
                report: words["disasterReport_" + e.report.rawValue, default: e.report.rawValue],
                units: e.effects.map { units[$0.unit] ?? $0.unit }.joined(separator: ", "), dead: t.dead, missing: t.missing,
                loss: Self.number(t.lossVND / 1e9, lang, digits: 1),
                href: "/api/v1/disasters/\(Self.query(e.id))")
        }
    }

    func registerReportingPages(on router: Router<AppRequestContext>) {
        router.get("workspace/reporting") { request, context in
            try await htmlErrors(request, context) { pages.response("reporting", try await reportingPage(request, context)) }
        }
        router.get("workspace/reporting/template") { request, context in
            try await htmlErrors(request, context) {
                let period = try Self.reportingPeriod(request.query("period"), now: services.clock())
                guard let unit = try await reportingUnit(request, context) else {
                    throw Problem(status: .badRequest, detail: "unit is required", pointer: "/query/unit")
                }
                let codes = try await dueIndicators(period).map(\.code)
                let data = try await IndicatorTemplate.make(service: services.indicators, indicators: codes, units: [unit.id], period: period)
                return Response(
                    status: .ok,
                    headers: [
                        .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        .contentDisposition: "attachment; filename=\"xanh-mau-\(unit.id)-\(period).xlsx\"", .cacheControl: "no-store",
                    ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
            }
        }
        router.post("workspace/reporting/upload") { request, context in
            try await htmlErrors(request, context) {
                let words = labels.page(Self.language(request))
                var request = request
                let body = try await request.collectBody(upTo: services.limits.maxUploadBody)
                guard let boundary = Multipart.boundary(contentType: request.headers[.contentType] ?? "") else {
                    return pages.response(
                        "reporting", try await reportingPage(request, context, error: words["uploadNeedsFile"]), status: .unprocessableContent)
                }
                let parts: [Multipart.Part]
                do { parts = try Multipart.parse(Data(buffer: body), boundary: boundary) } catch let e as Multipart.ParseError {
                    throw Problem(status: .badRequest, detail: e.message)
                }
                guard let file = parts.first(where: { $0.name == "file" && !$0.data.isEmpty }) else {
                    return pages.response(
                        "reporting", try await reportingPage(request, context, error: words["uploadNeedsFile"]), status: .unprocessableContent)
                }
                let inputs: [IndicatorValueInput]
                do {
                    inputs = try IndicatorTemplate.read(file.data, bounds: XLSX.Bounds(context.limits))
                } catch let e as XLSX.ReadError {
                    let name = file.filename ?? "file"
                    return pages.response(
                        "reporting",
                        try await reportingPage(request, context, error: "\(words["uploadUnreadable", default: ""]) \(name): \(e.message)"),
                        status: .unprocessableContent)
                }
                guard !inputs.isEmpty else {
                    return pages.response(
                        "reporting", try await reportingPage(request, context, error: words["uploadEmpty"]), status: .unprocessableContent)
                }
                return try await storeValues(inputs, request, context, action: "POST /workspace/reporting/upload")
            }
        }
        router.post("workspace/reporting/value") { request, context in
            try await htmlErrors(request, context) {
                let form = try await Form.read(request, limit: services.limits.maxBody)
                guard let unit = try await reportingUnit(request, context) else {
                    throw Problem(status: .badRequest, detail: "unit is required", pointer: "/query/unit")
                }
                func number(_ name: String) -> (Double?, String?) {
                    let t = form[name, default: ""].trimmingCharacters(in: .whitespaces)
                    if t.isEmpty { return (nil, nil) }
                    return Double(t.replacingOccurrences(of: ",", with: ".")).map { ($0, nil) } ?? (nil, t)
                }
                var input = IndicatorValueInput(
                    indicator: form["indicator"], unit: unit.id, period: form["period"] ?? request.query("period"), value: nil, origin: "form")
                for (name, keyPath) in [("value", \IndicatorValueInput.value), ("numerator", \.numerator), ("denominator", \.denominator)] {
                    let (v, bad) = number(name)
                    input[keyPath: keyPath] = v
                    if let bad { input.notANumber = (name, bad) }
                }
                return try await storeValues([input], request, context, action: "POST /workspace/reporting/value", form: form)
            }
        }
        router.get("workspace/approvals") { request, context in
            try await htmlErrors(request, context) { pages.response("approvals", try await approvalsPage(request, context)) }
        }
        router.post("workspace/approvals") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                let fields = try await Form.readAll(request, limit: services.limits.maxBody)
                let words = labels.page(lang)
                let keys = fields.filter { $0.name == "item" }.prefix(1000).compactMap { f -> ValueKey? in
                    let p = f.value.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
                    return p.count == 3 ? ValueKey(indicator: p[0], unit: p[1], period: p[2]) : nil
                }
                let note = (fields.last { $0.name == "note" }?.value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard let action = fields.last(where: { $0.name == "action" }).flatMap({ ValueAction(rawValue: $0.value) }),
                    [.approve, .sendBack, .reopen].contains(action)
                else { throw Problem(status: .badRequest, detail: "action must be approve, send-back or reopen", pointer: "/action") }
                guard !keys.isEmpty else {
                    return pages.response(
                        "approvals", try await approvalsPage(request, context, error: words["chooseValues"]), status: .unprocessableContent)
                }
                guard note.count <= 2000 else { throw Problem(status: .badRequest, detail: "the note is over 2000 characters", pointer: "/note") }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                let outside = try await services.indicators.unitsOutside(caller.scope, keys.map(\.unit))
                guard outside.isEmpty else {
                    return pages.response(
                        "approvals",
                        try await approvalsPage(request, context, error: "\(words["unitsOutside", default: ""]) \(outside.joined(separator: ", "))"),
                        status: .forbidden)
                }
                do {
                    try await services.indicators.transition(
                        keys, action: action, approver: Role(name: caller.role)?.may(.approve) == true, by: caller.name,
                        comment: note.isEmpty ? nil : note, at: services.clock())
                } catch let e as RowProblems {
                    return pages.response("approvals", try await approvalsPage(request, context, problems: e), status: .unprocessableContent)
                }
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/approvals", entity: "values",
                    key: Set(keys.map(\.unit)).sorted().joined(separator: ","),
                    after: IndicatorJSON.encode(["action": action.rawValue, "count": String(keys.count), "note": String(note.prefix(500))]))
                let status = request.query("status") == "approved" ? "&status=approved" : ""
                return Response(status: .seeOther, headers: [.location: "/workspace/approvals?lang=\(lang.rawValue)\(status)&done=\(keys.count)"])
            }
        }
        // One disaster record approved, sent back (with a note) or reopened (with a note).
        router.post("workspace/approvals/disasters") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                let fields = try await Form.readAll(request, limit: services.limits.maxBody)
                let id = fields.last { $0.name == "id" }?.value ?? ""
                let note = (fields.last { $0.name == "note" }?.value ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                guard let action = fields.last(where: { $0.name == "action" }).flatMap({ ValueAction(rawValue: $0.value) }),
                    [.approve, .sendBack, .reopen].contains(action)
                else { throw Problem(status: .badRequest, detail: "action must be approve, send-back or reopen", pointer: "/action") }
                guard !id.isEmpty, id.count <= 100, note.count <= 2000 else {
                    throw Problem(status: .badRequest, detail: "an event id of 1 to 100 characters and a note of at most 2000", pointer: "/id")
                }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                do {
                    _ = try await services.disasters.act(
                        id: id, action, approver: Role(name: caller.role)?.may(.approve) == true, comment: note.isEmpty ? nil : note,
                        scope: caller.scope, by: caller.name)
                } catch let e as ValueWorkflow.WorkflowError {
                    return pages.response(
                        "approvals", try await approvalsPage(request, context, error: "\(id): " + (lang == .vi ? e.vi : e.message)),
                        status: .conflict)
                }
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/approvals/disasters", entity: "disasters", key: id,
                    after: IndicatorJSON.encode(["action": action.rawValue, "note": String(note.prefix(500))]))
                let status = request.query("status") == "approved" ? "&status=approved" : ""
                return Response(status: .seeOther, headers: [.location: "/workspace/approvals?lang=\(lang.rawValue)\(status)&done=1"])
            }
        }
    }
}

/// `/workspace/reporting`.
struct ReportingPage: Sendable {
    struct Row: Sendable {
        var code, name, unit, kind, value, status, statusKey: String
        var note: String?
        var updated: String
    }
    struct Option: Sendable {
        var value, label: String
        var selected: Bool
    }
    struct Problem: Sendable {
        var place, message: String
    }
    struct Form: Sendable {
        var value, numerator, denominator: String
    }
    var unitName: String?
    var unitId: String
    var period: String
    var rows: [Row]
    var hasRows: Bool
    var done, due: Int
    var units: [Option]
    var choosesUnit: Bool
    var periods: [Option]
    var template, uploadAction, valueAction, csrf: String
    var indicators: [Option]
    var problems: [Problem]
    var hasProblems: Bool
    var error: String?
    var stored: String?
    var form: Form
}

/// `/workspace/approvals`.
struct ApprovalsPage: Sendable {
    struct Disaster: Sendable {
        var id, anchor, kind, start, report, units: String
        var dead, missing: Int
        var loss, href: String
    }
    var disasters: [Disaster]
    var hasDisasters: Bool
    var disasterAction: String
    struct Row: Sendable {
        var item, code, name, unit, period, value, previous, change, mean: String
        var outlier: Bool
        var by, at: String
    }
    struct Problem: Sendable {
        var place, message: String
    }
    var rows: [Row]
    var hasRows: Bool
    var submitted: Bool
    var total: Int
    var csrf, action, submittedHref, approvedHref: String
    var problems: [Problem]
    var hasProblems: Bool
    var error: String?
    var done: String?
}
