import Foundation

/// An indicator of the catalogue: what it measures, who reports it, how it is computed and aggregated.
public struct Indicator: Codable, Sendable, Hashable {
    public enum Direction: String, Codable, Sendable { case higher, lower }
    public enum Frequency: String, Codable, Sendable { case year, quarter, month }
    /// How values come about.
    public enum Computation: String, Codable, Sendable {
        /// Entered as a value.
        case direct
        /// Entered as a numerator and a denominator; the value is numerator ÷ denominator × factor.
        case ratio
        /// Computed from monitoring data (`source` names the computation).
        case monitoring
        /// A formula over other indicators (`formula`, e.g. `{2.1} - {2.2}`), evaluated on their aggregates.
        case formula
    }
    /// How values of several units (or periods) combine.
    public enum Aggregation: String, Codable, Sendable {
        case sum
        /// Σ numerators ÷ Σ denominators × factor: never an average of percentages.
        case ratioOfSums = "ratio_of_sums"
        case mean
        /// Mean weighted by each row's weight (entered as the denominator, e.g. population).
        case weightedMean = "weighted_mean"
        /// The latest period's value (periods only).
        case last
        /// Not aggregated.
        case none
    }

    public var code: String
    public var nameVi: String
    public var nameEn: String
    public var unit: String
    public var frequency: Frequency
    public var direction: Direction
    public var agency: String?
    /// e.g. `TT10/2023`, `QD1658`, `HP-78`, `GGI`.
    public var frameworks: [String]
    public var computation: Computation
    public var numerator: String?
    public var denominator: String?
    public var factor: Double?
    /// Across units, and across the periods of a longer period.
    public var unitAggregation: Aggregation
    public var periodAggregation: Aggregation
    /// Plausible bounds (a percentage is 0–100).
    public var min: Double?
    public var max: Double?
    /// For monitoring indicators: `aqi_days_over_100`, `stations_80pct`, `exceedance_days`.
    public var source: String?
    /// For formula indicators: `{CODE}` references, numbers, + − × ÷ and parentheses.
    public var formula: String?
    /// Whether the code is the official one (Circular 10/2023 codes where known).
    public var official: Bool?
    public var confidence: String?

    public var isRatio: Bool { computation == .ratio }

    public init(
        code: String, nameVi: String, nameEn: String, unit: String, frequency: Frequency, direction: Direction, agency: String?, frameworks: [String],
        computation: Computation, numerator: String?, denominator: String?, factor: Double?, unitAggregation: Aggregation,
        periodAggregation: Aggregation,
        min: Double?, max: Double?, source: String?, official: Bool?, confidence: String?
    ) {
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.unit = unit
        self.frequency = frequency
        self.direction = direction
        self.agency = agency
        self.frameworks = frameworks
        self.computation = computation
        self.numerator = numerator
        self.denominator = denominator
        self.factor = factor
        self.unitAggregation = unitAggregation
        self.periodAggregation = periodAggregation
        self.min = min
        self.max = max
        self.source = source
        self.official = official
        self.confidence = confidence
    }
}

public struct IndicatorCatalogue: Codable, Sendable {
    public var version: String
    public var indicators: [Indicator]

    public static func bundled() throws -> IndicatorCatalogue { try ResourceLoader.decode(IndicatorCatalogue.self, from: "indicators.json") }

    /// Problems of one indicator definition (for imports and the API), each naming the field.
    public static func problems(_ i: Indicator) -> [String] {
        var out: [String] = []
        if i.code.isEmpty || i.code.count > 40 { out.append("code: must be 1–40 characters") }
        if i.nameVi.isEmpty { out.append("nameVi: must not be empty") }
        if i.computation == .ratio, i.numerator == nil || i.denominator == nil {
            out.append("numerator/denominator: a ratio indicator names both data elements")
        }
        if i.computation == .ratio, ![.ratioOfSums, .none].contains(i.unitAggregation) {
            out.append("unitAggregation: a ratio aggregates as ratio_of_sums (never an average of percentages)")
        }
        if i.unitAggregation == .last { out.append("unitAggregation: 'last' applies to periods only") }
        if i.computation == .formula {
            if let f = i.formula {
                if let e = IndicatorFormula.problem(f) { out.append("formula: \(e)") }
            } else {
                out.append("formula: a formula indicator needs a formula")
            }
        }
        if let a = i.min, let b = i.max, a > b { out.append("min/max: min is above max") }
        return out
    }
}

