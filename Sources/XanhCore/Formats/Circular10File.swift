/// Files as Circular 10/2021/TT-BTNMT loggers send them (Phụ lục 15, as public logger implementations write it):
/// named `Province_Facility_Station_yyyyMMddhhmmss.txt`, one line per parameter with five fields
/// `code value unit yyyyMMddhhmmss status`, separated by tabs or spaces. Times are local (UTC+07:00).
/// The variants accepted are listed in docs/decisions/0004-circular-10-files.md.
public enum Circular10 {
    /// Why a file cannot be ingested. The raw value names the quarantine reason.
    public enum ErrorKind: String, Sendable, Codable, CaseIterable {
        case badName = "bad_name"
        case notText = "not_text"
        case empty
        case badLine = "bad_line"
        case badTimestamp = "bad_timestamp"
        case unknownStation = "unknown_station"
        case unknownParameter = "unknown_parameter"
        case unitMismatch = "unit_mismatch"
        /// The file came through an account (a key named like its top folder) that may not write for its station.
        case outOfScope = "out_of_scope"
    }

    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var kind: ErrorKind
        /// 1-based line number, nil for problems of the whole file.
        public var line: Int?
        public var message: String
        public init(_ kind: ErrorKind, line: Int? = nil, _ message: String) {
            self.kind = kind
            self.line = line
            self.message = message
        }
        public var description: String {
            if let line { return "line \(line): \(kind.rawValue): \(message)" }
            return "\(kind.rawValue): \(message)"
        }
    }

    /// Every problem of a file.
    public struct Problems: Error, Sendable, Equatable, ExpressibleByArrayLiteral, CustomStringConvertible {
        public var items: [Problem]
        public init(_ items: [Problem]) { self.items = items }
        public init(arrayLiteral elements: Problem...) { items = elements }
        public var description: String { items.map(\.description).joined(separator: "\n") }
    }

    public struct FileName: Sendable, Equatable {
        /// Name parts before the time stamp (province, facility, station; fewer when a logger writes fewer).
        public var parts: [String]
        /// File-name time, local time read as UTC+07:00.
        public var time: Int64
        /// The parts joined by `_`: the key of the explicit name → station mapping.
        public var prefix: String { parts.joined(separator: "_") }
        public var station: String { parts.last ?? "" }
    }

    public struct Line: Sendable, Equatable {
        public var number: Int
        public var code: String
        /// nil when the logger wrote no value (allowed only with a status other than 00).
        public var value: Double?
        public var unit: String
        public var t: Int64
        public var status: DeviceStatus
    }

    /// Parses a file name; `.TXT` is accepted, and trailing underscores before the time stamp are ignored.
    public static func parseName(_ name: String) -> Result<FileName, Problem> {
        let bad = Problem(.badName, "file name '\(name)' does not follow Province_Facility_Station_yyyyMMddhhmmss.txt")
        guard name.count > 4, name.lowercased().hasSuffix(".txt") else { return .failure(bad) }
        let stem = name.dropLast(4)
        let bytes = Array(stem.utf8)
        guard bytes.count >= 16 else { return .failure(bad) }
        let stamp = bytes.suffix(14)
        guard let t = localTime(stamp) else {
            return .failure(Problem(.badName, "file name '\(name)' does not end in a valid time yyyyMMddhhmmss"))
        }
        let head = String(decoding: bytes.dropLast(14), as: UTF8.self)
        guard head.hasSuffix("_") else { return .failure(bad) }
        let parts = head.split(separator: "_").map(String.init)
        guard !parts.isEmpty else { return .failure(bad) }
        return .success(FileName(parts: parts, time: t))
    }

    /// `yyyyMMddhhmmss` local time (UTC+07:00) to UTC seconds; nil when it is not a valid time.
    public static func localTime(_ b: some Collection<UInt8>) -> Int64? {
        guard b.count == 14 else { return nil }
        var digits = [Int64]()
        digits.reserveCapacity(14)
        for c in b {
            guard c >= 48, c <= 57 else { return nil }
            digits.append(Int64(c - 48))
        }
        func n(_ i: Int, _ len: Int) -> Int64 { digits[i..<(i + len)].reduce(0) { $0 * 10 + $1 } }
        let (y, mo, d, h, mi, s) = (n(0, 4), n(4, 2), n(6, 2), n(8, 2), n(10, 2), n(12, 2))
        guard y >= 1970, (1...12).contains(mo), d >= 1, d <= Timestamps.daysInMonth(y, mo), h <= 23, mi <= 59, s <= 59 else { return nil }
        return Timestamps.daysFromCivil(year: y, month: mo, day: d) * Timestamps.day + h * 3600 + mi * 60 + s - Timestamps.vietnamOffset
    }

    /// Parses the content: UTF-8 text (a byte-order mark and CR LF line ends are accepted), blank lines skipped.
    /// Returns every line or every problem.
    public static func parseLines(_ bytes: [UInt8]) -> Result<[Line], Problems> {
        if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }) {
            return .failure([Problem(.empty, "the file is empty")])
        }
        if bytes.contains(0) {
            return .failure([Problem(.notText, "the file is not text (it contains NUL bytes)")])
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard String(validating: body, as: UTF8.self) != nil else {
            return .failure([Problem(.notText, "the file is not UTF-8 text")])
        }
        var lines: [Line] = []
        var problems: [Problem] = []
        var number = 0
        // Split on bytes: in a Swift string "\r\n" is one character.
        for raw in body.split(separator: 10, omittingEmptySubsequences: false) {
            number += 1
            var b = raw
            if b.last == 13 { b = b.dropLast() }
            let l = Substring(String(decoding: b, as: UTF8.self))
            if l.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            switch parseLine(l, number: number) {
            case .success(let line): lines.append(line)
            case .failure(let p): problems.append(p)
            }
        }
        return problems.isEmpty ? .success(lines) : .failure(Problems(problems))
    }

    static func parseLine(_ l: Substring, number: Int) -> Result<Line, Problem> {
        // Tab-separated keeps empty fields (a missing value or unit); otherwise any run of spaces separates.
        var fields: [Substring]
        if l.contains("\t") {
            fields = l.split(separator: "\t", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
            while fields.count > 5, fields.last?.isEmpty == true { fields.removeLast() }
        } else {
            fields = l.split(separator: " ")
            // Four fields with a time stamp third: a parameter without a unit (pH).
            if fields.count == 4, fields[2].utf8.count == 14 { fields.insert("", at: 2) }
        }
        guard fields.count == 5 else {
            return .failure(
                Problem(.badLine, line: number, "expected 5 fields (code, value, unit, yyyyMMddhhmmss, status), found \(fields.count): '\(l)'"))
        }
        let code = String(fields[0])
        guard !code.isEmpty else { return .failure(Problem(.badLine, line: number, "the parameter code is empty")) }
        guard let status = DeviceStatus(code: String(fields[4])) else {
            return .failure(
                Problem(
                    .badLine, line: number, "status '\(fields[4])' is not 00 (measuring), 01 (calibrating), 02 (device error) or 03 (maintenance)"))
        }
        guard let t = localTime(fields[3].utf8) else {
            return .failure(Problem(.badTimestamp, line: number, "time '\(fields[3])' is not a valid yyyyMMddhhmmss"))
        }
        var value: Double?
        if fields[1].isEmpty {
            guard status != .measuring else {
                return .failure(Problem(.badLine, line: number, "value is empty for \(code) with status 00"))
            }
        } else {
            guard let v = parseNumber(fields[1]), v.isFinite else {
                return .failure(Problem(.badLine, line: number, "value '\(fields[1])' of \(code) is not a number"))
            }
            value = v
        }
        return .success(Line(number: number, code: code, value: value, unit: String(fields[2]), t: t, status: status))
    }

    /// A decimal number; a single comma is read as the decimal separator when there is no point (`12,5`).
    static func parseNumber(_ s: Substring) -> Double? {
        if let v = Double(s) { return v }
        if !s.contains("."), s.filter({ $0 == "," }).count == 1 { return Double(String(s.map { $0 == "," ? "." : $0 })) }
        return nil
    }
}

