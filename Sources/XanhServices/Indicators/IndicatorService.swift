import Foundation
import XanhCore
import XanhStore

/// What indicator work reads and writes.
public typealias IndicatorStorage = AdminUnitStore & IndicatorCatalogueStore & IndicatorValueStore & TargetStore

/// Indicator work shared by the API and the CLI: validation, the value workflow, aggregation to provinces, progress
/// and the index.
public struct IndicatorService: Sendable {
    public let store: any IndicatorStorage

    public init(store: any IndicatorStorage) { self.store = store }

    public func catalogue() async throws -> [String: Indicator] {
        Dictionary(uniqueKeysWithValues: try await store.indicators().map { ($0.code, $0) })
    }

    public func hierarchy() async throws -> AdminHierarchy { AdminHierarchy(try await store.adminUnits()) }

    /// Validates every row; returns the writes, or every problem with its origin (then nothing is to be stored), in
    /// English and Vietnamese.
    public func validate(_ inputs: [IndicatorValueInput]) async throws -> Result<[IndicatorValueWrite], RowProblems> {
        let indicators = try await catalogue()
        let h = try await hierarchy()
        var out: [IndicatorValueWrite] = []
        var problems: [(origin: String, phrase: Phrase)] = []
        var seen = Set<ValueKey>()
        let fieldsVi = ["value": "giá trị", "numerator": "tử số", "denominator": "mẫu số"]
        for r in inputs {
            func fail(_ en: String, _ vi: String) { problems.append((r.origin, Phrase(en: en, vi: vi))) }
            if let (field, text) = r.notANumber {
                fail("\(field) '\(text)' is not a number", "\(fieldsVi[field] ?? field) '\(text)' không phải là số")
                continue
            }
            guard let code = r.indicator?.trimmingCharacters(in: .whitespaces), !code.isEmpty else {
                fail("indicator is missing", "thiếu mã chỉ tiêu")
                continue
            }
            guard let i = indicators[code] else {
                fail("indicator '\(code)' is not in the catalogue", "chỉ tiêu '\(code)' không có trong danh mục")
                continue
            }
            guard let periodText = r.period?.trimmingCharacters(in: .whitespaces), let period = Period(periodText) else {
                fail(
                    "period '\(r.period ?? "")' is not a year (2024), a quarter (2024-Q3) or a month (2024-07)",
                    "kỳ báo cáo '\(r.period ?? "")' không phải là năm (2024), quý (2024-Q3) hay tháng (2024-07)")
                continue
            }
            guard let unitCode = r.unit?.trimmingCharacters(in: .whitespaces), !unitCode.isEmpty,
                let unit = h.resolve(unitCode, on: period.endDate)
            else {
                fail("unit '\(r.unit ?? "")' is not an administrative unit", "'\(r.unit ?? "")' không phải là mã đơn vị hành chính")
                continue
            }
            if !unit.valid(on: period.endDate) {
                fail(
                    "unit '\(unitCode)' (\(unit.nameVi)) did not exist in \(period)",
                    "đơn vị hành chính '\(unitCode)' (\(unit.nameVi)) không tồn tại trong kỳ \(period)")
                continue
            }
            if i.computation == .monitoring || i.computation == .formula {
                let formula = i.computation == .formula
                fail(
                    "\(code) is computed (\(formula ? "a formula over other indicators" : "from monitoring data")), not entered",
                    "\(code) được tính (\(formula ? "theo công thức từ các chỉ tiêu khác" : "từ số liệu quan trắc")), không nhập")
                continue
            }
            let history = try await store.unitHistory(indicator: code, unit: unit.id, before: period.description)
            if let p = IndicatorValidation.problem(
                i, value: r.value, numerator: r.numerator, denominator: r.denominator, unitText: r.unitOfMeasure, history: history)
            {
                // Name the cell the problem is in when the input came from a sheet.
                let field = p.en.hasPrefix("unit '") ? "unitOfMeasure" : i.isRatio ? "numerator" : "value"
                problems.append((r.cells[field] ?? r.origin, Phrase(en: "\(code): \(p.en)", vi: "\(code): \(p.vi)")))
                continue
            }
            let key = ValueKey(indicator: code, unit: unit.id, period: period.description)
            guard seen.insert(key).inserted else {
                fail("\(code) for \(unit.id) in \(period) appears twice", "\(code) của \(unit.id) kỳ \(period) xuất hiện hai lần")
                continue
            }
            out.append(
                IndicatorValueWrite(
                    indicator: code, unit: unit.id, period: period.description,
                    value: IndicatorValidation.value(i, value: r.value, numerator: r.numerator, denominator: r.denominator), numerator: r.numerator,
                    denominator: r.denominator, origin: r.origin))
        }
        return problems.isEmpty ? .success(out) : .failure(RowProblems(phrases: problems))
    }