/// One reported value: a direct value, or a ratio's numerator and denominator (the value is derived).
public struct IndicatorValueRow: Sendable, Hashable {
    public var unit: String
    public var period: String
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?
    public init(unit: String, period: String, value: Double?, numerator: Double? = nil, denominator: Double? = nil) {
        self.unit = unit
        self.period = period
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
    }
}

public enum IndicatorValidation {
    /// What is wrong with a value for an indicator, or nil. `history` holds the unit's earlier values (outlier check).
    public static func problem(
        _ i: Indicator, value: Double?, numerator: Double?, denominator: Double?, unitText: String? = nil, history: [Double] = []
    ) -> Phrase? {
        if let u = unitText, !u.isEmpty, normalise(u) != normalise(i.unit) {
            return Phrase(
                en: "unit '\(u)' does not match the indicator's unit '\(i.unit)'",
                vi: "đơn vị tính '\(u)' không khớp với đơn vị tính của chỉ tiêu '\(i.unit)'")
        }
        var v = value
        if i.isRatio {
            guard let n = numerator, let d = denominator else {
                return Phrase(
                    en: "a ratio indicator needs a numerator and a denominator", vi: "chỉ tiêu tỷ lệ cần cả tử số và mẫu số")
            }
            guard n >= 0, d > 0 else {
                return Phrase(en: "numerator must be ≥ 0 and denominator > 0", vi: "tử số phải ≥ 0 và mẫu số phải > 0")
            }
            if (i.factor ?? 1) == 100, n > d {
                return Phrase(
                    en: "numerator (\(fmt(n))) is larger than the denominator (\(fmt(d))): the share would exceed 100 %",
                    vi: "tử số (\(fmt(n))) lớn hơn mẫu số (\(fmt(d))): tỷ lệ sẽ vượt 100 %")
            }
            v = n / d * (i.factor ?? 1)
        }
        guard let x = v else { return Phrase(en: "a value is required", vi: "cần có giá trị") }
        guard x.isFinite else { return Phrase(en: "the value must be a finite number", vi: "giá trị phải là một số hữu hạn") }
        if let lo = i.min, x < lo {
            return Phrase(
                en: "\(fmt(x)) is below the smallest plausible value \(fmt(lo)) \(i.unit)",
                vi: "\(fmt(x)) nhỏ hơn giá trị hợp lý nhỏ nhất \(fmt(lo)) \(i.unit)")
        }
        if let hi = i.max, x > hi {
            return Phrase(
                en: "\(fmt(x)) is above the largest plausible value \(fmt(hi)) \(i.unit)",
                vi: "\(fmt(x)) lớn hơn giá trị hợp lý lớn nhất \(fmt(hi)) \(i.unit)")
        }
        if let (mean, sd) = outlier(x, history: history) {
            return Phrase(
                en: "\(fmt(x)) is an outlier against this unit's history (mean \(fmt(mean)), sd \(fmt(sd)))",
                vi: "\(fmt(x)) bất thường so với số liệu các kỳ trước của đơn vị (trung bình \(fmt(mean)), độ lệch chuẩn \(fmt(sd)))")
        }
        return nil
    }

    /// The history's mean and standard deviation when `x` lies more than 4 standard deviations (and 10 % of the mean)
    /// from it; nil when it does not, or when there are fewer than 3 earlier values.
    public static func outlier(_ x: Double, history: [Double]) -> (mean: Double, sd: Double)? {
        guard history.count >= 3 else { return nil }
        let mean = history.reduce(0, +) / Double(history.count)
        let sd = (history.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(history.count - 1)).squareRoot()
        return sd > 0 && abs(x - mean) > 4 * sd && abs(x - mean) > 0.1 * abs(mean) ? (mean, sd) : nil
    }

    public static func value(_ i: Indicator, value: Double?, numerator: Double?, denominator: Double?) -> Double? {
        if i.isRatio, let n = numerator, let d = denominator, d != 0 { return n / d * (i.factor ?? 1) }
        return value
    }

    static func normalise(_ s: String) -> String {
        s.lowercased().replacingOccurrences(of: " ", with: "").replacingOccurrences(of: "percent", with: "%")
    }

    static func fmt(_ d: Double) -> String { d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(format: "%.4g", d) }
}