/// Turns one Circular 10 file into rows to store, or into the reasons it cannot be stored whole.
public struct Circular10Reader: Sendable {
    public let catalogue: ParameterCatalogue
    public let directory: SeriesDirectory
    /// Explicit file-name → station code mapping, for names that do not match codes. Keys are the full prefix
    /// (`HaiPhong_NhietDienHP_KhiThai1`) or the station part alone (`KhiThai1`).
    public let names: [String: String]
    public let window: ObservationWindow

    public init(catalogue: ParameterCatalogue, directory: SeriesDirectory, names: [String: String], now: Int64, limits: Limits = Limits()) {
        self.catalogue = catalogue
        self.directory = directory
        self.names = names
        self.window = ObservationWindow(now: now, limits: limits)
    }

    public struct Batch: Sendable {
        public var station: String
        public var rows: [ValidObservation]
        /// Lines without a value (status 01/02/03 and an empty value field): read, nothing to store.
        public var withoutValue: Int
    }

    /// The station a file name maps to: the explicit mapping of the full prefix, then of the station part, then
    /// the station part as a station code, then the full prefix as a code.
    public func station(for name: Circular10.FileName) -> String? {
        if let s = names[name.prefix] { return s }
        if let s = names[name.station] { return s }
        if directory.stations[name.station] != nil { return name.station }
        if directory.stations[name.prefix] != nil { return name.prefix }
        return nil
    }

