import ArgumentParser
import Foundation
import XanhCore
import XanhServices
import XanhStore

/// `xanh migrate-data`: copies a database to another engine (SQLite → PostgreSQL to move up, or back), table by table
/// in key order, records progress in the target so an interrupted run resumes, and verifies every table by count and
/// checksum.
struct MigrateData: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate-data",
        abstract: "Copy a database to another engine and verify it (resumable).",
        discussion: """
            xanh migrate-data --from sqlite:xanh.sqlite --to postgres://xanh@db.example/xanh
            Run it again after an interruption: finished tables are skipped and the table in progress continues after its
            last copied key. The target should be new (or a target of an earlier, interrupted run): each table is emptied
            before its first rows are copied. Stop the server writing to the source first.
            """)

    @Option(help: "Source: a SQLite path (sqlite:PATH or PATH) or a postgres:// URL.") var from: String
    @Option(help: "Target: a SQLite path (sqlite:PATH or PATH) or a postgres:// URL.") var to: String
    @Option(help: "Rows per transaction.") var chunk = 20_000
    @Flag(help: "Only compare counts and checksums.") var verifyOnly = false

    static func location(_ s: String) -> String { s.hasPrefix("sqlite:") ? String(s.dropFirst("sqlite:".count)) : s }

    func run() async throws {
        let reference = try ReferenceData.bundled()
        let source = try await StoreOptions.open(Self.location(from), reference: reference)
        let target = try await StoreOptions.open(Self.location(to), reference: reference)
        let migrator = DataMigrator(source: source, target: target, chunk: chunk)
        let start = ContinuousClock.now
        let reports = verifyOnly ? try await migrator.verify(log: { print($0) }) : try await migrator.run(log: { print($0) })
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        let rows = reports.reduce(0) { $0 + $1.source.rows }
        print("\(reports.count) tables, \(rows) rows, identical counts and checksums (\(String(format: "%.1f", seconds)) s)")
    }
}
