import Foundation
import Hummingbird
import XanhStore

/// What `/health` answers: the store's engine and location, and how long a trivial read took.
struct Health: Encodable {
    struct Store: Encodable {
        var engine: String
        var location: String
        var latency_ms: Double
    }
    var status: String
    var database: String
    var store: Store
}

/// `/health`, `/metrics`, `/openapi.json`.
struct SystemController {
    let services: AppServices

    static let openAPIDocument: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            return Data("{}".utf8)
        }
        return data
    }()

    func register(on router: Router<AppRequestContext>) {
        router.get("health") { _, _ in
            // A cheap read proves the database answers; nothing here grows with the data.
            let start = ContinuousClock.now
            _ = try await services.store.stations(after: nil, limit: 1, kind: nil, province: nil)
            let ms = (ContinuousClock.now - start) / .milliseconds(1)
            return try JSON.response(
                Health(
                    status: "ok", database: "ok",
                    store: .init(engine: services.store.engine, location: services.store.location, latency_ms: (ms * 100).rounded() / 100)))
        }
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: services.metrics.emitToBuffer())))
        }
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: Self.openAPIDocument)))
        }
    }
}
