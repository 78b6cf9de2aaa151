import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Disaster loss and damage records (decision 0020): `POST /api/v1/disasters` (a report of an event with its effects
/// per unit, the `report` permission, held to the caller's unit), the workflow's actions, the events, their totals
/// by unit, kind, month or year, and the Sendai indicators. The public sees approved events only.
struct DisasterController {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.post("disasters", use: put)
        api.get("disasters", use: list)
        api.get("disasters/totals", use: totals)
        api.get("disasters/sendai", use: sendai)
        api.get("disasters/{id}", use: one)
        for action in [ValueAction.submit, .approve, .sendBack, .reopen] {
            api.post("disasters/{id}/\(action.rawValue)", use: act(action))
        }
    }

    struct EventOut: Encodable {
        var id: String
        var kind: HazardKind
        var kindVi: String
        var start: String
        var end: String?
        var magnitude: String?
        var cause: String?
        var source: String?
        var report: DisasterReportKind
        var status: ValueStatus
        var reviewNote: String?
        var note: String?
        var effects: [DisasterEffect]
        var history: [Change]?
    }

    struct Change: Encodable {
        var at: String
        var by: String
        var action: String
        var oldStatus: ValueStatus?
        var newStatus: ValueStatus
        var comment: String?
    }

    static func out(_ e: DisasterEvent, history: [DisasterChange]? = nil) -> EventOut {
        EventOut(
            id: e.id, kind: e.kind, kindVi: e.kind.nameVi, start: Timestamps.format(e.start), end: e.end.map { Timestamps.format($0) },
            magnitude: e.magnitude, cause: e.cause, source: e.source, report: e.report, status: e.status, reviewNote: e.reviewNote, note: e.note,
            effects: e.effects,
            history: history?.map {
                Change(
                    at: Timestamps.format($0.at), by: $0.by, action: $0.action, oldStatus: $0.oldStatus, newStatus: $0.newStatus, comment: $0.comment)
            })
    }

    /// `POST /api/v1/disasters[?submit=true]`: stores a report as a draft (or submitted); 201 when new.
    @Sendable func put(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let input = try await JSON.decode(DisasterInput.self, from: request, context)
        let submit = try request.boolQuery("submit", default: false)
        let who = context.writer
        let (event, created, _) = try await services.disasters.put(try Self.event(input), scope: who.scope, submit: submit, by: who.name)
        return try JSON.response(Self.out(event), status: created ? .created : .ok)
    }

    /// `POST /api/v1/disasters/{id}/{submit,approve,send-back,reopen}` with `{"comment": …}` (required to send back or
    /// reopen).
    func act(_ action: ValueAction) -> @Sendable (Request, AppRequestContext) async throws -> Response {
        { request, context in
            struct Body: Decodable { var comment: String? }
            let buffer = try await request.bodyBytes()
            var comment: String?
            if buffer.readableBytes > 0 {
                try JSONDepth.check(buffer.readableBytesView, max: context.limits.maxJSONDepth)
                do {
                    comment = try JSONDecoder().decode(Body.self, from: Data(buffer: buffer)).comment
                } catch let e as DecodingError {
                    throw Problem(status: .badRequest, detail: JSON.describe(e), pointer: JSON.pointer(e))
                }
            }
            let who = context.writer
            let event = try await services.disasters.act(
                id: try context.parameters.require("id"), action, approver: Role(name: who.role)?.may(.approve) == true, comment: comment,
                scope: who.scope, by: who.name)
            return try JSON.response(Self.out(event))
        }
    }

    /// The event a report describes; a time that cannot be read is a 422 naming its field.
    static func event(_ input: DisasterInput) throws -> DisasterEvent {
        do {
            return try input.event()
        } catch let p as DisasterEvent.Problem {
            throw StoreError.invalid([p])
        }
    }

    static func seesUnpublished(_ context: AppRequestContext) -> Bool { IndicatorController.seesUnpublished(context) }

    /// The statuses asked for (`status=draft,submitted`, read as the values' are) that the caller may see; the public
    /// and unit-scoped callers get approved events in totals.
    static func statuses(_ request: Request, _ context: AppRequestContext, totals: Bool) throws -> Set<ValueStatus> {
        let text = request.query("status") ?? ""
        let asked: Set<ValueStatus> = text.isEmpty && totals ? [.approved] : Set(try IndicatorController.statuses(text))
        let unpublished = seesUnpublished(context) && !(totals && context.caller?.scope.unit != nil)
        return unpublished ? asked : asked.intersection([.approved])
    }

    /// `GET /api/v1/disasters?from=&to=&kind=&status=&limit=`: events by start.
    @Sendable func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let events = try await services.store.disasterEvents(
            from: try request.timeQuery("from"), to: try request.timeQuery("to"),
            kind: request.query("kind") == nil ? nil : try request.enumQuery("kind", default: HazardKind.other),
            statuses: try Self.statuses(request, context, totals: false), limit: try request.intQuery("limit", default: 1000, range: 1...10_000))
        let shown = try await services.disasters.visible(events, scope: context.caller?.scope, unpublished: Self.seesUnpublished(context))
        return try JSON.response(Page(items: shown.map { Self.out($0) }, next: nil))
    }

    /// `GET /api/v1/disasters/{id}`: one event; with its history for those who see unpublished records.
    @Sendable func one(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let unpublished = Self.seesUnpublished(context)
        guard let e = try await services.store.disasterEvent(id: id),
            !(try await services.disasters.visible([e], scope: context.caller?.scope, unpublished: unpublished)).isEmpty
        else {
            throw Problem(status: .notFound, detail: "no disaster event '\(id.prefix(100))'")
        }
        return try JSON.response(Self.out(e, history: unpublished ? try await services.store.disasterHistory(id: id) : nil))
    }

    struct TotalsOut: Encodable {
        /// A group's key and name beside its totals, flat.
        struct Row: Encodable {
            var key: String
            var name: String?
            var totals: DisasterTotals
            enum CodingKeys: String, CodingKey { case key, name }
            func encode(to encoder: any Encoder) throws {
                try totals.encode(to: encoder)
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(key, forKey: .key)
                try c.encode(name, forKey: .name)
            }
        }
        var unit: String
        var by: String
        var statuses: [ValueStatus]
        var items: [Row]
    }

    /// `GET /api/v1/disasters/totals?unit=&by=unit|kind|month|year&from=&to=&kind=`: the GSO indicator "số vụ thiên
    /// tai và mức độ thiệt hại" (events and damage) by month or year, by kind, or by the units under `unit`.
    @Sendable func totals(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let unit = request.query("unit") ?? "VN"
        let by = try request.enumQuery("by", default: DisasterStatistics.Grouping.year)
        let statuses = try Self.statuses(request, context, totals: true)
        let kind = request.query("kind") == nil ? nil : try request.enumQuery("kind", default: HazardKind.other)
        let totals = try await services.disasters.totals(
            unit: unit, by: by, from: try request.timeQuery("from"), to: try request.timeQuery("to"), kind: kind, statuses: statuses)
        let names = Dictionary(try await services.store.adminUnits().map { ($0.id, $0.nameVi) }, uniquingKeysWith: { a, _ in a })
        let rows = totals.keys.sorted().compactMap { key -> TotalsOut.Row? in
            guard let t = totals[key] else { return nil }
            let name: String? =
                switch by {
                case .unit: names[key]
                case .kind: HazardKind(rawValue: key)?.nameVi
                case .month, .year: nil
                }
            return TotalsOut.Row(key: key, name: name, totals: t)
        }
        return try JSON.response(
            TotalsOut(unit: unit, by: by.rawValue, statuses: ValueStatus.allCases.filter { statuses.contains($0) }, items: rows))
    }

    /// `GET /api/v1/disasters/sendai?unit=&year=&personsPerDwelling=`: A-2 … C-2 of a unit's approved events of a year.
    @Sendable func sendai(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let unit = request.query("unit") ?? "VN"
        let year = try request.intQuery("year", default: Timestamps.localYear(services.clock()) - 1, range: 1990...2100)
        let persons = try request.doubleQuery("personsPerDwelling", default: 3.5, range: 0.5...20)
        return try JSON.response(try await services.disasters.sendai(unit: unit, year: year, personsPerDwelling: persons))
    }
}
