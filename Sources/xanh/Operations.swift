import ArgumentParser
import Foundation
import XanhCore
import XanhStore

/// `xanh retention`: raw observations older than N days are deleted; hourly and daily means, AQI, events and
/// completeness stay. Run it daily (cron or a systemd timer); docs/operations.md.
struct Retention: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Delete raw observations older than N days; keep every rollup.")
    @OptionGroup var store: StoreOptions
    @Option(help: "Keep this many days of raw observations.") var rawDays: Int

    func run() async throws {
        guard rawDays >= 1 else { throw ValidationError("--raw-days must be at least 1") }
        let db = try await store.open()
        let cutoff = Int64(Date().timeIntervalSince1970) - Int64(rawDays) * 86_400
        let r = try await db.applyRetention(rawBefore: cutoff)
        try await db.audited(
            "retention", entity: "observations", key: "before \(Timestamps.format(r.horizon))",
            after: IndicatorJSON.encode(["deleted": String(r.deletedRows)]))
        print(
            "raw observations before \(Timestamps.format(r.horizon)) removed: \(r.deletedRows) rows"
                + (r.droppedPartitions.isEmpty ? "" : ", partitions dropped: \(r.droppedPartitions.joined(separator: ", "))"))
    }
}

/// `xanh backup`: SQLite through the online backup API; PostgreSQL through pg_dump's custom format.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up the database to a file (SQLite online backup; pg_dump -Fc for PostgreSQL).",
        discussion: """
            SQLite: the file is a complete database; restore by stopping the server and putting the file in place.
            PostgreSQL: restore with pg_restore --no-owner -d TARGET FILE (docs/operations.md).
            """)
    @OptionGroup var store: StoreOptions
    @Option(help: "The backup file to create.") var to: String

    func run() async throws {
        let db = try await store.open()
        try db.db.backup(to: to)
        await db.close()
        print("backup of \(store.displayName) written to \(to)")
    }
}
