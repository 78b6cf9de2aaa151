import Foundation

/// VN_WQI per Decision 1460/QĐ-TCMT (12/11/2019), table-driven from `vn_wqi_1460.json`. Pure functions over one set of
/// values keyed by the decision's names. The open choices (the aggregation of groups IV and V; Heptachlor summed with
/// its epoxide or not) are `Settings`, and every result records the ones it used (decision 0019).
public struct VNWQI: Sendable {
    /// How groups IV and V combine: `√(IV·V)` (the form most implementations use) or `∛(IV²·V)`.
    public enum Aggregation: String, Sendable, Codable, CaseIterable { case sqrt, weighted }
    /// Heptachlor and Heptachlor epoxide compared with 0.2 µg/L as one sum, or each on its own.
    public enum HeptachlorRule: String, Sendable, Codable, CaseIterable { case summed, separate }

    public struct Settings: Sendable, Equatable, Codable {
        public var aggregation: Aggregation
        public var heptachlor: HeptachlorRule
        public init(aggregation: Aggregation = .sqrt, heptachlor: HeptachlorRule = .summed) {
            self.aggregation = aggregation
            self.heptachlor = heptachlor
        }
        public static let standard = Settings()
    }

    /// One breakpoint: the sub-index at a concentration; a first cell with `<` holds only below it, a last cell with
    /// `>` only above it (at it, the neighbouring cell's value).
    public struct Cell: Decodable, Sendable, Equatable {
        public var q: Double
        public var at: Double
        public var op: String?
        public init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            q = try c.decode(Double.self)
            at = try c.decode(Double.self)
            op = c.isAtEnd ? nil : try c.decode(String.self)
        }
    }
    public struct Column: Decodable, Sendable { public var unit: String; public var cells: [Cell] }
    /// A curve given by points (x, q), linear between them, `outside` beyond the first and last point.
    public struct Curve: Decodable, Sendable {
        public var points: [[Double]]
        public var outside: Double
        public var saturation: [Double]?
    }
    public struct Pesticides: Decodable, Sendable {
        public var unit: String
        public var limits: [String: Double]
        public var pass: Double
        public var fail: Double
    }
    public struct Band: Codable, Sendable, Equatable {
        public var min: Int
        public var key, nameVi, nameEn, color, useVi, useEn: String
    }
    public struct Table: Decodable, Sendable {
        public var source, version, validFrom: String
        public var groups: [String: [String]]
        public var breakpoints: [String: Column]
        public var pH: Curve
        public var DO: Curve
        public var pesticides: Pesticides
        public var bands: [Band]
    }

    public let table: Table
    public init(table: Table) { self.table = table }

    /// No tables: every value set is "not computable" (reference data built without the resource, in tests).
    public static let empty = VNWQI(
        table: Table(
            source: "none", version: "none", validFrom: "", groups: [:], breakpoints: [:], pH: Curve(points: [], outside: 10, saturation: nil),
            DO: Curve(points: [], outside: 10, saturation: nil), pesticides: Pesticides(unit: "", limits: [:], pass: 100, fail: 10), bands: []))

    public static func bundled() throws -> VNWQI { VNWQI(table: try ResourceLoader.decode(Table.self, from: "vn_wqi_1460.json")) }

    /// The names a value set may carry: the decision's parameters and the water temperature `T` (°C).
    public static let names: [String] = [
        "pH", "Aldrin", "BHC", "Dieldrin", "DDTs", "Heptachlor", "Heptachlorepoxide", "As", "Cd", "Pb", "Cr6+", "Cu", "Zn", "Hg", "DO", "T",
        "BOD5", "COD", "TOC", "N-NH4", "N-NO3", "N-NO2", "P-PO4", "Coliform", "E.coli",
    ]
    public static let groupOrder = ["I", "II", "III", "IV", "V"]

    /// What one set of values gives: the index (nil with the reasons when it cannot be computed), its band, every
    /// sub-index and group score, what was not given, what was given but not used, and the settings and table used.
    public struct Result: Sendable, Equatable, Codable {
        public var wqi: Int?
        /// The index before rounding.
        public var exact: Double?
        public var band: Band?
        public var subIndices: [String: Double]
        public var groups: [String: Double]
        public var missing: [String]
        /// Values given but not counted, each with why (DO without a temperature).
        public var unused: [String]
        /// Why there is no index (empty when there is one).
        public var notComputable: [String]
        public var settings: Settings
        public var version: String
    }

    /// The sub-index of a parameter with a breakpoint column (metals, organics, nutrients, coliforms); nil for a
    /// negative or non-finite value or a name without a column.
    public func subIndex(_ name: String, _ c: Double) -> Double? {
        guard c.isFinite, c >= 0, let cells = table.breakpoints[name]?.cells, let first = cells.first, let last = cells.last else { return nil }
        if first.op == "<" ? c < first.at : c <= first.at { return first.q }
        if last.op == ">" ? c > last.at : c >= last.at { return last.q }
        for i in 0..<(cells.count - 1) {
            let a = cells[i]
            let b = cells[i + 1]
            guard b.at > a.at, c >= a.at, c <= b.at else { continue }
            return a.q + (b.q - a.q) * (c - a.at) / (b.at - a.at)
        }
        return last.q
    }

    static func along(_ curve: Curve, _ x: Double) -> Double? {
        guard x.isFinite, let first = curve.points.first, let last = curve.points.last, first.count == 2, last.count == 2 else { return nil }
        if x < first[0] || x > last[0] { return curve.outside }
        for i in 0..<(curve.points.count - 1) {
            let a = curve.points[i]
            let b = curve.points[i + 1]
            guard a.count == 2, b.count == 2, b[0] > a[0], x >= a[0], x <= b[0] else { continue }
            return a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0])
        }
        return curve.outside
    }

    public func pHSubIndex(_ pH: Double) -> Double? { pH >= 0 && pH <= 14 ? Self.along(table.pH, pH) : nil }

    /// Dissolved oxygen at saturation (mg/L) at a temperature in °C, by the decision's cubic; nil outside 0–50 °C.
    public func saturation(_ t: Double) -> Double? {
        guard t.isFinite, t >= 0, t <= 50, let k = table.DO.saturation, k.count == 4 else { return nil }
        let s = k[0] + k[1] * t + k[2] * t * t + k[3] * t * t * t
        return s > 0 ? s : nil
    }

    /// DO as % of saturation at the temperature.
    public func doPercent(_ mgL: Double, temperature: Double) -> Double? {
        guard mgL.isFinite, mgL >= 0, let s = saturation(temperature) else { return nil }
        return mgL / s * 100
    }

    public func doSubIndex(_ mgL: Double, temperature: Double) -> Double? {
        doPercent(mgL, temperature: temperature).flatMap { Self.along(table.DO, $0) }
    }

    public func pesticideSubIndex(_ name: String, _ c: Double) -> Double? {
        guard c.isFinite, c >= 0, let limit = table.pesticides.limits[name] else { return nil }
        return c <= limit ? table.pesticides.pass : table.pesticides.fail
    }

    public func band(_ wqi: Int) -> Band? { table.bands.sorted { $0.min > $1.min }.first { wqi >= $0.min } }

    public func compute(_ values: [String: Double], settings: Settings = .standard) -> Result {
        var sub: [String: Double] = [:]
        var unused: [String] = []
        var invalid: [String] = []
        func keep(_ name: String, _ q: Double?) {
            if let q { sub[name] = q } else if let v = values[name] { invalid.append("\(name): \(v) is outside what the table reads") }
        }
        if let v = values["pH"] { keep("pH", pHSubIndex(v)) }
        for name in ["Aldrin", "BHC", "Dieldrin", "DDTs"] { if let v = values[name] { keep(name, pesticideSubIndex(name, v)) } }
        let hepta = values["Heptachlor"]
        let epoxide = values["Heptachlorepoxide"]
        switch settings.heptachlor {
        case .summed:
            if hepta != nil || epoxide != nil { keep("Heptachlor", pesticideSubIndex("Heptachlor", (hepta ?? 0) + (epoxide ?? 0))) }
        case .separate:
            if let hepta { keep("Heptachlor", pesticideSubIndex("Heptachlor", hepta)) }
            if let epoxide { keep("Heptachlorepoxide", pesticideSubIndex("Heptachlor", epoxide)) }
        }
        for name in ["As", "Cd", "Pb", "Cr6+", "Cu", "Zn", "Hg", "BOD5", "COD", "TOC", "N-NH4", "N-NO3", "N-NO2", "P-PO4", "Coliform", "E.coli"] {
            if let v = values[name] { keep(name, subIndex(name, v)) }
        }
        if let d = values["DO"] {
            if let t = values["T"] {
                if let q = doSubIndex(d, temperature: t) {
                    sub["DO"] = q
                } else {
                    invalid.append("DO: \(d) mg/L at T \(t) °C cannot be read (T 0–50 °C)")
                }
            } else {
                unused.append("DO: counts only with the water temperature T")
            }
        }
        var members = table.groups
        if settings.heptachlor == .separate { members["II", default: []].append("Heptachlorepoxide") }
        var groups: [String: Double] = [:]
        var counts: [String: Int] = [:]
        for g in Self.groupOrder {
            let qs = (members[g] ?? []).compactMap { sub[$0] }
            counts[g] = qs.count
            guard !qs.isEmpty else { continue }
            switch g {
            case "II", "III": groups[g] = exp(qs.map { log($0) }.reduce(0, +) / Double(qs.count))
            default: groups[g] = qs.reduce(0, +) / Double(qs.count)
            }
        }
        var why = invalid
        if counts["IV", default: 0] < 3 {
            why.append("group IV (organics and nutrients) has \(counts["IV", default: 0]) parameter(s); at least 3 are needed")
        }
        if groups.count < 3 { why.append("\(groups.count) group(s) present; at least 3 are needed") }
        let missing = Self.names.filter { values[$0] == nil }
        var result = Result(
            wqi: nil, exact: nil, band: nil, subIndices: sub, groups: groups, missing: missing, unused: unused, notComputable: why,
            settings: settings,
            version: table.version)
        guard why.isEmpty, let iv = groups["IV"] else { return result }
        var w = ["I", "II", "III"].map { (groups[$0] ?? 100) / 100 }.reduce(1, *)
        if let v = groups["V"] {
            w *= settings.aggregation == .sqrt ? (iv * v).squareRoot() : Foundation.cbrt(iv * iv * v)
        } else {
            w *= iv
        }
        let rounded = Int((w + 0.5).rounded(.down))
        result.exact = w
        result.wqi = rounded
        result.band = band(rounded)
        return result
    }
}
