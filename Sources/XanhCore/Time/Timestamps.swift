/// Time handling without Foundation formatters: the ingest path parses hundreds of thousands of timestamps per request.
///
/// Times are UTC seconds since 1970 (`Int64`). Vietnam has used UTC+07:00 without daylight saving since 1975,
/// so local time is a fixed offset.
public enum Timestamps {
    public static let vietnamOffset: Int64 = 7 * 3600
    public static let hour: Int64 = 3600
    public static let day: Int64 = 86_400

    /// Days from 1970-01-01 to the given civil date (proleptic Gregorian), after Howard Hinnant's `days_from_civil`.
    public static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The civil date of a day count since 1970-01-01.
    public static func civilFromDays(_ z0: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    public static func daysInMonth(_ y: Int64, _ m: Int64) -> Int64 {
        switch m {
        case 2: return (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case missingOffset(String)

        public var description: String {
            switch self {
            case .malformed(let s): return "time '\(s)' is not ISO 8601 (expected e.g. 2026-11-20T10:05:00+07:00)"
            case .missingOffset(let s): return "time '\(s)' has no UTC offset (add Z or e.g. +07:00)"
            }
        }
    }

    /// Parses `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM|±HHMM)`. A space may stand for `T`. Fractions are truncated.
    public static func parseISO8601(_ text: String) throws(ParseError) -> Int64 {
        var s = text
        let result = s.withUTF8 { buf -> Result<Int64, ParseError> in
            do throws(ParseError) {
                return .success(try parseISO8601(bytes: buf, original: text))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func parseISO8601(bytes b: UnsafeBufferPointer<UInt8>, original: @autoclosure () -> String) throws(ParseError) -> Int64 {
        let n = b.count
        var i = 0
        func digits(_ count: Int) -> Int64? {
            guard i + count <= n else { return nil }
            var v: Int64 = 0
            for k in 0..<count {
                let c = b[i + k]
                guard c >= 48 && c <= 57 else { return nil }
                v = v * 10 + Int64(c - 48)
            }
            i += count
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < n, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else {
            throw .malformed(original())
        }
        guard i < n, b[i] == 84 || b[i] == 32 || b[i] == 116 else { throw .malformed(original()) }
        i += 1
        guard let hh = digits(2), expect(58), let mm = digits(2) else { throw .malformed(original()) }
        var ss: Int64 = 0
        if expect(58) {
            guard let s = digits(2) else { throw .malformed(original()) }
            ss = s
            if i < n, b[i] == 46 || b[i] == 44 {
                i += 1
                let start = i
                while i < n, b[i] >= 48 && b[i] <= 57 { i += 1 }
                if i == start { throw .malformed(original()) }
            }
        }
        guard month >= 1, month <= 12, day >= 1, day <= daysInMonth(year, month), hh <= 23, mm <= 59, ss <= 59 else {
            throw .malformed(original())
        }
        guard i < n else { throw .missingOffset(original()) }
        var offset: Int64 = 0
        if b[i] == 90 || b[i] == 122 {
            i += 1
        } else if b[i] == 43 || b[i] == 45 {
            let sign: Int64 = b[i] == 45 ? -1 : 1
            i += 1
            guard let oh = digits(2) else { throw .malformed(original()) }
            _ = expect(58)
            guard let om = digits(2), oh <= 14, om <= 59 else { throw .malformed(original()) }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            throw .malformed(original())
        }
        guard i == n else { throw .malformed(original()) }
        let days = daysFromCivil(year: year, month: month, day: day)
        return days * Timestamps.day + hh * 3600 + mm * 60 + ss - offset
    }

    /// Parses a query bound: an ISO 8601 time with offset, or a bare date `YYYY-MM-DD` meaning local midnight (+07:00).
    public static func parseBound(_ text: String) throws(ParseError) -> Int64 {
        if text.utf8.count == 10, let d = parseDate(text) { return d }
        return try parseISO8601(text)
    }

    /// `YYYY-MM-DD` as local (UTC+7) midnight in UTC seconds.
    public static func parseDate(_ text: String) -> Int64? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let y = Int64(parts[0]), let m = Int64(parts[1]), let d = Int64(parts[2]),
            parts[0].count == 4, m >= 1, m <= 12, d >= 1, d <= daysInMonth(y, m)
        else { return nil }
        return daysFromCivil(year: y, month: m, day: d) * day - vietnamOffset
    }

    /// ISO 8601 with the given offset, `2026-11-20T10:05:00+07:00` by default.
    public static func format(_ t: Int64, offset: Int64 = vietnamOffset) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(25)
        appendISO8601(t, offset: offset, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the ISO 8601 form of t to a byte buffer, without an intermediate String (JSON writers use this).
    public static func appendISO8601(_ t: Int64, offset: Int64 = vietnamOffset, to bytes: inout [UInt8]) {
        let local = t + offset
        let days = floorDiv(local, day)
        let secs = local - days * day
        let (y, m, d) = civilFromDays(days)
        func two(_ v: Int64) {
            bytes.append(0x30 + UInt8(v / 10))
            bytes.append(0x30 + UInt8(v % 10))
        }
        two(y / 100)
        two(y % 100)
        bytes.append(0x2D)
        two(m)
        bytes.append(0x2D)
        two(d)
        bytes.append(0x54)
        two(secs / 3600)
        bytes.append(0x3A)
        two((secs % 3600) / 60)
        bytes.append(0x3A)
        two(secs % 60)
        if offset == 0 {
            bytes.append(0x5A)
        } else {
            let a = abs(offset)
            bytes.append(offset < 0 ? 0x2D : 0x2B)
            two(a / 3600)
            bytes.append(0x3A)
            two((a % 3600) / 60)
        }
    }

    /// The local (UTC+7) calendar year of a UTC time.
    public static func localYear(_ t: Int64) -> Int { Int(civilFromDays(floorDiv(t + vietnamOffset, day)).year) }

    /// The local (UTC+7) calendar date `YYYY-MM-DD` of a UTC time.
    public static func localDate(_ t: Int64) -> String {
        String(format(localMidnight(t)).prefix(10))
    }

    public static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// The hour an observation belongs to, labelled by its end: an observation at t is in the hour (end − 1 h, end].
    /// 00:05 … 01:00 belong to the hour labelled 01:00, as Decision 1459 labels hourly means.
    public static func hourEnd(_ t: Int64) -> Int64 {
        -floorDiv(-t, hour) * hour
    }

    /// Local midnight (UTC seconds) starting the VN_AQI day that contains the hour labelled `hourEnd`.
    /// The day of 20 Nov holds the hours labelled 01:00 on 20 Nov … 24:00 (00:00 on 21 Nov).
    public static func dayStart(ofHourEnd e: Int64) -> Int64 {
        floorDiv(e - 1 + vietnamOffset, day) * day - vietnamOffset
    }

    /// Local midnight (UTC seconds) of the local calendar day containing instant t.
    public static func localMidnight(_ t: Int64) -> Int64 {
        floorDiv(t + vietnamOffset, day) * day - vietnamOffset
    }

    /// Local 1 January 00:00 of the year containing the local day starting at `dayStart`, and of the next year.
    public static func yearBounds(containing dayStart: Int64) -> (start: Int64, end: Int64, year: Int64) {
        let (y, _, _) = civilFromDays(floorDiv(dayStart + vietnamOffset, day))
        let start = daysFromCivil(year: y, month: 1, day: 1) * day - vietnamOffset
        let end = daysFromCivil(year: y + 1, month: 1, day: 1) * day - vietnamOffset
        return (start, end, y)
    }
}