    public struct TargetWithProgress: Codable, Sendable, Equatable {
        public var target: IndicatorTarget
        public var progress: TargetProgress
    }

    /// Progress of targets in a year, from the values of the statuses given (aggregated up the units).
    public func progress(of targets: [IndicatorTarget], year: Int, statuses: [ValueStatus]) async throws -> [TargetWithProgress] {
        let catalogue = try await catalogue()
        var cache: [String: [String: [String: IndicatorAggregator.Result]]] = [:]
        var items: [TargetWithProgress] = []
        for t in targets {
            guard let i = catalogue[t.indicator] else { continue }
            if cache[t.indicator] == nil { cache[t.indicator] = try await aggregate(t.indicator, statuses: statuses) }
            let value = cache[t.indicator]?[t.unit]?[String(year)]?.value
            items.append(TargetWithProgress(target: t, progress: TargetProgress.evaluate(t, direction: i.direction, year: year, value: value)))
        }
        return items
    }

    /// The units of a write that lie outside a caller's unit scope (a reporter of a commune writes for that commune,
    /// a reporter of a province for it and its communes).
    public func unitsOutside(_ scope: AccessScope, _ units: some Sequence<String>) async throws -> [String] {
        guard scope.unit != nil else { return [] }
        let h = try await hierarchy()
        return Set(units).sorted().filter { !scope.covers(unit: $0, ancestors: h.ancestors(of: $0)) }
    }

    public func submit(_ inputs: [IndicatorValueInput], status: ValueStatus, by: String, at: Int64) async throws -> Int {
        switch try await validate(inputs) {
        case .failure(let e): throw e
        case .success(let writes):
            try await write(writes, status: status, by: by, at: at)
            return writes.count
        }
    }

    /// Stores validated values with `status`, unless the workflow refuses one (an approved value is locked): then
    /// nothing of the batch is stored, and the error names every refused row. A row equal to what is stored with
    /// that status, or approved, is no change (a template sent back with the approved values in it is safe).
    public func write(_ rows: [IndicatorValueWrite], status: ValueStatus, by: String, at: Int64) async throws {
        try await store.changeValues(rows.map(\.key)) { current in
            var problems: [(origin: String, phrase: Phrase)] = []
            var changes: [ValueChange] = []
            for r in rows {
                let old = current[r.key]
                if let old, old.value == r.value, old.numerator == r.numerator, old.denominator == r.denominator,
                    old.status == status || old.status == .approved
                {
                    continue
                }
                switch ValueWorkflow.apply(.write, to: old?.status, approver: false, comment: nil) {
                case .failure(let e):
                    let what = "\(r.indicator) \(r.unit) \(r.period): "
                    problems.append((r.origin, Phrase(en: what + e.message, vi: what + e.vi)))
                case .success:
                    changes.append(
                        ValueChange(
                            key: r.key, status: status, fields: (r.value, r.numerator, r.denominator), by: by, at: at,
                            action: old == nil ? "create" : "update",
                            comment: nil))
                }
            }
            if !problems.isEmpty { throw RowProblems(phrases: problems) }
            return changes
        }
    }

    /// Submits, approves, sends back or reopens values, as the workflow allows for the actor (`approver`); all or
    /// nothing.
    public func transition(_ keys: [ValueKey], action: ValueAction, approver: Bool, by: String, comment: String?, at: Int64) async throws {
        try await store.changeValues(keys) { current in
            var problems: [(origin: String, phrase: Phrase)] = []
            var changes: [ValueChange] = []
            for k in keys {
                switch ValueWorkflow.apply(action, to: current[k]?.status, approver: approver, comment: comment) {
                case .failure(let e): problems.append(("\(k.indicator) \(k.unit) \(k.period)", Phrase(en: e.message, vi: e.vi)))
                case .success(let new):
                    changes.append(ValueChange(key: k, status: new, fields: nil, by: by, at: at, action: action.rawValue, comment: comment))
                }
            }
            if !problems.isEmpty { throw RowProblems(phrases: problems) }
            return changes
        }
    }

