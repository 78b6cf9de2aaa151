import Foundation

public enum StationCSV {
    public struct LineError: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// `PM2.5:300,PM10` → parameters (interval 300 s when not given).
    public static func parameters(_ text: String) throws -> [StationParameter] {
        try text.split(whereSeparator: { $0 == "," || $0 == ";" || $0 == " " }).map { item in
            let parts = item.split(separator: ":")
            guard let p = parts.first else { throw LineError(description: "empty parameter") }
            var interval = 300
            if parts.count > 1 {
                guard let i = Int(parts[1]) else { throw LineError(description: "interval '\(parts[1])' of \(p) is not a number of seconds") }
                interval = i
            }
            return StationParameter(parameter: String(p), interval: interval)
        }
    }

    /// Rows with their line numbers. The parameters column uses ';' or spaces between parameters.
    public static func parse(_ text: String, file: String) throws -> [(Int, Station)] {
        let rows = CSV.parse(text)
        guard let header = rows.first?.fields.map({ $0.lowercased() }) else { throw LineError(description: "\(file): empty file") }
        func col(_ name: String) -> Int? { header.firstIndex(of: name) }
        for required in ["code", "name", "kind", "province"] where col(required) == nil {
            throw LineError(description: "\(file):1: header lacks column '\(required)'")
        }
        return try rows.dropFirst().map { row in
            func field(_ name: String) -> String? {
                guard let i = col(name), i < row.fields.count else { return nil }
                let v = row.fields[i].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            func number(_ name: String) throws -> Double? {
                guard let v = field(name) else { return nil }
                guard let d = Double(v) else { throw LineError(description: "\(file):\(row.line): \(name) '\(v)' is not a number") }
                return d
            }
            guard let kind = StationKind(rawValue: field("kind") ?? "") else {
                throw LineError(
                    description:
                        "\(file):\(row.line): kind '\(field("kind") ?? "")' is not one of \(StationKind.allCases.map(\.rawValue).joined(separator: ", "))"
                )
            }
            let s = Station(
                code: field("code") ?? "", name: field("name") ?? "", kind: kind, province: field("province") ?? "",
                facility: try number("facility").map { Int64($0) }, latitude: try number("latitude"), longitude: try number("longitude"),
                parameters: try parameters(field("parameters") ?? ""))
            return (row.line, s)
        }
    }
}

public enum ObservationCSV {
    /// Rows of `station,parameter,time,value,status` (header required; status optional). Returns inputs, their
    /// line numbers, and per-row field errors (a value that is not a number).
    public static func parse(_ text: String, file: String) throws -> ([ObservationInput], [Int], [Int: String]) {
        let rows = CSV.parse(text)
        guard let header = rows.first?.fields.map({ $0.lowercased().trimmingCharacters(in: .whitespaces) }) else {
            throw StationCSV.LineError(description: "\(file): empty file")
        }
        for required in ["station", "parameter", "time", "value"] where !header.contains(required) {
            throw StationCSV.LineError(description: "\(file):1: header lacks column '\(required)'")
        }
        let idx = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        var inputs: [ObservationInput] = []
        var lines: [Int] = []
        var errors: [Int: String] = [:]
        for row in rows.dropFirst() {
            func f(_ n: String) -> String? {
                guard let i = idx[n], i < row.fields.count else { return nil }
                let v = row.fields[i].trimmingCharacters(in: .whitespaces)
                return v.isEmpty ? nil : v
            }
            if row.fields.count > header.count {
                errors[inputs.count] =
                    "row has \(row.fields.count) fields but the header has \(header.count) (quote values that contain a comma, e.g. \"PM2,5\")"
            }
            var value: Double?
            if let v = f("value"), errors[inputs.count] == nil {
                value = Double(v)
                if value == nil { errors[inputs.count] = "value '\(v)' is not a number" }
            }
            inputs.append(ObservationInput(station: f("station"), parameter: f("parameter"), time: f("time"), value: value, status: f("status")))
            lines.append(row.line)
        }
        return (inputs, lines, errors)
    }
}

/// A small RFC 4180 reader and writer: quoted fields, doubled quotes, CRLF; keeps each record's line number.
///
/// Every cell written to a spreadsheet (CSV or XLSX) goes through `neutralised`: text that a spreadsheet would take
/// for a formula (starting with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises
/// against formula injection; a plain number is left alone. Reading undoes it, so an export imports as it was.
public enum CSV {
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// The text a spreadsheet will show as text, never evaluate.
    public static func neutralised(_ s: String) -> String {
        guard let first = s.first, formulaStarts.contains(first) else { return s }
        if Double(s) != nil, !s.contains("\t"), !s.contains("\r") { return s }  // -12.5 is a number, not a formula
        return "'" + s
    }

    /// What `neutralised` made of a text, back.
    public static func restored(_ s: String) -> String {
        guard s.hasPrefix("'"), let second = s.dropFirst().first, formulaStarts.contains(second) else { return s }
        return String(s.dropFirst())
    }

    /// One field of a CSV line: neutralised, and quoted when it holds a separator, a quote or a line break.
    public static func field(_ s: String) -> String {
        let v = neutralised(s)
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }

    /// A CSV line without its line break.
    public static func line(_ fields: [String]) -> String { fields.map(field).joined(separator: ",") }

    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    public static func parse(_ text: String) -> [Record] {
        var out: [Record] = []
        var fields: [String] = []
        var field = ""
        var quoted = false
        var line = 1
        var start = 1
        var it = text.makeIterator()
        var pending: Character? = nil
        func endRecord() {
            fields.append(restored(field))
            if !(fields.count == 1 && fields[0].isEmpty) { out.append(Record(line: start, fields: fields)) }
            fields = []
            field = ""
        }
        while let c = pending ?? it.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = it.next() {
                        if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
                    } else {
                        quoted = false
                    }
                } else {
                    if c == "\n" || c == "\r\n" { line += 1 }
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(restored(field))
                field = ""
            } else if c == "\n" || c == "\r\n" || c == "\r" {
                endRecord()
                line += 1
                start = line
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !fields.isEmpty { endRecord() }
        return out
    }
}
