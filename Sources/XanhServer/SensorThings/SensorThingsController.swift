import Foundation
import HTTPTypes
import Hummingbird
import XanhCore
import XanhStore

/// OGC SensorThings API 1.1 at `/sta/v1.1`, over the same store as the native API.
struct SensorThingsController {
    let service: STAService
    static let prefix = "/sta/v1.1"

    init(services: AppServices) {
        service = STAService(store: services.store, catalogue: services.reference.parameters, clock: services.clock)
    }

    func register(on router: Router<AppRequestContext>) {
        router.get("sta/v1.1") { req, ctx in try await self.handle(req, ctx) }
        for path in ["sta/v1.1/**"] {
            router.get(RouterPath(path)) { req, ctx in try await self.handle(req, ctx) }
            router.post(RouterPath(path)) { req, ctx in try await self.handle(req, ctx) }
            router.patch(RouterPath(path)) { req, ctx in try await self.handle(req, ctx) }
            router.put(RouterPath(path)) { req, ctx in try await self.handle(req, ctx) }
            router.delete(RouterPath(path)) { req, ctx in try await self.handle(req, ctx) }
        }
    }

    /// Absolute URL of the service root as the client addressed it.
    static func base(_ req: Request) -> String {
        let host = req.head.authority ?? "127.0.0.1"
        let scheme = req.headers[HTTPField.Name("X-Forwarded-Proto")!] ?? "http"
        return "\(scheme)://\(host)\(prefix)"
    }

    func handle(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var path = req.uri.path
        if path.hasPrefix(Self.prefix) { path = String(path.dropFirst(Self.prefix.count)) }
        let base = Self.base(req)
        let query = req.uri.query ?? ""
        do {
            let r: STAResponse
            switch req.method {
            case .get:
                r = try await service.get(path: path, query: query, base: base)
            case .post:
                let body = Array(buffer: try await req.body.collect(upTo: 64 << 20))
                if path.trimmingCharacters(in: CharacterSet(charactersIn: "/")) == "$batch" {
                    guard (req.headers[.contentType] ?? "").contains("json") else {
                        throw STAError(501, "only JSON batch requests (Content-Type: application/json) are offered; multipart batches are not")
                    }
                    r = try await service.batch(body: body, base: base)
                } else {
                    r = try await service.post(path: path, body: body, base: base)
                }
            case .patch, .put:
                let body = Array(buffer: try await req.body.collect(upTo: 16 << 20))
                let jsonPatch = (req.headers[.contentType] ?? "").contains("json-patch")
                r = try await service.update(path: path, body: body, base: base, put: req.method == .put, jsonPatch: jsonPatch)
            case .delete:
                r = try await service.delete(path: path)
            default:
                throw STAError(405, "method not allowed")
            }
            var headers: HTTPFields = [.contentType: r.contentType]
            if let l = r.location { headers[.location] = l }
            guard let body = r.body else { return Response(status: .init(code: r.status), headers: headers) }
            return Response(status: .init(code: r.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
        } catch let e as STAError {
            return Self.error(e.status, e.message)
        } catch let e as StoreError {
            let p = Problem.from(e)
            return Self.error(p.status.code == 422 ? 400 : p.status.code, p.detail)
        } catch {
            // Constraint failures come from bad input (a relation that does not hold); anything else is ours.
            let text = "\(error)"
            if text.contains("constraint") { return Self.error(409, "the change conflicts with stored data: \(text)") }
            ctx.logger.error("SensorThings error: \(text)")
            return Self.error(500, "internal error")
        }
    }

    /// The error body FROST-Server clients read.
    static func error(_ status: Int, _ message: String) -> Response {
        let body = JSONValue.object([("code", .number(String(status))), ("type", .string("error")), ("message", .string(message))]).text
        return Response(
            status: .init(code: status), headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
