import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhSQLite
import XanhServer
import XanhStore

/// A fresh SQLite store, services with a pinned clock, and an API key.
struct Fixture {
    static let reference = try! ReferenceData.bundled()
    let store: SQLiteStore
    let services: AppServices
    let key: String
    static let now = try! Timestamps.parseISO8601("2026-11-20T12:00:00+07:00")

    init(station: Bool = true) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("xanh-srv-\(UUID().uuidString).sqlite").path
        store = try SQLiteStore(path: path, reference: Self.reference)
        services = AppServices(store: store, reference: Self.reference, clock: { Fixture.now })
        key = APIKeys.generate()
        try await store.createAPIKey(name: "test", hash: APIKeys.hash(key))
        guard station else { return }
        _ = try await store.createStation(
            Station(
                code: "HN-NKT", name: "Nguyễn Khánh Toàn", kind: .ambientAir, province: "01", latitude: 21.0375, longitude: 105.8005,
                parameters: ["PM2.5", "PM10", "NO2"].map { StationParameter(parameter: $0) }))
    }

    var auth: HTTPFields { [.authorization: "Bearer \(key)", .contentType: "application/json"] }

    func test(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let router = try await buildRouter(services)
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
