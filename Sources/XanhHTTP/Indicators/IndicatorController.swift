import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Units, the indicator catalogue, reported values with their workflow, aggregates, targets and the composite index.
struct IndicatorController {
    let services: AppServices
    var service: IndicatorService { services.indicators }

    struct UnitDTO: Codable {
        var id, code, nameVi, nameEn, level: String
        var parent, validFrom, validTo, successor: String?
        var currentProvince: String?
    }

    struct ValueDTO: Codable {
        var indicator, unit, period: String
        var value, numerator, denominator: Double?
        var status, updatedBy, updatedAt: String
    }

    struct ValueIn: Codable {
        var indicator, unit, period: String?
        var value, numerator, denominator: Double?
        var unitOfMeasure: String?
    }

    struct ValuesBody: Codable {
        var values: [ValueIn]
        /// Submit at once (default) or keep as draft.
        var submit: Bool?
    }

    struct TransitionBody: Codable {
        var items: [ValueKey]
        var comment: String?
    }

    /// Runs a body and turns refused batches into 422 problems that name each row or cell.
    func refusing<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let e as RowProblems { throw Problem.from(e) }
    }

    /// Who writes: the key `PolicyMiddleware` checked (every write route needs one).
    func identity(_ context: AppRequestContext) -> Caller {
        context.writer
    }

    /// Refuses a write for units outside the caller's unit scope (403, naming them), before anything is stored.
    func checkUnits(_ units: [String], _ who: Caller) async throws {
        let outside = try await service.unitsOutside(who.scope, units)
        guard outside.isEmpty else {
            throw Problem(
                status: .forbidden,
                detail:
                    "nothing was stored: '\(who.name)' reports for unit \(who.scope.unit ?? "") and the units under it, not for \(outside.joined(separator: ", "))"
            )
        }
    }

    /// Every route of the indicators API, each to its named handler below.
    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("units", use: units)
        api.get("units/{id}/boundary", use: boundary)
        api.get("indicators", use: indicators)
        api.get("indicators/{code}", use: indicator)
        api.put("indicators/{code}", use: putIndicator)
        api.get("values", use: values)
        api.post("values", use: postValues)
        for action in [ValueAction.submit, .approve, .reopen, .sendBack] { api.post("values/\(action.rawValue)", use: transition(action)) }
        api.get("values/history", use: history)
        api.get("values/template", use: template)
        api.post("values/upload", use: upload)
        api.get("aggregates", use: aggregates)
        api.get("targets", use: targets)
        api.post("targets", use: postTarget)
        api.get("targets/progress", use: progress)
        api.post("indicators/compute", use: compute)
        api.get("index", use: indexes)
        api.get("index/{id}/scores", use: scores)
    }

    /// `GET /api/v1/units`: the administrative units, by level, parent and date.
    @Sendable func units(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let h = try await service.hierarchy()
        let level = request.query("level")
        let parent = request.query("parent")
        let date = request.query("date")
        var units = h.units.values.filter { (level == nil || $0.level.rawValue == level) && (parent == nil || $0.parent == parent) }
        if let date { units = units.filter { $0.valid(on: date) } }
        let items = units.sorted { $0.id < $1.id }.map {
            UnitDTO(
                id: $0.id, code: $0.code, nameVi: $0.nameVi, nameEn: $0.nameEn, level: $0.level.rawValue, parent: $0.parent, validFrom: $0.validFrom,
                validTo: $0.validTo, successor: $0.successor, currentProvince: h.currentProvince(of: $0.id))
        }
        return try Self.table(request, items: items, name: "units") {
            [$0.id, $0.code, $0.nameVi, $0.nameEn, $0.level, $0.parent ?? "", $0.validFrom ?? "", $0.validTo ?? "", $0.successor ?? ""]
        } header: {
            ["id", "code", "name_vi", "name_en", "level", "parent", "valid_from", "valid_to", "successor"]
        }
    }

    /// `GET /api/v1/units/{id}/boundary`: a unit's boundary as GeoJSON.
    @Sendable func boundary(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let b = try await services.store.boundary(unit: id) else { throw Problem(status: .notFound, detail: "unit '\(id)' has no boundary") }
        return Response(status: .ok, headers: [.contentType: "application/geo+json"], body: .init(byteBuffer: ByteBuffer(string: b)))
    }

    /// `GET /api/v1/indicators`: the indicator catalogue, optionally of one framework.
    @Sendable func indicators(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let list = try await service.catalogue().values.sorted { $0.code < $1.code }
        let framework = request.query("framework")
        return try Self.table(request, items: list.filter { i in framework.map { i.frameworks.contains($0) } ?? true }, name: "indicators") {
            [
                $0.code, $0.nameVi, $0.nameEn, $0.unit, $0.frequency.rawValue, $0.direction.rawValue, $0.computation.rawValue,
                $0.unitAggregation.rawValue, $0.frameworks.joined(separator: ";"), $0.agency ?? "", $0.numerator ?? "", $0.denominator ?? "",
                Self.num($0.factor), Self.num($0.min), Self.num($0.max), $0.formula ?? "",
            ]
        } header: {
            IndicatorTable.columns
        }
    }

    /// `GET /api/v1/indicators/{code}`: one indicator of the catalogue.
    @Sendable func indicator(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        guard let i = try await service.catalogue()[code] else {
            throw Problem(status: .notFound, detail: "indicator '\(code)' is not in the catalogue")
        }
        return try JSON.response(i)
    }

    /// `PUT /api/v1/indicators/{code}`: adds or redefines an indicator of the catalogue.
    @Sendable func putIndicator(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        var i = try await JSON.decode(Indicator.self, from: request, context)
        i.code = code
        let problems = IndicatorCatalogue.problems(i)
        guard problems.isEmpty else { throw Problem(status: .unprocessableContent, detail: problems.joined(separator: "; ")) }
        try await services.store.upsertIndicator(i)
        return try JSON.response(i)
    }

    /// `GET /api/v1/values`: reported values, filtered; JSON, CSV or XLSX.
    @Sendable func values(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let asked = try Self.statuses(request.query("status"))
        var rows = try await services.store.values(
            indicator: request.query("indicator"), unit: request.query("unit"), period: request.query("period"),
            statuses: Self.seesUnpublished(context) ? asked : asked.filter { $0 == .approved },
            limit: try request.intQuery("limit", default: 100_000, range: 1...100_000))
        // A caller scoped to a unit sees the unpublished values of its units only.
        if let scope = context.caller?.scope, scope.unit != nil {
            let outside = Set(try await service.unitsOutside(scope, rows.filter { $0.status != .approved }.map(\.unit)))
            rows = rows.filter { $0.status == .approved || !outside.contains($0.unit) }
        }
        let items = rows.map {
            ValueDTO(
                indicator: $0.indicator, unit: $0.unit, period: $0.period, value: $0.value, numerator: $0.numerator, denominator: $0.denominator,
                status: $0.status.rawValue, updatedBy: $0.updatedBy, updatedAt: Timestamps.format($0.updatedAt))
        }
        return try Self.table(request, items: items, name: "values") {
            [
                $0.indicator, $0.unit, $0.period, Self.num($0.value), Self.num($0.numerator), Self.num($0.denominator), $0.status, $0.updatedBy,
                $0.updatedAt,
            ]
        } header: {
            ["indicator", "unit", "period", "value", "numerator", "denominator", "status", "updated_by", "updated_at"]
        }
    }

    /// `POST /api/v1/values`: stores a batch of values as drafts or submitted; all of it or nothing.
    @Sendable func postValues(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = try await JSON.decode(ValuesBody.self, from: request, context)
        let inputs = body.values.enumerated().map { i, v in
            IndicatorValueInput(
                indicator: v.indicator, unit: v.unit, period: v.period, value: v.value, numerator: v.numerator, denominator: v.denominator,
                unitOfMeasure: v.unitOfMeasure, origin: "values/\(i)")
        }
        let who = identity(context)
        try await checkUnits(inputs.compactMap(\.unit), who)
        let n = try await refusing {
            try await service.submit(inputs, status: body.submit == false ? .draft : .submitted, by: who.name, at: services.clock())
        }
        return try JSON.response(["stored": n])
    }

    /// `GET /api/v1/values/history`: the workflow history of one value.
    @Sendable func history(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let i = request.query("indicator"), let u = request.query("unit"), let p = request.query("period") else {
            throw Problem(status: .badRequest, detail: "indicator, unit and period are required", pointer: "/query")
        }
        let entries = try await services.store.history(ValueKey(indicator: i, unit: u, period: p))
        // The public sees what was approved, not the drafts and submissions before it; so does a caller scoped to
        // other units.
        var inScope = false
        if let caller = context.caller { inScope = try await service.unitsOutside(caller.scope, [u]).isEmpty }
        let shown = Self.seesUnpublished(context) && inScope ? entries : entries.filter { $0.newStatus == ValueStatus.approved.rawValue }
        return try JSON.response(Page(items: shown, next: nil))
    }

    /// `GET /api/v1/values/template`: the XLSX template for units × indicators of a period.
    @Sendable func template(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let codes = (request.query("indicators") ?? "").split(separator: ",").map(String.init)
        let units = (request.query("units") ?? "").split(separator: ",").map(String.init)
        guard let period = request.query("period").flatMap(Period.init) else {
            throw Problem(
                status: .badRequest, detail: "period must be a year (2024), a quarter (2024-Q3) or a month (2024-07)", pointer: "/query/period")
        }
        let data = try await IndicatorTemplate.make(service: service, indicators: codes, units: units, period: period)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                .contentDisposition: "attachment; filename=\"xanh-template-\(period).xlsx\"",
            ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `POST /api/v1/values/upload`: a filled-in template, stored as one batch.
    @Sendable func upload(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let data = Data(buffer: try await request.bodyBytes())
        let inputs: [IndicatorValueInput]
        do {
            inputs = try IndicatorTemplate.read(data, bounds: XLSX.Bounds(context.limits))
        } catch let e as XLSX.ReadError {
            throw Problem(status: .badRequest, detail: e.message)
        }
        let who = identity(context)
        try await checkUnits(inputs.compactMap(\.unit), who)
        let n = try await refusing {
            try await service.submit(inputs, status: request.query("submit") == "false" ? .draft : .submitted, by: who.name, at: services.clock())
        }
        return try JSON.response(["stored": n])
    }

    /// `GET /api/v1/aggregates`: an indicator aggregated up the unit hierarchy.
    @Sendable func aggregates(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let code = request.query("indicator") else {
            throw Problem(status: .badRequest, detail: "indicator is required", pointer: "/query/indicator")
        }
        let statuses = Self.visible(try Self.statuses(request.query("status") ?? "submitted,approved"), context)
        let agg = try await service.aggregate(code, statuses: statuses)
        struct Row: Codable {
            var unit, period: String
            var value, numerator, denominator: Double?
            var count: Int
        }
        let items = agg.flatMap { unit, periods in
            periods.map {
                Row(
                    unit: unit, period: $0.key, value: $0.value.value, numerator: $0.value.numerator, denominator: $0.value.denominator,
                    count: $0.value.count)
            }
        }
        .sorted { ($0.unit, $0.period) < ($1.unit, $1.period) }
        return try Self.table(request, items: items, name: "aggregates") {
            [$0.unit, $0.period, Self.num($0.value), Self.num($0.numerator), Self.num($0.denominator), String($0.count)]
        } header: {
            ["unit", "period", "value", "numerator", "denominator", "count"]
        }
    }

    /// `GET /api/v1/targets`: the targets, filtered.
    @Sendable func targets(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try Self.table(
            request, items: try await services.store.targets(indicator: request.query("indicator"), unit: request.query("unit")), name: "targets"
        ) {
            [$0.indicator, $0.unit, String($0.baselineYear), Self.num($0.baselineValue), String($0.targetYear), Self.num($0.targetValue), $0.source]
        } header: {
            ["indicator", "unit", "baseline_year", "baseline_value", "target_year", "target_value", "source"]
        }
    }

    /// `POST /api/v1/targets`: adds or replaces a target.
    @Sendable func postTarget(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let t = try await JSON.decode(IndicatorTarget.self, from: request, context)
        guard try await service.catalogue()[t.indicator] != nil else {
            throw Problem(status: .unprocessableContent, detail: "indicator '\(t.indicator)' is not in the catalogue", pointer: "/indicator")
        }
        guard t.targetYear > t.baselineYear else {
            throw Problem(status: .unprocessableContent, detail: "targetYear must be after baselineYear", pointer: "/targetYear")
        }
        return try JSON.response(try await services.store.upsertTarget(t), status: .created)
    }

    /// `GET /api/v1/targets/progress`: each target's progress in a year.
    @Sendable func progress(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let year = try request.intQuery("year", default: Timestamps.localYear(services.clock()), range: 1990...2100)
        let targets = try await services.store.targets(indicator: request.query("indicator"), unit: request.query("unit"))
        let items = try await service.progress(of: targets, year: year, statuses: Self.visible([.submitted, .approved], context))
        return try JSON.response(Page(items: items, next: nil))
    }

    /// `POST /api/v1/indicators/compute`: computes the monitoring-derived indicators of a year (approver role).
    @Sendable func compute(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let year = try request.intQuery("year", default: Timestamps.localYear(services.clock()), range: 2000...2100)
        // The policy lets only holders of the 'approve' permission here (computed values are stored approved).
        return try JSON.response(["stored": try await MonitoringIndicators(services: services).compute(year: year)])
    }

    /// `GET /api/v1/index`: the composite indexes defined.
    @Sendable func indexes(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        try JSON.response(Page(items: try IndexCatalogue.bundled().indexes, next: nil))
    }

    /// `GET /api/v1/index/{id}/scores`: a composite index's scores in a year, with the sensitivity analysis if asked.
    @Sendable func scores(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        guard var def = try IndexCatalogue.bundled().indexes.first(where: { $0.id == id }) else {
            throw Problem(status: .notFound, detail: "index '\(id)' does not exist")
        }
        if let n = request.query("normalisation") {
            guard let v = IndexDefinition.Normalisation(rawValue: n) else {
                throw Problem(
                    status: .badRequest, detail: "normalisation '\(n)' is not one of \(IndexDefinition.Normalisation.allCases.map(\.rawValue))")
            }
            def.normalisation = v
        }
        if let a = request.query("aggregation") {
            guard let v = IndexDefinition.Aggregation(rawValue: a) else {
                throw Problem(status: .badRequest, detail: "aggregation '\(a)' is not arithmetic or geometric")
            }
            def.aggregation = v
        }
        let year = try request.intQuery("year", default: Timestamps.localYear(services.clock()) - 1, range: 1990...2100)
        let runs = try request.intQuery("runs", default: 0, range: 0...10_000)
        let seed = UInt64(try request.intQuery("seed", default: 1, range: 0...Int.max))
        let data = try await service.indexData(def, year: year, statuses: Self.visible([.submitted, .approved], context))
        let result = CompositeIndex.compute(def, data: data)
        struct Out: Codable {
            var index: String
            var year: Int
            var normalisation, aggregation: String
            var scores: [IndexResult.UnitScore]
            var imputed: [IndexResult.Imputed]
            var excluded: [String]
            var droppedIndicators: [String]
            var sensitivity: CompositeIndex.Sensitivity?
        }
        let sensitivity = runs > 0 ? CompositeIndex.sensitivity(def, data: data, runs: runs, seed: seed) : nil
        return try JSON.response(
            Out(
                index: id, year: year, normalisation: def.normalisation.rawValue, aggregation: def.aggregation.rawValue, scores: result.scores,
                imputed: result.imputed, excluded: result.excluded, droppedIndicators: result.droppedIndicators, sensitivity: sensitivity))
    }

    /// `POST /api/v1/values/{submit,approve,reopen,send-back}`: moves values through the workflow.
    func transition(_ action: ValueAction) -> @Sendable (Request, AppRequestContext) async throws -> Response {
        { request, context in
            let body = try await JSON.decode(TransitionBody.self, from: request, context)
            let who = identity(context)
            try await checkUnits(body.items.map(\.unit), who)
            try await refusing {
                try await service.transition(
                    body.items, action: action, approver: Role(name: who.role)?.may(.approve) == true, by: who.name, comment: body.comment,
                    at: services.clock())
            }
            return try JSON.response(["changed": body.items.count])
        }
    }

    /// Whether the caller may see unpublished (draft, submitted) values: a key whose role holds 'internal'.
    static func seesUnpublished(_ context: AppRequestContext) -> Bool {
        context.caller.flatMap { Role(name: $0.role) }?.may(.internalRead) == true
    }

    /// The statuses asked for that the caller may see in figures across units (aggregates, progress, the index): the
    /// public, and a caller scoped to one unit, see approved values only there.
    static func visible(_ asked: [ValueStatus], _ context: AppRequestContext) -> [ValueStatus] {
        seesUnpublished(context) && context.caller?.scope.unit == nil ? asked : asked.filter { $0 == .approved }
    }

    static func num(_ d: Double?) -> String { d.map { $0 == $0.rounded() && abs($0) < 1e15 ? String(Int64($0)) : String($0) } ?? "" }

    static func statuses(_ text: String?) throws -> [ValueStatus] {
        guard let text, !text.isEmpty else { return ValueStatus.allCases }
        return try text.split(separator: ",").map {
            guard let s = ValueStatus(rawValue: String($0)) else {
                throw Problem(status: .badRequest, detail: "status '\($0)' is not draft, submitted or approved", pointer: "/query/status")
            }
            return s
        }
    }

    /// JSON by default; `format=csv` or `format=xlsx` for the same table.
    static func table<T: Encodable>(_ request: Request, items: [T], name: String, row: (T) -> [String], header: () -> [String]) throws -> Response {
        switch request.query("format") ?? "json" {
        case "csv": return csvResponse(header(), items.map(row), filename: "\(name).csv")
        case "xlsx":
            let sheet = XLSX.Sheet(
                name: name,
                rows: [header().map { .text($0) }]
                    + items.map { row($0).map { Double($0).map(XLSX.Cell.number) ?? ($0.isEmpty ? .empty : .text($0)) } })
            return Response(
                status: .ok,
                headers: [
                    .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    .contentDisposition: "attachment; filename=\"\(name).xlsx\"",
                ],
                body: .init(byteBuffer: ByteBuffer(bytes: try XLSX.write([sheet]))))
        case "json": return try JSON.response(Page(items: items, next: nil))
        case let other: throw Problem(status: .badRequest, detail: "format '\(other)' is not json, csv or xlsx", pointer: "/query/format")
        }
    }
}
