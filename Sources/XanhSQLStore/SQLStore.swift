import Foundation
import XanhCore
import XanhSQL
import XanhStore

/// Every storage capability, written once over the SQL seam: the same statements run on SQLite and PostgreSQL, and
/// the few places where the dialects differ say so (`c.dialect`).
///
/// The store only stores and fetches: what the data must satisfy (validation, the value workflow, the retention
/// horizon) is decided by the use-case layer, which hands the rules a transaction needs in as `StoreRules`.
public final class SQLStore: Sendable {
    public let db: any SQLDatabase
    public let reference: ReferenceData
    let rules: StoreRules
    /// The series directory the validator needs; registry writes invalidate it.
    let directoryCache = Locked<SeriesDirectory?>(nil)
    let clock: @Sendable () -> Int64

    /// Opens the store on a database: applies the migrations it lacks and loads the reference data.
    public static func open(
        _ db: any SQLDatabase, reference: ReferenceData, rules: StoreRules,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) async throws -> SQLStore {
        let store = SQLStore(db: db, reference: reference, rules: rules, clock: clock)
        try await Migrations.run(on: db, reference: reference)
        return store
    }

    init(db: any SQLDatabase, reference: ReferenceData, rules: StoreRules, clock: @escaping @Sendable () -> Int64) {
        self.db = db
        self.reference = reference
        self.rules = rules
        self.clock = clock
    }

    func now() -> Int64 { clock() }

    func read<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T { try await db.read(body) }
    func write<T: Sendable>(_ body: @Sendable (any SQLConnection) async throws -> T) async throws -> T { try await db.write(body) }

    /// Migration ids applied, in order.
    public func appliedMigrations() async throws -> [String] {
        try await read { c in try await c.query("SELECT id FROM xanh_migrations ORDER BY seq").map { try $0.text("id") } }
    }
}

extension SQLStore: StoreIdentity {
    public var engine: String { db.engine }
    public var location: String { db.location }
    public func fault(_ error: any Error) -> StoreFault? { db.fault(error) }
    public func isConstraintViolation(_ error: any Error) -> Bool { db.isConstraintViolation(error) }
    public func ping(timeout: Duration) async throws { try await db.ping(timeout: timeout) }
    public func close() async { await db.close() }
}

/// JSON documents as both engines store them: sorted keys, so the same value is the same text on either.
enum StoredJSON {
    static func encode<T: Encodable>(_ v: T) -> String { IndicatorJSON.encode(v) }
    static func decode<T: Decodable>(_ type: T.Type, _ s: String?) -> T? {
        guard let s else { return nil }
        return try? JSONDecoder().decode(T.self, from: Data(s.utf8))
    }
}
