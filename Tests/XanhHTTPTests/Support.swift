import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import Prometheus
import XanhPostgres
import XanhSQL
import XanhSensorThings
import XanhSQLite
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

/// A fresh store, services with a pinned clock, and an API key.
///
/// The store is SQLite unless `XANH_TEST_ENGINE=postgres` (with `XANH_TEST_POSTGRES_URL`): CI runs the API suites a
/// second time that way, so every behaviour they assert holds on PostgreSQL too (each fixture gets its own schema).
struct Fixture {
    static let reference = try! ReferenceData.bundled()
    let store: SQLStore
    let services: AppServices
    /// What `/metrics` shows: the counters the services keep.
    let metrics = PrometheusCollectorRegistry()
    let key: String
    static let now = try! Timestamps.parseISO8601("2026-11-20T12:00:00+07:00")

    init(station: Bool = true, limits configure: (inout Limits) -> Void = { _ in }) async throws {
        store = try await Self.makeStore()
        var limits = Limits()
        limits.bcryptCost = 4  // the cheapest bcrypt: the suite logs in often
        configure(&limits)
        services = AppServices(store: store, reference: Self.reference, limits: limits, counters: .prometheus(metrics), clock: { Fixture.now })
        key = APIKeys.generate()
        try await store.createAPIKey(name: "test", hash: APIKeys.hash(key), role: "editor")
        guard station else { return }
        _ = try await store.createStation(
            Station(
                code: "HN-NKT", name: "Nguyễn Khánh Toàn", kind: .ambientAir, province: "01", latitude: 21.0375, longitude: 105.8005,
                parameters: ["PM2.5", "PM10", "NO2"].map { StationParameter(parameter: $0) }))
    }

    /// A person with a role, logged in: the session cookie and its CSRF token, made in the store as `POST /login`
    /// makes them.
    func session(_ role: Role, username: String? = nil, scope: AccessScope = .province) async throws -> (cookie: String, csrf: String) {
        let name = username ?? "u-" + role.rawValue.replacingOccurrences(of: "_", with: "-")
        try await store.createUser(
            UserRecord(
                username: name, name: "Người dùng \(role.rawValue)", role: role.rawValue, scope: scope, passwordHash: "-", mustChangePassword: false))
        let token = AccountService.token()
        let csrf = AccountService.token()
        try await store.createSession(
            SessionRecord(
                tokenHash: AccountService.tokenHash(token), username: name, csrf: csrf, createdAt: Fixture.now, expiresAt: Fixture.now + 3600,
                address: "unknown"))
        return ("xanh_session=\(token)", csrf)
    }

    static var onPostgres: Bool { ProcessInfo.processInfo.environment["XANH_TEST_ENGINE"] == "postgres" }

    static func makeStore() async throws -> SQLStore { try await open(newLocation()) }

    /// A new database: a SQLite file path, or a PostgreSQL URL with a fresh schema.
    static func newLocation() throws -> String {
        if onPostgres {
            guard let url = ProcessInfo.processInfo.environment["XANH_TEST_POSTGRES_URL"], !url.isEmpty else {
                throw StoreError.invalid([.init(field: "XANH_TEST_POSTGRES_URL", message: "is required with XANH_TEST_ENGINE=postgres")])
            }
            let schema = "s_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            return PGLocation.url(url, schema: schema)
        }
        return FileManager.default.temporaryDirectory.appendingPathComponent("xanh-srv-\(UUID().uuidString).sqlite").path
    }

    /// Opens (or reopens, as after a restart) the store at a location from `newLocation()`.
    static func open(_ location: String) async throws -> SQLStore {
        let db: any SQLDatabase =
            PGLocation.isPostgresURL(location)
            ? try await PostgresDatabase.open(url: location, maxConnections: 4) : try SQLiteDatabase(path: location)
        return try await SQLStore.open(db, reference: reference, rules: .xanh)
    }

    /// The SensorThings service over the fixture's store.
    var sensorThings: STAService {
        STAService(store: store, catalogue: Self.reference.parameters, limits: services.limits, clock: services.clock)
    }

    var auth: HTTPFields { [.authorization: "Bearer \(key)", .contentType: "application/json"] }

    func test(readOnly: Bool = false, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let app = Application(router: try await router(readOnly: readOnly))
        try await app.test(.router, body)
    }

    func router(readOnly: Bool = false) async throws -> Router<AppRequestContext> {
        try await buildRouter(services, sensorThings: sensorThings, metrics: metrics, readOnly: readOnly)
    }

    /// The whole application (background services included), as `xanh serve` builds it.
    func application(_ config: ServerConfig) async throws -> some ApplicationProtocol {
        try await buildApplication(services, sensorThings: sensorThings, metrics: metrics, config: config)
    }

    /// A store over a SQLite file, as a fresh process would open it.
    static func sqlite(_ path: String) async throws -> SQLStore {
        try await SQLStore.open(try SQLiteDatabase(path: path), reference: reference, rules: .xanh)
    }

    static func observations(_ rows: [[String: Any]]) -> ByteBuffer {
        ByteBuffer(data: try! JSONSerialization.data(withJSONObject: ["observations": rows]))
    }

    /// The body as a JSON object; empty (so that expectations fail) when it is not one.
    static func json(_ response: TestResponse) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]) ?? [:]
    }
}
