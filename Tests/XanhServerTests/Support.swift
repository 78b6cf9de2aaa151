import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhPostgres
import XanhSQLite
import XanhServer
import XanhStore

/// A fresh store, services with a pinned clock, and an API key.
///
/// The store is SQLite unless `XANH_TEST_ENGINE=postgres` (with `XANH_TEST_POSTGRES_URL`): CI runs the API suites a
/// second time that way, so every behaviour they assert holds on PostgreSQL too (each fixture gets its own schema).
struct Fixture {
    static let reference = try! ReferenceData.bundled()
    let store: any MonitoringStore
    let services: AppServices
    let key: String
    static let now = try! Timestamps.parseISO8601("2026-11-20T12:00:00+07:00")

    init(station: Bool = true) async throws {
        store = try await Self.makeStore()
        services = AppServices(store: store, reference: Self.reference, clock: { Fixture.now })
        key = APIKeys.generate()
        try await store.createAPIKey(name: "test", hash: APIKeys.hash(key))
        guard station else { return }
        _ = try await store.createStation(
            Station(
                code: "HN-NKT", name: "Nguyễn Khánh Toàn", kind: .ambientAir, province: "01", latitude: 21.0375, longitude: 105.8005,
                parameters: ["PM2.5", "PM10", "NO2"].map { StationParameter(parameter: $0) }))
    }

    static var onPostgres: Bool { ProcessInfo.processInfo.environment["XANH_TEST_ENGINE"] == "postgres" }

    static func makeStore() async throws -> any MonitoringStore { try await open(newLocation()) }

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
    static func open(_ location: String) async throws -> any MonitoringStore {
        if PGLocation.isPostgresURL(location) {
            return try await PGStore.open(url: location, reference: reference, maxConnections: 4)
        }
        return try SQLiteStore(path: location, reference: reference)
    }

    var auth: HTTPFields { [.authorization: "Bearer \(key)", .contentType: "application/json"] }

    func test(readOnly: Bool = false, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = try await buildRouter(services, readOnly: readOnly)
        let app = Application(router: router)
        try await app.test(.router, body)
    }

    static func observations(_ rows: [[String: Any]]) -> ByteBuffer {
        ByteBuffer(data: try! JSONSerialization.data(withJSONObject: ["observations": rows]))
    }

    /// The body as a JSON object; empty (so that expectations fail) when it is not one.
    static func json(_ response: TestResponse) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(buffer: response.body))) as? [String: Any]) ?? [:]
    }
}
