/// Administrative units with history: the nation, the 34 provinces from 1 July 2025, the 63 before (those that were
/// merged, with their successor), and communes (imported).
public struct AdminUnit: Codable, Sendable, Hashable {
    public enum Level: String, Codable, Sendable, CaseIterable { case nation, province, commune }
    /// Unique key: the official code for a current unit, `old-CODE` for a province dissolved on 1 July 2025.
    public var id: String
    public var code: String
    public var nameVi: String
    public var nameEn: String
    public var level: Level
    public var parent: String?
    /// ISO dates; nil when unbounded.
    public var validFrom: String?
    public var validTo: String?
    /// The unit that took this one over (an old province → its new province).
    public var successor: String?

    public init(
        id: String, code: String, nameVi: String, nameEn: String, level: Level, parent: String?, validFrom: String? = nil, validTo: String? = nil,
        successor: String? = nil
    ) {
        self.id = id
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.level = level
        self.parent = parent
        self.validFrom = validFrom
        self.validTo = validTo
        self.successor = successor
    }

    public func valid(on date: String) -> Bool { (validFrom ?? "") <= date && date <= (validTo ?? "9999") }
}

public struct AdminHierarchy: Sendable {
    public let units: [String: AdminUnit]

    public init(_ units: [AdminUnit]) { self.units = Dictionary(units.map { ($0.id, $0) }, uniquingKeysWith: { _, b in b }) }

    public static let nation = AdminUnit(id: "VN", code: "VN", nameVi: "Việt Nam", nameEn: "Viet Nam", level: .nation, parent: nil)
    public static let reorganisation = "2025-07-01"

    /// The nation, the current provinces and the provinces dissolved on 1 July 2025.
    public static func bundled() throws -> [AdminUnit] {
        var out = [nation]
        for p in try ProvinceCatalogue.bundled() {
            out.append(
                AdminUnit(
                    id: p.code, code: p.code, nameVi: p.nameVi, nameEn: p.nameEn, level: .province, parent: "VN",
                    validFrom: p.mergedFrom.isEmpty ? nil : reorganisation))
        }
        let text = String(decoding: try ResourceLoader.data("provinces_pre2025.csv"), as: UTF8.self)
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() where i > 0 {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 5 else { throw ProvinceCatalogue.ParseError.badRow(line: i + 1, reason: "provinces_pre2025.csv: expected 5 fields") }
            out.append(
                AdminUnit(id: "old-\(f[0])", code: f[0], nameVi: f[1], nameEn: f[2], level: .province, parent: "VN", validTo: f[4], successor: f[3]))
        }
        return out
    }

    /// The unit a code names on a date: a commune or province id as given, or the province that used the code then
    /// (`31` in 2023 is the old Hải Phòng, `old-31`; in 2026 the new one).
    public func resolve(_ code: String, on date: String) -> AdminUnit? {
        if let u = units[code], u.valid(on: date) { return u }
        if let u = units["old-\(code)"], u.valid(on: date) { return u }
        return units[code] ?? units["old-\(code)"]
    }

    /// The current province a unit's data belongs to today: a commune's province, an old province's successor.
    public func currentProvince(of id: String) -> String? {
        var seen = Set<String>()
        var cur = units[id]
        while let u = cur, seen.insert(u.id).inserted {
            if let s = u.successor {
                cur = units[s]
                continue
            }
            if u.level == .province { return u.id }
            cur = u.parent.flatMap { units[$0] }
        }
        return nil
    }

    /// A unit's parents, nearest first (a commune's province, then the country).
    public func ancestors(of id: String) -> [String] {
        var out: [String] = []
        var cur = units[id]?.parent
        while let p = cur, !out.contains(p), out.count < 16 {
            out.append(p)
            cur = units[p]?.parent
        }
        return out
    }

    public func children(of id: String) -> [AdminUnit] { units.values.filter { $0.parent == id }.sorted { $0.id < $1.id } }
}

/// A reporting period: a year (`2024`), a quarter (`2024-Q3`) or a month (`2024-07`).
public struct Period: Sendable, Hashable, Comparable, CustomStringConvertible {
    public enum Kind: String, Sendable, Codable { case year, quarter, month }
    public var year: Int
    public var kind: Kind
    /// 1–4 for quarters, 1–12 for months, 0 for a year.
    public var index: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-")
        guard let y = parts.first.flatMap({ Int($0) }), (1900...2200).contains(y) else { return nil }
        year = y
        if parts.count == 1 {
            kind = .year
            index = 0
        } else if parts.count == 2, parts[1].hasPrefix("Q"), let q = Int(parts[1].dropFirst()), (1...4).contains(q) {
            kind = .quarter
            index = q
        } else if parts.count == 2, parts[1].count == 2, let m = Int(parts[1]), (1...12).contains(m) {
            kind = .month
            index = m
        } else {
            return nil
        }
    }

    public var description: String {
        switch kind {
        case .year: return String(year)
        case .quarter: return "\(year)-Q\(index)"
        case .month: return "\(year)-\(index < 10 ? "0" : "")\(index)"
        }
    }

    /// The last day of the period, for resolving which units existed.
    public var endDate: String {
        let month: Int
        switch kind {
        case .year: month = 12
        case .quarter: month = index * 3
        case .month: month = index
        }
        let days = Timestamps.daysInMonth(Int64(year), Int64(month))
        return "\(year)-\(month < 10 ? "0" : "")\(month)-\(days)"
    }

    public static func < (a: Period, b: Period) -> Bool { (a.year, a.endDate) < (b.year, b.endDate) }
}

extension Period {
    /// The period before: last year, the quarter or month before.
    public var previous: Period? {
        switch kind {
        case .year: return Period(String(year - 1))
        case .quarter: return Period(index == 1 ? "\(year - 1)-Q4" : "\(year)-Q\(index - 1)")
        case .month: return Period(index == 1 ? "\(year - 1)-12" : "\(year)-\(index - 1 < 10 ? "0" : "")\(index - 1)")
        }
    }
}
