import XanhCore
import XanhStore

/// Copies every table of one store into another, verifies each by count and checksum, and can be resumed.
public struct DataMigrator: Sendable {
    public struct TableReport: Sendable, Equatable {
        public var table: String
        public var source: TableChecksum
        public var target: TableChecksum
        public var matches: Bool { source == target }
    }

    public enum Failure: Error, CustomStringConvertible {
        case missingTable(String)
        case mismatch([TableReport])
        public var description: String {
            switch self {
            case .missingTable(let t): return "the target has no table '\(t)' (is it a Xanh database of the same version?)"
            case .mismatch(let r):
                return "checksums differ for: " + r.map { "\($0.table) (source \($0.source), target \($0.target))" }.joined(separator: "; ")
            }
        }
    }

    /// Tables that others reference come first, so foreign keys hold at every commit.
    public static let leadingTables = ["meta", "parameters", "provinces", "ambient_limits", "facilities", "stations", "series"]

    public let source: any TableCopyEngine
    public let target: any TableCopyEngine
    public let chunk: Int
    public init(source: any TableCopyEngine, target: any TableCopyEngine, chunk: Int = 20_000) {
        self.source = source
        self.target = target
        self.chunk = chunk
    }

    /// Copies and verifies. `log` hears one line per table; `stopAfterChunks` stops early (for tests of resumption).
    @discardableResult
    public func run(log: (String) -> Void = { _ in }, stopAfterChunks: Int? = nil) async throws -> [TableReport] {
        let tables = try await Self.ordered(source.copyTables())
        let targetTables = Set(try await target.copyTables().map(\.name))
        for t in tables where !targetTables.contains(t.name) { throw Failure.missingTable(t.name) }
        var progress = try await target.copyProgress()
        var chunks = 0
        try await target.beginCopy()
        for t in tables {
            if let p = progress[t.name], p.done {
                log("\(t.name): already copied (\(p.rows) rows)")
                continue
            }
            var last = progress[t.name]?.lastKey
            var copied = progress[t.name]?.rows ?? 0
            var first = progress[t.name] == nil
            while true {
                if let stop = stopAfterChunks, chunks >= stop { return [] }
                let rows = try await source.readChunk(t, after: t.key.isEmpty ? nil : last, limit: t.key.isEmpty ? Int.max : chunk)
                let keyIndexes = try t.keyIndexes()
                if let lastRow = rows.last { last = keyIndexes.map { lastRow[$0] } }
                copied += rows.count
                let done = t.key.isEmpty || rows.count < chunk
                try await target.writeChunk(
                    t, rows: rows, clearFirst: first, progress: CopyProgress(table: t.name, lastKey: last ?? [], rows: copied, done: done))
                first = false
                chunks += 1
                if done { break }
            }
            progress[t.name] = CopyProgress(table: t.name, lastKey: last ?? [], rows: copied, done: true)
            log("\(t.name): \(copied) rows copied")
        }
        try await target.endCopy()
        return try await verify(tables, log: log)
    }

    /// Counts and checksums of every table on both sides; throws if one differs.
    public func verify(_ tables: [CopyTable]? = nil, log: (String) -> Void = { _ in }) async throws -> [TableReport] {
        let list: [CopyTable]
        if let tables { list = tables } else { list = Self.ordered(try await source.copyTables()) }
        var reports: [TableReport] = []
        for t in list {
            let r = TableReport(table: t.name, source: try await source.checksum(t), target: try await target.checksum(t))
            log("\(t.name): \(r.matches ? "identical" : "DIFFERENT") — \(r.source)")
            reports.append(r)
        }
        let bad = reports.filter { !$0.matches }
        if !bad.isEmpty { throw Failure.mismatch(bad) }
        return reports
    }

    static func ordered(_ tables: [CopyTable]) -> [CopyTable] {
        tables.sorted { a, b in
            let ia = leadingTables.firstIndex(of: a.name) ?? leadingTables.count
            let ib = leadingTables.firstIndex(of: b.name) ?? leadingTables.count
            return ia != ib ? ia < ib : a.name < b.name
        }
    }
}
