import Foundation

/// A value that JSON carries as one string (a date, a due rule, a task's schedule); a string it cannot read is a
/// decoding error naming the form it expects.
public protocol TextCodable: Codable {
    init?(_ text: String)
    var text: String { get }
    /// What the string must look like, for the error.
    static var textForm: String { get }
}

extension TextCodable {
    public init(from decoder: any Decoder) throws {
        let s = try decoder.singleValueContainer().decode(String.self)
        guard let v = Self(s) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(s.prefix(40))' is not \(Self.textForm)"))
        }
        self = v
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(text)
    }
}

/// A calendar day, without a time or a zone (reporting windows and due dates are local days).
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible, TextCodable {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1900...2999).contains(year), (1...12).contains(month), (1...Self.days(in: month, of: year)).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// `2026-06-14`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2, let y = Int(parts[0]), let m = Int(parts[1]),
            let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    private init(checked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// 1970-01-01, for a clock that gives no day.
    public static let epoch = CivilDate(checked: 1970, 1, 1)

    public static func days(in month: Int, of year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public var description: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    public var text: String { description }
    public static let textForm = "a date (YYYY-MM-DD)"

    /// The 15th of the month `offset` months from this date's month (the Decree 09 windows open on the 15th).
    func fifteenth(monthsFrom offset: Int) -> CivilDate? {
        let index = year * 12 + (month - 1) + offset
        return CivilDate(year: index / 12, month: index % 12 + 1, day: 15)
    }
}

/// A reporting period by its stable key, with the data-closing window of the Decree 09/2019 pattern: a month runs
/// from the 15th of the month before to the 14th; a quarter from the 15th of the month before it to the 14th of its
/// last month; the half-year, nine months and year all open on 15/12 of the year before and close on 14/06, 14/09
/// and 14/12 (reference `plans-and-reports.md` §2, tagged [S]; a regime that closes otherwise states its own window).
/// The second half-year, which the reference does not name, follows the same pattern: 15/06 → 14/12.
public struct ReportingPeriod: Sendable, Hashable, CustomStringConvertible, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case month, quarter, halfYear = "half_year", nineMonths = "nine_months", year
    }

    public var year: Int
    public var kind: Kind
    /// The month (1–12), the quarter (1–4) or the half (1–2); 0 for nine months and the year.
    public var index: Int
    /// The data-closing window: its first and last days, both included.
    public private(set) var first: CivilDate
    public private(set) var last: CivilDate

    /// `2026-05`, `2026-Q3`, `2026-H1`, `2026-9M`, `2026`; nil for anything else.
    public init?(_ key: String) {
        let parts = key.split(separator: "-", omittingEmptySubsequences: false)
        guard let head = parts.first, head.count == 4, head.allSatisfy(\.isASCII), let y = Int(head), (1901...2999).contains(y), parts.count <= 2
        else { return nil }
        let kind: Kind
        let index: Int
        let rest = parts.count == 2 ? String(parts[1]) : ""
        switch rest.first {
        case nil:
            guard parts.count == 1 else { return nil }
            (kind, index) = (.year, 0)
        case "Q":
            guard rest.count == 2, let q = Int(rest.dropFirst()), (1...4).contains(q) else { return nil }
            (kind, index) = (.quarter, q)
        case "H":
            guard rest.count == 2, let h = Int(rest.dropFirst()), (1...2).contains(h) else { return nil }
            (kind, index) = (.halfYear, h)
        default:
            if rest == "9M" {
                (kind, index) = (.nineMonths, 0)
            } else {
                guard rest.count == 2, rest.allSatisfy({ $0.isASCII && $0.isNumber }), let m = Int(rest), (1...12).contains(m) else { return nil }
                (kind, index) = (.month, m)
            }
        }
        let closing: Int
        let months: Int
        switch kind {
        case .month: (closing, months) = (index, 1)
        case .quarter: (closing, months) = (index * 3, 3)
        case .halfYear: (closing, months) = (index * 6, 6)
        case .nineMonths: (closing, months) = (9, 9)
        case .year: (closing, months) = (12, 12)
        }
        guard let last = CivilDate(year: y, month: closing, day: 14), let first = last.fifteenth(monthsFrom: -months) else { return nil }
        (self.year, self.kind, self.index, self.first, self.last) = (y, kind, index, first, last)
    }

    public var description: String {
        switch kind {
        case .year: return "\(year)"
        case .nineMonths: return "\(year)-9M"
        case .halfYear: return "\(year)-H\(index)"
        case .quarter: return "\(year)-Q\(index)"
        case .month: return "\(year)-\(index < 10 ? "0" : "")\(index)"
        }
    }

    /// Whether a day lies in the window.
    public func contains(_ d: CivilDate) -> Bool { first <= d && d <= last }
}