    /// One indicator for every current province and period (`statuses` filters what counts; approved and submitted
    /// by default), plus the nation.
    public func aggregate(
        _ code: String, statuses: [ValueStatus] = [.submitted, .approved], period: String? = nil, catalogue known: [String: Indicator]? = nil,
        hierarchy loaded: AdminHierarchy? = nil
    ) async throws -> [String: [String: IndicatorAggregator.Result]] {
        var catalogue = known ?? [:]
        if known == nil { catalogue = try await self.catalogue() }
        guard let i = catalogue[code] else { throw StoreError.notFound("indicator '\(code)' is not in the catalogue") }
        if i.computation == .formula, let formula = i.formula {
            // A formula is evaluated on the aggregates of the indicators it names, unit by unit and period by period.
            var parts: [String: [String: [String: IndicatorAggregator.Result]]] = [:]
            for ref in Set(IndicatorFormula.references(formula)) where ref != code {
                parts[ref] = try await aggregate(ref, statuses: statuses, period: period, catalogue: catalogue, hierarchy: loaded)
            }
            var out: [String: [String: IndicatorAggregator.Result]] = [:]
            let keys = Set(parts.values.flatMap { $0.flatMap { u, ps in ps.keys.map { "\(u)|\($0)" } } })
            for key in keys {
                let kv = key.split(separator: "|").map(String.init)
                var values: [String: Double] = [:]
                for (ref, agg) in parts { if let v = agg[kv[0]]?[kv[1]]?.value { values[ref] = v } }
                if let v = IndicatorFormula.evaluate(formula, values) {
                    out[kv[0], default: [:]][kv[1]] = IndicatorAggregator.Result(value: v, numerator: nil, denominator: nil, count: values.count)
                }
            }
            return out
        }
        let rows = try await store.values(indicator: code, unit: nil, period: period, statuses: statuses, limit: 10_000_000).map {
            IndicatorValueRow(unit: $0.unit, period: $0.period, value: $0.value, numerator: $0.numerator, denominator: $0.denominator)
        }
        let h: AdminHierarchy
        if let loaded { h = loaded } else { h = try await hierarchy() }
        var out = IndicatorAggregator.toProvinces(i, rows, hierarchy: h)
        // The nation: the provinces aggregated by the same rule (a nation-level report wins).
        var byPeriod: [String: [IndicatorValueRow]] = [:]
        for (province, periods) in out {
            for (p, r) in periods {
                byPeriod[p, default: []].append(
                    IndicatorValueRow(unit: province, period: p, value: r.value, numerator: r.numerator, denominator: r.denominator))
            }
        }
        for (p, rs) in byPeriod {
            if let own = rows.first(where: { $0.unit == "VN" && $0.period == p }) {
                out["VN", default: [:]][p] = IndicatorAggregator.Result(
                    value: IndicatorValidation.value(i, value: own.value, numerator: own.numerator, denominator: own.denominator),
                    numerator: own.numerator,
                    denominator: own.denominator, count: 1)
            } else if let r = IndicatorAggregator.combine(i, rs, by: i.unitAggregation) {
                out["VN", default: [:]][p] = r
            }
        }
        return out
    }

    /// The index's inputs for one year: each current province's value of each indicator.
    public func indexData(
        _ def: IndexDefinition, year: Int, statuses: [ValueStatus] = [.submitted, .approved]
    ) async throws -> [String: [String: Double?]] {
        let h = try await hierarchy()
        let provinces = h.units.values.filter { $0.level == .province && $0.validTo == nil }.map(\.id)
        var data: [String: [String: Double?]] = Dictionary(uniqueKeysWithValues: provinces.map { ($0, [:]) })
        let catalogue = try await catalogue()
        for code in Set(def.indicators) {
            let agg = try await aggregate(code, statuses: statuses, period: String(year), catalogue: catalogue, hierarchy: h)
            for p in provinces { data[p, default: [:]][code] = agg[p]?[String(year)]?.value }
        }
        return data
    }
}
