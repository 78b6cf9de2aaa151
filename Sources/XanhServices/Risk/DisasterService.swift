import Foundation
import XanhCore
import XanhStore

/// Disaster records (decision 0020): a report of an event stored by its id (the same report sent twice is one
/// record; a later report of the same event replaces its figures until the record is approved), held to the
/// reporter's unit, moved through the values' workflow, and totalled by unit, kind and period with the Sendai
/// indicators from the population and GRDP in the indicator database.
public struct DisasterService: Sendable {
    let services: AppServices

    /// The indicators the Sendai denominators are read from: persons, and billion VND at current prices.
    public static let populationIndicator = "CTX.POPULATION"
    public static let grdpIndicator = "CTX.GRDP"
    /// At most this many events are read for one total.
    public static let maxEvents = 10_000
    /// The action of a report equal to the stored record: nothing is written.
    public static let unchanged = "unchanged"

    var store: any MonitoringStore { services.store }

    /// Stores a report: new, or the figures of a stored event that is not approved replaced; as a draft, or submitted.
    /// Refused whole with every field named (422), for a unit outside the scope (403), or when approved (the
    /// workflow's refusal, in English and Vietnamese: 409).
    public func put(
        _ event: DisasterEvent, scope: AccessScope, submit: Bool, by: String
    ) async throws -> (event: DisasterEvent, created: Bool, action: String) {
        let h = AdminHierarchy(try await store.adminUnits())
        let date = Timestamps.localDate(event.start)
        let problems = event.problems(units: Set(h.units.values.filter { $0.valid(on: date) }.map(\.id)))
        guard problems.isEmpty else { throw StoreError.invalid(Array(problems.prefix(100))) }
        let outside = Set(event.effects.map(\.unit)).sorted().filter { !scope.covers(unit: $0, ancestors: h.ancestors(of: $0)) }
        guard outside.isEmpty else {
            throw Refused("units outside this key's or person's unit (\(scope.unit ?? "")): \(outside.prefix(20).joined(separator: ", "))")
        }
        return try await store.changeDisasterEvent(id: event.id, by: by, at: services.clock()) { old in
            switch ValueWorkflow.apply(.write, to: old?.status, approver: false, comment: nil) {
            case .failure(let e): throw e
            case .success: break
            }
            var new = event
            new.status = submit ? .submitted : .draft
            new.reviewNote = old?.reviewNote
            guard var same = old else { return (new, "create", nil) }
            if same == new { return (new, Self.unchanged, nil) }
            same.status = new.status
            // The same figures sent again with `submit`: a submission, not an update.
            return (new, same == new && new.status == .submitted ? ValueAction.submit.rawValue : "update", nil)
        }
    }

    /// Submits, approves, sends back or reopens an event as the workflow allows for the actor; a unit-scoped actor
    /// acts only on events wholly within its unit.
    public func act(id: String, _ action: ValueAction, approver: Bool, comment: String?, scope: AccessScope, by: String) async throws -> DisasterEvent
    {
        guard action != .write else { throw InputError("write is not an action on a stored event; send the record again", pointer: "/action") }
        guard let stored = try await store.disasterEvent(id: id) else { throw StoreError.notFound("no disaster event '\(id.prefix(100))'") }
        try await inScope(stored, scope)
        let note = comment.map { String($0.prefix(2000)) }
        return try await store.changeDisasterEvent(id: id, by: by, at: services.clock()) { old in
            guard var e = old else { throw StoreError.notFound("no disaster event '\(id.prefix(100))'") }
            switch ValueWorkflow.apply(action, to: e.status, approver: approver, comment: note) {
            case .failure(let err): throw err
            case .success(let status): e.status = status
            }
            if action == .sendBack || action == .reopen { e.reviewNote = note }
            return (e, action.rawValue, note)
        }.event
    }

    func inScope(_ e: DisasterEvent, _ scope: AccessScope) async throws {
        guard scope.unit != nil else { return }
        let h = AdminHierarchy(try await store.adminUnits())
        if !Self.wholly(e, in: scope, h) {
            throw Refused("the event has effects outside this key's or person's unit (\(scope.unit ?? ""))")
        }
    }

    /// Whether a caller of `scope` sees an unpublished event: every effect within its unit.
    public func visible(_ events: [DisasterEvent], scope: AccessScope?, unpublished: Bool) async throws -> [DisasterEvent] {
        guard unpublished, let scope else { return events.filter { $0.status == .approved } }
        guard scope.unit != nil else { return events }
        let h = AdminHierarchy(try await store.adminUnits())
        return events.filter { e in
            e.status == .approved || Self.wholly(e, in: scope, h)
        }
    }

