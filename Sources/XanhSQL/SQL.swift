import XanhStore

/// A statement with `?` placeholders and its arguments, written with interpolation so that a value can never be
/// spliced into the text: `"SELECT * FROM stations WHERE code = \(code)"` binds `code`. Text goes in only as
/// `\(raw:)` (identifiers and fragments the code itself builds) or as another `SQL`.
public struct SQL: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    public var text: String
    public var arguments: [SQLValue]

    /// A statement whose text the program built itself (`?` for each argument). Labelled, so that `SQL("… \(x) …")`
    /// cannot be read as text: a literal is always an interpolated statement.
    public init(verbatim text: String, _ arguments: [SQLValue] = []) {
        self.text = text
        self.arguments = arguments
    }

    public init(stringLiteral value: String) { self.init(verbatim: value) }

    public init(stringInterpolation: Interpolation) { self.init(verbatim: stringInterpolation.text, stringInterpolation.arguments) }

    public struct Interpolation: StringInterpolationProtocol {
        var text = ""
        var arguments: [SQLValue] = []
        public init(literalCapacity: Int, interpolationCount: Int) { text.reserveCapacity(literalCapacity + interpolationCount * 2) }
        public mutating func appendLiteral(_ literal: String) { text += literal }
        /// A bound value.
        public mutating func appendInterpolation(_ value: some SQLBindable) {
            text += "?"
            arguments.append(value.sqlValue)
        }
        /// Text the program wrote itself (an identifier, a fragment); never a value from outside.
        public mutating func appendInterpolation(raw: String) { text += raw }
        public mutating func appendInterpolation(_ sql: SQL) {
            text += sql.text
            arguments += sql.arguments
        }
        /// `?, ?, ?` for an `IN (…)` list; `NULL` for an empty one (which matches nothing).
        public mutating func appendInterpolation<V: SQLBindable>(list values: some Sequence<V>) {
            var first = true
            for v in values {
                text += first ? "?" : ", ?"
                first = false
                arguments.append(v.sqlValue)
            }
            if first { text += "NULL" }
        }
    }

    public static func + (a: SQL, b: SQL) -> SQL { SQL(verbatim: a.text + b.text, a.arguments + b.arguments) }
    public static func += (a: inout SQL, b: SQL) { a = a + b }

    /// Fragments joined by a separator (`AND`, `, `).
    public static func join(_ parts: [SQL], _ separator: String) -> SQL {
        var out: SQL = ""
        for (i, p) in parts.enumerated() { out += i == 0 ? p : SQL(verbatim: separator) + p }
        return out
    }

    public var description: String { text.prefix(160).replacingOccurrences(of: "\n", with: " ") }
}

/// A row cannot be read as the code expects: a NULL where a value belongs, or a value of another type.
public struct SQLDecodingError: Error, Sendable, CustomStringConvertible {
    public var column: String
    public var expected: String
    public var found: SQLValue
    public init(column: String, expected: String, found: SQLValue) {
        self.column = column
        self.expected = expected
        self.found = found
    }
    public var description: String { "column \(column): expected \(expected), found \(found.isNull ? "NULL" : "'\(found.text ?? "")'")" }
}

/// The column names of a result, shared by its rows.
public final class SQLColumns: Sendable {
    public let names: [String]
    let index: [String: Int]
    public init(_ names: [String]) {
        self.names = names
        index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }
    /// A row has few columns: comparing names is cheaper than hashing one.
    public func position(_ name: String) -> Int? { names.count <= 16 ? names.firstIndex(of: name) : index[name] }
}

/// Cells of a result, shared by its rows.
final class SQLCells: Sendable {
    let values: [SQLValue]
    init(_ values: [SQLValue]) { self.values = values }
}

/// One row of a result. Typed accessors throw `SQLDecodingError` naming the column instead of trapping, so a row the
/// code cannot read is an error the caller can report (or skip), never a crash.
public struct SQLRow: Sendable {
    public let columns: SQLColumns
    /// The result's cells, row after row, shared by its rows: a long result is one allocation, not one per row.
    let cells: SQLCells
    let offset: Int

    public init(columns: SQLColumns, values: [SQLValue]) {
        self.columns = columns
        cells = SQLCells(values)
        offset = 0
    }

    init(columns: SQLColumns, cells: SQLCells, offset: Int) {
        self.columns = columns
        self.cells = cells
        self.offset = offset
    }

    /// The rows of a result from its cells, row after row (`cells.count` a multiple of the column count; a short
    /// last row is dropped).
    public static func rows(columns: SQLColumns, cells: [SQLValue]) -> [SQLRow] {
        let width = columns.names.count
        guard width > 0 else { return [] }
        let shared = SQLCells(cells)
        return stride(from: 0, to: cells.count - width + 1, by: width).map { SQLRow(columns: columns, cells: shared, offset: $0) }
    }

    public var values: [SQLValue] { Array(cells.values[offset..<min(cells.values.count, offset + columns.names.count)]) }

    public subscript(_ i: Int) -> SQLValue {
        i >= 0 && i < columns.names.count && offset + i < cells.values.count ? cells.values[offset + i] : .null
    }
    public subscript(_ name: String) -> SQLValue { columns.position(name).map { self[$0] } ?? .null }

    func fail(_ column: String, _ expected: String) -> SQLDecodingError { SQLDecodingError(column: column, expected: expected, found: self[column]) }

    public func int64(_ c: String) throws -> Int64 {
        guard let v = self[c].int64 else { throw fail(c, "an integer") }
        return v
    }
    public func int(_ c: String) throws -> Int {
        guard let v = self[c].int64, let i = Int(exactly: v) else { throw fail(c, "an integer") }
        return i
    }
    public func double(_ c: String) throws -> Double {
        guard let v = self[c].double else { throw fail(c, "a number") }
        return v
    }
    public func text(_ c: String) throws -> String {
        guard let v = self[c].text else { throw fail(c, "a text") }
        return v
    }
    public func bool(_ c: String) throws -> Bool { try int64(c) != 0 }

    /// NULL is nil; a value of another type is an error.
    public func optionalInt64(_ c: String) throws -> Int64? { self[c].isNull ? nil : try int64(c) }
    public func optionalInt(_ c: String) throws -> Int? { self[c].isNull ? nil : try int(c) }
    public func optionalDouble(_ c: String) throws -> Double? { self[c].isNull ? nil : try double(c) }
    public func optionalText(_ c: String) -> String? { self[c].text }
}

/// The SQL an engine speaks where the two differ. Everything else in a statement is written once.
public enum SQLDialect: Sendable, Equatable {
    case sqlite
    /// `postgis`: the schema the PostGIS extension lives in, or nil when it is not installed.
    case postgres(postgis: String?)

    public var isPostgres: Bool { if case .postgres = self { true } else { false } }

    /// Byte-wise text order (codes sort the same on both engines whatever the database's locale).
    public var bytewise: String { isPostgres ? #" COLLATE "C""# : "" }

    /// Most `?` arguments one statement may carry.
    public var maxArguments: Int { isPostgres ? 65_535 : 32_766 }
}
