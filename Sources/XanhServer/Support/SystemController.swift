import Foundation
import Hummingbird
import XanhCore
import XanhStore

/// What `/health` answers: `ok`, `degraded` (the database answers but cannot take writes: a full disk, a read-only
/// database) or `down` (it does not answer within a second; 503), with the reasons, the store's engine and location,
/// and how long a trivial read took.
struct Health: Encodable {
    struct Store: Encodable {
        var engine: String
        var location: String
        var latency_ms: Double
    }
    var status: String
    var database: String
    var reasons: [String]
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
            // A cheap round trip proves the database answers; nothing here grows with the data.
            let start = ContinuousClock.now
            var database = "ok"
            var reasons: [String] = []
            do {
                try await services.store.ping(timeout: .seconds(1))
            } catch {
                let f = services.store.fault(error) ?? .unavailable("\(error)")
                if case .unavailable = f { database = "down" } else { database = "degraded" }
                reasons.append(f.description)
            }
            if let (f, since) = services.health.standing, database == "ok" || !reasons.contains(f.description) {
                if database == "ok" { database = "degraded" }
                reasons.append("since \(Timestamps.format(since)): \(f.description)")
            }
            let ms = (ContinuousClock.now - start) / .milliseconds(1)
            return try JSON.response(
                Health(
                    status: database == "ok" ? "ok" : database, database: database, reasons: reasons,
                    store: .init(engine: services.store.engine, location: services.store.location, latency_ms: (ms * 100).rounded() / 100)),
                status: database == "down" ? .serviceUnavailable : .ok)
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