/// Aggregates rows of one indicator into groups (current provinces, the nation, longer periods).
public enum IndicatorAggregator {
    public struct Result: Sendable, Equatable {
        public var value: Double?
        public var numerator: Double?
        public var denominator: Double?
        /// Rows that went into it.
        public var count: Int
        public init(value: Double?, numerator: Double?, denominator: Double?, count: Int) {
            self.value = value
            self.numerator = numerator
            self.denominator = denominator
            self.count = count
        }
    }

    public static func combine(_ i: Indicator, _ rows: [IndicatorValueRow], by rule: Indicator.Aggregation) -> Result? {
        guard !rows.isEmpty else { return nil }
        switch rule {
        case .none:
            return rows.count == 1
                ? Result(
                    value: rows[0].value ?? IndicatorValidation.value(i, value: nil, numerator: rows[0].numerator, denominator: rows[0].denominator),
                    numerator: rows[0].numerator, denominator: rows[0].denominator, count: 1) : nil
        case .ratioOfSums:
            let usable = rows.compactMap { r in r.numerator.flatMap { n in r.denominator.map { (n, $0) } } }
            guard !usable.isEmpty else { return nil }
            let n = usable.reduce(0) { $0 + $1.0 }
            let d = usable.reduce(0) { $0 + $1.1 }
            return Result(value: d == 0 ? nil : n / d * (i.factor ?? 1), numerator: n, denominator: d, count: usable.count)
        case .sum:
            let values = rows.compactMap { valueOf(i, $0) }
            return values.isEmpty ? nil : Result(value: values.reduce(0, +), numerator: nil, denominator: nil, count: values.count)
        case .mean:
            let values = rows.compactMap { valueOf(i, $0) }
            return values.isEmpty
                ? nil : Result(value: values.reduce(0, +) / Double(values.count), numerator: nil, denominator: nil, count: values.count)
        case .weightedMean:
            let usable = rows.compactMap { r in valueOf(i, r).flatMap { v in r.denominator.flatMap { $0 > 0 ? (v, $0) : nil } } }
            guard !usable.isEmpty else { return nil }
            let w = usable.reduce(0) { $0 + $1.1 }
            let s = usable.reduce(0) { $0 + $1.0 * $1.1 }
            return Result(value: s / w, numerator: nil, denominator: w, count: usable.count)
        case .last:
            // A period that does not parse sorts first (it never happens for stored rows, which were validated).
            let latest = rows.max { a, b in
                switch (Period(a.period), Period(b.period)) {
                case (let x?, let y?): return x < y
                case (nil, _?): return true
                default: return false
                }
            }
            guard let latest else { return nil }
            return Result(value: valueOf(i, latest), numerator: latest.numerator, denominator: latest.denominator, count: 1)
        }
    }

    static func valueOf(_ i: Indicator, _ r: IndicatorValueRow) -> Double? {
        IndicatorValidation.value(i, value: r.value, numerator: r.numerator, denominator: r.denominator)
    }

    /// Values of the current provinces for each period. A province's own value for a period wins; otherwise its
    /// communes and the old provinces that merged into it are aggregated by the indicator's rule.
    public static func toProvinces(_ i: Indicator, _ rows: [IndicatorValueRow], hierarchy: AdminHierarchy) -> [String: [String: Result]] {
        var own: [String: [String: IndicatorValueRow]] = [:]
        var below: [String: [String: [IndicatorValueRow]]] = [:]
        for r in rows {
            guard let province = hierarchy.currentProvince(of: r.unit) else { continue }
            if r.unit == province {
                own[province, default: [:]][r.period] = r
            } else {
                below[province, default: [:]][r.period, default: []].append(r)
            }
        }
        var out: [String: [String: Result]] = [:]
        for (province, periods) in below {
            for (period, rs) in periods where own[province]?[period] == nil {
                if let res = combine(i, rs, by: i.unitAggregation) { out[province, default: [:]][period] = res }
            }
        }
        for (province, periods) in own {
            for (period, r) in periods {
                out[province, default: [:]][period] = Result(value: valueOf(i, r), numerator: r.numerator, denominator: r.denominator, count: 1)
            }
        }
        return out
    }
}

