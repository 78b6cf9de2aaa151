import ArgumentParser
import Foundation
import XanhCore
import XanhPostgres
import XanhSQLite
import XanhServer
import XanhStore

@main
struct Xanh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xanh",
        abstract: "Xanh: environmental monitoring and green-growth information for Vietnamese provinces.",
        subcommands: [Serve.self, Watch.self, AlertCommand.self, QCCommand.self, StationCommand.self, KeyCommand.self, ImportCommand.self, IndicatorCommand.self, Migrate.self, MigrateData.self, Retention.self, Backup.self, Bench.self])
}

/// Where the database lives: `--database` (or `--db`), else `XANH_DATABASE_URL`, else `XANH_DB`, else `xanh.sqlite` in
/// the working directory. A `postgres://user@host[:port]/db` URL selects PostgreSQL; anything else is a SQLite path.
struct StoreOptions: ParsableArguments {
    @Option(
        name: [.customLong("database"), .customLong("db")],
        help: "SQLite path or postgres://user@host[:port]/db URL (env XANH_DATABASE_URL or XANH_DB; default ./xanh.sqlite).")
    var path: String?

    var resolvedPath: String {
        let env = ProcessInfo.processInfo.environment
        return path ?? env["XANH_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["XANH_DB"] ?? "xanh.sqlite"
    }

    var isPostgres: Bool { PGLocation.isPostgresURL(resolvedPath) }

    /// What `/health` and logs show: the engine and where, without a password.
    var displayName: String { isPostgres ? ((try? PGLocation(url: resolvedPath).description) ?? "postgres") : resolvedPath }

    /// Opens the store; `limits` (the server's) bound connecting and statements on PostgreSQL.
    func open(limits: Limits? = nil) async throws -> (any MonitoringStore, ReferenceData) {
        let reference = try ReferenceData.bundled()
        return (try await Self.open(resolvedPath, reference: reference, limits: limits), reference)
    }

    static func open(_ location: String, reference: ReferenceData, limits: Limits? = nil) async throws -> any MonitoringStore {
        if PGLocation.isPostgresURL(location) { return try await PGStore.open(url: location, reference: reference, limits: limits) }
        return try SQLiteStore(path: location, reference: reference)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or migrate the database and load the reference data.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        _ = try await store.open()
        print("database \(store.displayName) is up to date")
    }
}
