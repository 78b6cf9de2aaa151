import Foundation

extension CivilDate {
    /// Days since 1970-01-01 (proleptic Gregorian).
    public var dayNumber: Int { Int(Timestamps.daysFromCivil(year: Int64(year), month: Int64(month), day: Int64(day))) }

    /// The date of a day number; nil outside the years a `CivilDate` holds.
    public init?(dayNumber n: Int) {
        guard (-25_567...376_000).contains(n) else { return nil }
        let c = Timestamps.civilFromDays(Int64(n))
        self.init(year: Int(c.year), month: Int(c.month), day: Int(c.day))
    }

    /// The local day of an instant in Viet Nam (UTC+7, no daylight saving).
    public init?(epochSeconds: Int64) {
        let (local, overflow) = epochSeconds.addingReportingOverflow(Timestamps.vietnamOffset)
        guard !overflow, let n = Int(exactly: Timestamps.floorDiv(local, Timestamps.day)) else { return nil }
        self.init(dayNumber: n)
    }

    public func adding(days: Int) -> CivilDate? { CivilDate(dayNumber: dayNumber + days) }

    /// 1 = Monday … 7 = Sunday (ISO 8601).
    public var weekday: Int { ((dayNumber % 7 + 7) % 7 + 3) % 7 + 1 }

    /// `30/12/2026`, the way Vietnamese documents write a date.
    public var vietnamese: String {
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(two(day))/\(two(month))/\(year)"
    }
}

/// The working days of state administrative agencies: Monday to Friday, less the public holidays and days off the
/// yearly announcements give, plus the weekend days they make up (resource `vn_working_calendar.json`, versioned;
/// decision 0016). Days past the calendar's last listed year count weekends only, and `covers` says so.
public struct WorkingCalendar: Sendable, Codable, Equatable {
    public struct Day: Sendable, Codable, Equatable {
        public var date: String
        public var name: String
        /// `S` (announced, as reported) or `U` (projected by rule before an announcement).
        public var confidence: String
        public var source: String
    }

    public var version: String
    public var description: String
    public var holidays: [Day]
    public var workingDays: [Day]

    public enum CalendarError: Error, CustomStringConvertible {
        case badDate(String)
        public var description: String {
            switch self {
            case .badDate(let d): return "working calendar: '\(d)' is not a date (YYYY-MM-DD)"
            }
        }
    }

    private var off: Set<Int> = []
    private var on: Set<Int> = []

    enum CodingKeys: String, CodingKey { case version, description, holidays, workingDays }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(String.self, forKey: .version)
        description = try c.decodeIfPresent(String.self, forKey: .description) ?? ""
        holidays = try c.decodeIfPresent([Day].self, forKey: .holidays) ?? []
        workingDays = try c.decodeIfPresent([Day].self, forKey: .workingDays) ?? []
        try index()
    }

    public init(version: String, holidays: [Day], workingDays: [Day] = []) throws {
        self.version = version
        self.description = ""
        self.holidays = holidays
        self.workingDays = workingDays
        try index()
    }

    private mutating func index() throws {
        func numbers(_ days: [Day]) throws -> Set<Int> {
            Set(
                try days.map {
                    guard let d = CivilDate($0.date) else { throw CalendarError.badDate($0.date) }
                    return d.dayNumber
                })
        }
        off = try numbers(holidays)
        on = try numbers(workingDays)
    }

    /// Weekends only, before a calendar is loaded.
    public static let weekendsOnly = WorkingCalendar(empty: "weekends-only")

    private init(empty version: String) {
        self.version = version
        description = "Saturdays and Sundays only"
        holidays = []
        workingDays = []
    }

    /// The calendar in the bundle.
    public static func bundled() throws -> WorkingCalendar {
        try ResourceLoader.decode(WorkingCalendar.self, from: "vn_working_calendar.json")
    }

    public func isWorkingDay(_ d: CivilDate) -> Bool {
        let n = d.dayNumber
        if on.contains(n) { return true }
        if off.contains(n) { return false }
        return d.weekday <= 5
    }

    /// Whether the calendar lists days for that year (otherwise only weekends are known).
    public func covers(year: Int) -> Bool { holidays.contains { $0.date.hasPrefix("\(year)-") } }

    /// The `n`-th working day after `d` (`n` ≥ 1), or `d` itself when `n` is 0 and it is a working day, else the next one.
    public func workingDay(_ n: Int, after d: CivilDate) -> CivilDate? {
        var day = d
        var left = max(0, n)
        if left == 0 {
            while !isWorkingDay(day) { guard let next = day.adding(days: 1) else { return nil }; day = next }
            return day
        }
        // A year holds at least 200 working days; 400 steps per year of `n` bound the loop.
        for _ in 0..<(400 + left * 2) {
            guard let next = day.adding(days: 1) else { return nil }
            day = next
            if isWorkingDay(day) {
                left -= 1
                if left == 0 { return day }
            }
        }
        return nil
    }

    /// Working days from `a` (excluded) to `b` (included); negative when `b` is before `a`.
    public func workingDays(from a: CivilDate, to b: CivilDate) -> Int {
        let (lo, hi, sign) = a <= b ? (a.dayNumber, b.dayNumber, 1) : (b.dayNumber, a.dayNumber, -1)
        guard hi - lo <= 3660 else { return sign * (hi - lo) * 5 / 7 }
        var count = 0
        var n = lo + 1
        while n <= hi {
            if let d = CivilDate(dayNumber: n), isWorkingDay(d) { count += 1 }
            n += 1
        }
        return sign * count
    }
}