/// A value as a department sends it (API row, CSV line or template cell), before validation.
public struct IndicatorValueInput: Sendable, Equatable {
    public var indicator: String?
    public var unit: String?
    public var period: String?
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?
    /// The unit of measure the sender wrote, checked against the indicator's.
    public var unitOfMeasure: String?
    /// Where it came from: `row 3`, `values!F7`.
    public var origin: String
    /// Set when a cell held something that is not a number: (field, text).
    public var notANumber: (field: String, text: String)?
    /// The cell of each field (`unitOfMeasure` → `values!F2`), so a problem names the cell it is in.
    public var cells: [String: String] = [:]

    public init(
        indicator: String?, unit: String?, period: String?, value: Double?, numerator: Double? = nil, denominator: Double? = nil,
        unitOfMeasure: String? = nil, origin: String, notANumber: (field: String, text: String)? = nil
    ) {
        self.indicator = indicator
        self.unit = unit
        self.period = period
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
        self.unitOfMeasure = unitOfMeasure
        self.origin = origin
        self.notANumber = notANumber
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.indicator == b.indicator && a.unit == b.unit && a.period == b.period && a.value == b.value && a.numerator == b.numerator
            && a.denominator == b.denominator && a.origin == b.origin
    }
}

/// Formulas over indicators: `{2.1} - {2.2}`, `100 * {a} / ({b} + {c})`.
public enum IndicatorFormula {
    indirect enum Node {
        case number(Double)
        case ref(String)
        case binary(Character, Node, Node)
        case negate(Node)
    }

    public static func references(_ text: String) -> [String] {
        var out: [String] = []
        var current: String?
        for ch in text {
            if ch == "{" {
                current = ""
            } else if ch == "}", let c = current {
                out.append(c)
                current = nil
            } else if let c = current {
                current = c + String(ch)
            }
        }
        return out
    }

    public static func problem(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch { return error.message }
    }

    /// The value, or nil when a referenced value is missing or a division is by zero.
    public static func evaluate(_ text: String, _ values: [String: Double]) -> Double? {
        guard let node = try? parse(text) else { return nil }
        func eval(_ n: Node) -> Double? {
            switch n {
            case .number(let d): return d
            case .ref(let code): return values[code]
            case .negate(let x): return eval(x).map { -$0 }
            case .binary(let op, let a, let b):
                guard let x = eval(a), let y = eval(b) else { return nil }
                switch op {
                case "+": return x + y
                case "-": return x - y
                case "*": return x * y
                default: return y == 0 ? nil : x / y
                }
            }
        }
        return eval(node)
    }

    struct ParseError: Error { var message: String }

    static func parse(_ text: String) throws(ParseError) -> Node {
        var chars = Array(text.filter { !$0.isWhitespace })[...]
        func primary() throws(ParseError) -> Node {
            guard let c = chars.first else { throw ParseError(message: "unexpected end of '\(text)'") }
            if c == "(" {
                chars.removeFirst()
                let e = try sum()
                guard chars.first == ")" else { throw ParseError(message: "missing ')' in '\(text)'") }
                chars.removeFirst()
                return e
            }
            if c == "-" {
                chars.removeFirst()
                return .negate(try primary())
            }
            if c == "{" {
                chars.removeFirst()
                var code = ""
                while let x = chars.first, x != "}" {
                    code.append(x)
                    chars.removeFirst()
                }
                guard chars.first == "}", !code.isEmpty else { throw ParseError(message: "an indicator reference is written {CODE}") }
                chars.removeFirst()
                return .ref(code)
            }
            var digits = ""
            while let x = chars.first, x.isNumber || x == "." {
                digits.append(x)
                chars.removeFirst()
            }
            guard let d = Double(digits) else { throw ParseError(message: "unexpected '\(c)' in '\(text)'") }
            return .number(d)
        }
        func product() throws(ParseError) -> Node {
            var l = try primary()
            while let c = chars.first, c == "*" || c == "/" {
                chars.removeFirst()
                l = .binary(c, l, try primary())
            }
            return l
        }
        func sum() throws(ParseError) -> Node {
            var l = try product()
            while let c = chars.first, c == "+" || c == "-" {
                chars.removeFirst()
                l = .binary(c, l, try product())
            }
            return l
        }
        let e = try sum()
        if let extra = chars.first { throw ParseError(message: "unexpected '\(extra)' in '\(text)'") }
        return e
    }
}

