import Foundation
import Hummingbird
import Prometheus
import XanhCore
import XanhServices
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
    let metrics: PrometheusCollectorRegistry

    static let openAPIDocument: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            return Data("{}".utf8)
        }
        return data
    }()

    /// The bundled document with the server's limits stated in `info.x-xanh-limits` (name → value).
    static func openAPI(limits: Limits) -> Data {
        guard var doc = try? JSONValue.parse(bytes: Array(openAPIDocument)), case .object(var top) = doc else { return openAPIDocument }
        let stated = JSONValue.object(limits.described.map { ($0.name, .string($0.value)) })
        if let i = top.firstIndex(where: { $0.0 == "info" }), case .object(var info) = top[i].1 {
            info.removeAll { $0.0 == "x-xanh-limits" }
            info.append(("x-xanh-limits", stated))
            top[i].1 = .object(info)
        }
        doc = .object(top)
        return Data(doc.text.utf8)
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("health") { _, _ in
            // A cheap round trip proves the database answers; nothing here grows with the data.
            let start = ContinuousClock.now
            var database = "ok"
            var reasons: [String] = []
            do {
                try await services.store.ping(timeout: .milliseconds(500))
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
        let metrics = metrics
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        let openAPI = Self.openAPI(limits: services.limits)
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
    }
}
