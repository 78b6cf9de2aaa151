import ArgumentParser
import Foundation
import XanhCore
import XanhPostgres
import XanhSQL
import XanhSQLStore
import XanhSQLite
import XanhServices
import XanhStore

@main
struct Xanh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xanh",
        abstract: "Xanh: environmental monitoring and green-growth information for Vietnamese provinces.",
        subcommands: [
            Serve.self, Watch.self, AlertCommand.self, QCCommand.self, StationCommand.self, KeyCommand.self, UserCommand.self, AuditCommand.self,
            PolicyCommand.self, ImportCommand.self,
            IndicatorCommand.self, PlanCommand.self, AgencyCommand.self, DisasterCommand.self,
            Migrate.self, MigrateData.self, Retention.self, Backup.self,
        ])
}

/// Where the database lives: `--database` (or `--db`), else `XANH_DATABASE_URL`, else `XANH_DB`, else `xanh.sqlite` in
/// the working directory. A `postgres://user@host[:port]/db` URL selects PostgreSQL; anything else is a SQLite path.
struct StoreOptions: ParsableArguments {
    @Option(
        name: [.customLong("database"), .customLong("db")],
        help: "SQLite path or postgres://user@host[:port]/db URL (env XANH_DATABASE_URL or XANH_DB; default ./xanh.sqlite).")
    var path: String?

    @Option(help: "Working-day calendar for due dates: a JSON file shaped as the bundled vn_working_calendar.json (env XANH_CALENDAR).")
    var calendar: String?

    /// The bundled reference data, with the province's own working-day calendar when one is given.
    func reference() throws -> ReferenceData {
        var r = try ReferenceData.bundled()
        if let file = calendar ?? ProcessInfo.processInfo.environment["XANH_CALENDAR"].flatMap({ $0.isEmpty ? nil : $0 }) {
            do {
                r.calendar = try JSONDecoder().decode(WorkingCalendar.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
            } catch {
                throw ValidationError("calendar \(file): \(error)")
            }
        }
        return r
    }

    var resolvedPath: String {
        let env = ProcessInfo.processInfo.environment
        return path ?? env["XANH_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? env["XANH_DB"] ?? "xanh.sqlite"
    }

    /// What `/health` and logs show: the engine and where, without a password.
    var displayName: String {
        PGLocation.isPostgresURL(resolvedPath) ? ((try? PGLocation(url: resolvedPath).description) ?? "postgres") : resolvedPath
    }

    /// Opens the store; `limits` (the server's) bound connecting and statements on PostgreSQL.
    func open(limits: Limits? = nil) async throws -> SQLStore {
        try await Self.open(resolvedPath, reference: try reference(), limits: limits)
    }

    /// The composition root of storage: the driver the location names, and every store over it, migrated.
    static func open(_ location: String, reference: ReferenceData, limits: Limits? = nil) async throws -> SQLStore {
        let db: any SQLDatabase =
            PGLocation.isPostgresURL(location)
            ? try await PostgresDatabase.open(url: location, limits: limits) : try SQLiteDatabase(path: location)
        return try await SQLStore.open(db, reference: reference, rules: .xanh)
    }
}

extension SQLStore {
    /// The use cases over this store.
    func services(limits: Limits = Limits(), counters: Counters = .none) -> AppServices {
        AppServices(store: self, reference: reference, limits: limits, counters: counters)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or migrate the database and load the reference data.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        let s = try await store.open()
        await s.close()
        print("database \(store.displayName) is up to date")
    }
}
