import ArgumentParser
import Foundation
import XanhCore
import XanhSQLite
import XanhServer
import XanhStore

@main
struct Xanh: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "xanh",
        abstract: "Xanh: environmental monitoring and green-growth information for Vietnamese provinces.",
        subcommands: [Serve.self, Watch.self, AlertCommand.self, QCCommand.self, StationCommand.self, KeyCommand.self, ImportCommand.self, IndicatorCommand.self, Migrate.self, Bench.self])
}

/// Where the database lives: `--db`, else `XANH_DB`, else `xanh.sqlite` in the working directory.
struct StoreOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "SQLite database path (env XANH_DB; default ./xanh.sqlite).")
    var path: String?

    var resolvedPath: String { path ?? ProcessInfo.processInfo.environment["XANH_DB"] ?? "xanh.sqlite" }

    func open() throws -> (SQLiteStore, ReferenceData) {
        let reference = try ReferenceData.bundled()
        return (try SQLiteStore(path: resolvedPath, reference: reference), reference)
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create or migrate the database and load the reference data.")
    @OptionGroup var store: StoreOptions

    func run() async throws {
        _ = try store.open()
        print("database \(store.resolvedPath) is up to date")
    }
}