    public func read(name: String, bytes: [UInt8]) -> Result<Batch, Circular10.Problems> {
        let fileName: Circular10.FileName
        switch Circular10.parseName(name) {
        case .success(let n): fileName = n
        case .failure(let p): return .failure([p])
        }
        guard let code = station(for: fileName) else {
            return .failure([
                Circular10.Problem(
                    .unknownStation,
                    "no registered station for '\(fileName.prefix)' (tried the name mapping, then '\(fileName.station)' as a station code); add one with 'xanh station map-file'"
                )
            ])
        }
        guard let entry = directory.stations[code] else {
            return .failure([Circular10.Problem(.unknownStation, "the name '\(fileName.prefix)' maps to station '\(code)', which is not registered")])
        }
        guard entry.active else { return .failure([Circular10.Problem(.unknownStation, "station '\(code)' is deactivated")]) }
        let lines: [Circular10.Line]
        switch Circular10.parseLines(bytes) {
        case .success(let l): lines = l
        case .failure(let p): return .failure(p)
        }
        var rows: [ValidObservation] = []
        rows.reserveCapacity(lines.count)
        var problems: [Circular10.Problem] = []
        var withoutValue = 0
        for line in lines {
            guard let p = catalogue.resolve(line.code, among: entry.series.keys), let series = entry.series[p.code] else {
                let known = entry.series.keys.sorted().joined(separator: ", ")
                problems.append(
                    .init(
                        .unknownParameter, line: line.number,
                        "parameter code '\(line.code)' is not one station '\(code)' measures (it measures: \(known))"))
                continue
            }
            guard Units.matches(line.unit, p) else {
                problems.append(
                    .init(.unitMismatch, line: line.number, "unit '\(line.unit)' of \(line.code) is not the catalogue unit '\(p.unit)' of \(p.code)"))
                continue
            }
            if let reason = window.refusal(line.t, as: Timestamps.format(line.t)) {
                problems.append(.init(.badTimestamp, line: line.number, reason))
                continue
            }
            guard let value = line.value else {
                withoutValue += 1
                continue
            }
            let qc = QualityControl.flag(value: value, status: line.status, parameter: p)
            rows.append(ValidObservation(seriesID: series, t: line.t, value: value, status: line.status, qc: qc))
        }
        return problems.isEmpty ? .success(Batch(station: code, rows: rows, withoutValue: withoutValue)) : .failure(Circular10.Problems(problems))
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var s = self
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return s
    }
}
