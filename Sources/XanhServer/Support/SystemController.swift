import Foundation
import Hummingbird
import XanhStore

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
            _ = try await services.store.stations(after: nil, limit: 1, kind: nil, province: nil)
            return try JSON.response(["status": "ok", "database": "ok"])
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