/// Indicator definitions from a table (CSV or a sheet), one per row, with the columns
/// code, name_vi, name_en, unit, frequency, direction, computation, aggregation, frameworks, agency, numerator,
/// denominator, factor, min, max, formula (the export of `GET /api/v1/indicators?format=csv` plus the ratio columns).
public enum IndicatorTable {
    public static let columns = [
        "code", "name_vi", "name_en", "unit", "frequency", "direction", "computation", "aggregation", "frameworks", "agency", "numerator",
        "denominator",
        "factor", "min", "max", "formula",
    ]

    /// Every row parsed, or every problem with its row (`row 4: direction 'up' is not higher or lower`).
    public static func parse(header: [String], rows: [[String]], origin: (Int, String) -> String) -> Result<[Indicator], RowProblemsList> {
        let index = Dictionary(
            header.enumerated().map { ($1.lowercased().trimmingCharacters(in: .whitespaces), $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [(String, String)] = []
        for required in ["code", "name_vi", "unit", "direction", "computation", "aggregation"] where index[required] == nil {
            problems.append(("header", "the column '\(required)' is missing"))
        }
        guard problems.isEmpty else { return .failure(RowProblemsList(problems)) }
        var out: [Indicator] = []
        for (r, row) in rows.enumerated() {
            func cell(_ name: String) -> String? {
                guard let c = index[name], c < row.count else { return nil }
                let t = row[c].trimmingCharacters(in: .whitespaces)
                return t.isEmpty ? nil : t
            }
            func number(_ name: String) -> Double?? {
                guard let t = cell(name) else { return .some(nil) }
                return Double(t.replacingOccurrences(of: ",", with: ".")).map { .some($0) } ?? nil
            }
            if row.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
            let at = origin(r, "")
            guard let direction = Indicator.Direction(rawValue: cell("direction") ?? "") else {
                problems.append((origin(r, "direction"), "direction '\(cell("direction") ?? "")' is not higher or lower"))
                continue
            }
            guard let computation = Indicator.Computation(rawValue: cell("computation") ?? "") else {
                problems.append((origin(r, "computation"), "computation '\(cell("computation") ?? "")' is not direct, ratio, formula or monitoring"))
                continue
            }
            guard let aggregation = Indicator.Aggregation(rawValue: cell("aggregation") ?? "") else {
                problems.append(
                    (
                        origin(r, "aggregation"),
                        "aggregation '\(cell("aggregation") ?? "")' is not sum, ratio_of_sums, mean, weighted_mean, last or none"
                    ))
                continue
            }
            let frequency = Indicator.Frequency(rawValue: cell("frequency") ?? "year") ?? .year
            guard let factor = number("factor"), let min = number("min"), let max = number("max") else {
                let bad = ["factor", "min", "max"].last { number($0) == nil } ?? "factor"
                problems.append((origin(r, bad), "\(bad) '\(cell(bad) ?? "")' is not a number"))
                continue
            }
            let i = Indicator(
                code: cell("code") ?? "", nameVi: cell("name_vi") ?? "", nameEn: cell("name_en") ?? cell("name_vi") ?? "", unit: cell("unit") ?? "",
                frequency: frequency, direction: direction, agency: cell("agency"),
                frameworks: (cell("frameworks") ?? "").split(separator: ";").map { String($0).trimmingCharacters(in: .whitespaces) },
                computation: computation, numerator: cell("numerator"), denominator: cell("denominator"),
                factor: factor ?? (computation == .ratio ? 1 : nil), unitAggregation: aggregation,
                periodAggregation: aggregation == .sum ? .sum : aggregation == .none ? .none : computation == .ratio ? .ratioOfSums : .last,
                min: min, max: max, source: nil, official: nil, confidence: nil)
            var withFormula = i
            withFormula.formula = cell("formula")
            let p = IndicatorCatalogue.problems(withFormula)
            if p.isEmpty { out.append(withFormula) } else { problems.append((at, p.joined(separator: "; "))) }
        }
        return problems.isEmpty ? .success(out) : .failure(RowProblemsList(problems))
    }
}

/// Problems of a table import, each with its row or cell.
public struct RowProblemsList: Error, Sendable, CustomStringConvertible {
    public var problems: [(origin: String, message: String)]
    public init(_ p: [(String, String)]) { problems = p.map { (origin: $0.0, message: $0.1) } }
    public var description: String { problems.map { "\($0.origin): \($0.message)" }.joined(separator: "; ") }
}
