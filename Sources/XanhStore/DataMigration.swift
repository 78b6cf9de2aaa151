import XanhCore

/// A table as `xanh migrate-data` copies it.
public struct CopyTable: Sendable, Equatable {
    public var name: String
    public var columns: [String]
    /// Primary-key columns (empty: the table is small and copied whole, e.g. `ambient_limits`).
    public var key: [String]
    public init(name: String, columns: [String], key: [String]) {
        self.name = name
        self.columns = columns
        self.key = key
    }

    /// Where each key column sits among the columns.
    public func keyIndexes() throws -> [Int] {
        try key.map { k in
            guard let i = columns.firstIndex(of: k) else { throw StoreError.conflict("internal: key column \(k) is not a column of \(name)") }
            return i
        }
    }
}

/// An order-independent fingerprint of a table's rows: the row count and two 64-bit sums of per-row FNV-1a hashes
/// over a canonical text of each value, so SQLite and PostgreSQL give the same fingerprint for the same rows whatever
/// order they return them in.
public struct TableChecksum: Sendable, Equatable, CustomStringConvertible {
    public var rows: Int = 0
    public var sum: UInt64 = 0
    public var xor: UInt64 = 0
    public init() {}

    public mutating func add(_ row: [SQLValue]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        for v in row {
            switch v {
            case .null: bytes.append(0)
            case .int(let i): bytes += Array("i\(i)".utf8)
            case .double(let d):
                // An integral REAL reads the same as the integer (engines may hand either for a whole number).
                if d == d.rounded(), abs(d) < 9e15 { bytes += Array("i\(Int64(d))".utf8) } else { bytes += Array("d\(d.bitPattern)".utf8) }
            case .text(let s): bytes += Array("t".utf8) + Array(s.utf8)
            }
            bytes.append(0x1f)
        }
        let h = FNV1a.hash(bytes)
        rows += 1
        sum &+= h
        xor ^= h &* 0x9E37_79B9_7F4A_7C15
    }

    public var description: String { "\(rows) rows, \(String(sum, radix: 16))/\(String(xor, radix: 16))" }
}

/// How far a table got, recorded in the target in the same transaction as the rows, so a stopped run resumes.
public struct CopyProgress: Sendable, Equatable {
    public var table: String
    /// The key of the last row copied.
    public var lastKey: [SQLValue]
    public var rows: Int
    public var done: Bool
    public init(table: String, lastKey: [SQLValue], rows: Int, done: Bool) {
        self.table = table
        self.lastKey = lastKey
        self.rows = rows
        self.done = done
    }
}

/// What an engine offers `xanh migrate-data`: raw table access in key order, and a progress ledger.
public protocol TableCopyEngine: Sendable {
    /// The store's tables (bookkeeping tables excluded).
    func copyTables() async throws -> [CopyTable]
    /// Up to `limit` rows with key > `after` (all rows when the table has no key), in key order.
    func readChunk(_ table: CopyTable, after: [SQLValue]?, limit: Int) async throws -> [[SQLValue]]
    /// Writes rows and the table's progress in one transaction; `clearFirst` empties the table first (the first chunk
    /// of a table not started before).
    func writeChunk(_ table: CopyTable, rows: [[SQLValue]], clearFirst: Bool, progress: CopyProgress) async throws
    func copyProgress() async throws -> [String: CopyProgress]
    /// Before the first write: what the engine needs to take rows verbatim (SQLite sets its triggers aside).
    func beginCopy() async throws
    /// After the last write: triggers back, identity sequences moved past the copied ids.
    func endCopy() async throws
}

extension TableCopyEngine {
    /// Reads the whole table chunk by chunk in key order and fingerprints it.
    public func checksum(_ table: CopyTable) async throws -> TableChecksum {
        var sum = TableChecksum()
        var last: [SQLValue]?
        let keyIndexes = try table.keyIndexes()
        while true {
            let rows = try await readChunk(table, after: last, limit: table.key.isEmpty ? Int.max : 50_000)
            for r in rows { sum.add(r) }
            guard !table.key.isEmpty, rows.count == 50_000, let l = rows.last else { break }
            last = keyIndexes.map { l[$0] }
        }
        return sum
    }

    /// `"a", "b"`: quoted identifiers (several are keywords: "end", "by", "interval", "rows", "time").
    public static func quoted(_ names: [String]) -> String { names.map { "\"\($0)\"" }.joined(separator: ", ") }

    /// `WHERE (k1, k2) > (?, ?)` with the last key, and the order.
    public static func keySQL(_ table: CopyTable, after: [SQLValue]?) -> (where: String, order: String) {
        let keys = quoted(table.key)
        let whereSQL = after == nil || table.key.isEmpty ? "" : "WHERE (\(keys)) > (\(table.key.map { _ in "?" }.joined(separator: ", ")))"
        return (whereSQL, table.key.isEmpty ? "" : "ORDER BY \(keys)")
    }
}

extension CopyProgress {
    /// The last key as one text column: values separated by U+001F, each tagged with its type.
    public static func encodeKey(_ key: [SQLValue]) -> String {
        key.map { v -> String in
            switch v {
            case .null: return "n"
            case .int(let i): return "i\(i)"
            case .double(let d): return "d\(d.bitPattern)"
            case .text(let s): return "t" + s
            }
        }.joined(separator: "\u{1f}")
    }

    public static func decodeKey(_ s: String) -> [SQLValue] {
        guard !s.isEmpty else { return [] }
        return s.split(separator: "\u{1f}", omittingEmptySubsequences: false).map { part -> SQLValue in
            let body = String(part.dropFirst())
            switch part.first {
            case "i": return .int(Int64(body) ?? 0)
            case "d": return .double(Double(bitPattern: UInt64(body) ?? 0))
            case "t": return .text(body)
            default: return .null
            }
        }
    }

    /// Tables that are the migration's own bookkeeping, never copied.
    public static func isBookkeeping(_ table: String) -> Bool {
        table.hasPrefix("xanh_migrat") || table.hasPrefix("sqlite_") || table == "grdb_migrations"
    }
}