    /// Whether every effect of an event lies in the scope's unit.
    static func wholly(_ e: DisasterEvent, in scope: AccessScope, _ h: AdminHierarchy) -> Bool {
        e.effects.allSatisfy { scope.covers(unit: $0.unit, ancestors: h.ancestors(of: $0.unit)) }
    }

    /// Totals in the range for `unit` (the nation by default) grouped; by unit, each effect is counted under the unit
    /// directly below the one asked for (communes of a province, provinces of the nation).
    public func totals(
        unit: String = "VN", by grouping: DisasterStatistics.Grouping, from: Int64?, to: Int64?, kind: HazardKind? = nil,
        statuses: Set<ValueStatus> = [.approved]
    ) async throws -> [String: DisasterTotals] {
        let h = AdminHierarchy(try await store.adminUnits())
        guard unit == "VN" || h.units[unit] != nil else { throw StoreError.notFound("no administrative unit '\(unit.prefix(40))'") }
        let events = try await store.disasterEvents(from: from, to: to, kind: kind, statuses: statuses, limit: Self.maxEvents)
        return DisasterStatistics.totals(events, by: grouping, statuses: statuses) { Self.countedUnder(unit, $0, h, rollUp: grouping == .unit) }
    }

    /// The unit an effect in `effectUnit` counts under when totalling for `asked`: nil outside it; with `rollUp`, the
    /// unit directly below `asked` on the way down to the effect's unit (or the unit itself).
    /// Whether an effect in `effectUnit` lies in `asked` (the nation holds every unit).
    public func lies(_ effectUnit: String, in asked: String, _ h: AdminHierarchy) -> Bool {
        Self.countedUnder(asked, effectUnit, h, rollUp: false) != nil
    }

    static func countedUnder(_ asked: String, _ effectUnit: String, _ h: AdminHierarchy, rollUp: Bool) -> String? {
        let path = [effectUnit] + h.ancestors(of: effectUnit)
        guard asked == "VN" || path.contains(asked) else { return nil }
        guard rollUp else { return effectUnit }
        if effectUnit == asked { return asked }
        if asked == "VN" { return h.currentProvince(of: effectUnit) ?? path.last ?? effectUnit }
        guard let i = path.firstIndex(of: asked), i > 0 else { return effectUnit }
        return path[i - 1]
    }

    public struct Sendai: Codable, Sendable, Equatable {
        public var unit: String
        public var year: Int
        public var population: Double?
        public var grdpBillionVND: Double?
        public var personsPerDwelling: Double
        public var events: Int
        public var indicators: [String: Double?]
    }

    /// The Sendai indicators of a unit's approved events of a year, per 100,000 of its population and in % of its
    /// GRDP of that year (its own value, or its communes' aggregated for a province); nil without them.
    public func sendai(unit: String, year: Int, personsPerDwelling: Double = 3.5) async throws -> Sendai {
        guard (1900...9998).contains(year), let start = Timestamps.parseDate("\(year)-01-01"), let end = Timestamps.parseDate("\(year + 1)-01-01")
        else {
            throw InputError("year \(year) is out of range", pointer: "year")
        }
        let t = try await totals(unit: unit, by: .year, from: start, to: end)[String(year)] ?? DisasterTotals()
        return try await sendai(t, unit: unit, year: year, personsPerDwelling: personsPerDwelling)
    }

    /// The Sendai indicators of totals already read for a unit's year.
    public func sendai(_ t: DisasterTotals, unit: String, year: Int, personsPerDwelling: Double = 3.5) async throws -> Sendai {
        let population = try await denominator(Self.populationIndicator, unit: unit, year: year)
        let grdp = try await denominator(Self.grdpIndicator, unit: unit, year: year)
        return Sendai(
            unit: unit, year: year, population: population, grdpBillionVND: grdp, personsPerDwelling: personsPerDwelling, events: t.events,
            indicators: DisasterStatistics.sendai(t, population: population, gdpVND: grdp.map { $0 * 1e9 }, personsPerDwelling: personsPerDwelling))
    }

    /// An indicator's value for a unit and year: the unit's own (submitted or approved), else the aggregate.
    func denominator(_ code: String, unit: String, year: Int) async throws -> Double? {
        let own = try await store.values(indicator: code, unit: unit, period: String(year), statuses: [.submitted, .approved], limit: 1)
        if let v = own.first?.value { return v }
        guard try await store.indicators().contains(where: { $0.code == code }) else { return nil }
        return try await services.indicators.aggregate(code, period: String(year))[unit]?[String(year)]?.value
    }
}

extension AppServices {
    public var disasters: DisasterService { DisasterService(services: self) }
}
