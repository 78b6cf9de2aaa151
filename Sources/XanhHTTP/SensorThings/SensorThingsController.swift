import Foundation
import HTTPTypes
import Hummingbird
import XanhCore
import XanhSensorThings
import XanhServices
import XanhStore

/// OGC SensorThings API 1.1 at `/sta/v1.1`, over the same store as the native API.
struct SensorThingsController {
    let service: STAService
    let services: AppServices
    static let prefix = "/sta/v1.1"

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

    static let forwardedProto = HTTPField.Name("X-Forwarded-Proto")

    /// Absolute URL of the service root as the client addressed it.
    static func base(_ req: Request) -> String {
        let host = req.head.authority ?? "127.0.0.1"
        let scheme = forwardedProto.flatMap { req.headers[$0] } ?? "http"
        return "\(scheme)://\(host)\(prefix)"
    }

    func handle(_ req: Request, _ ctx: AppRequestContext) async throws -> Response {
        var path = req.uri.path
        if path.hasPrefix(Self.prefix) { path = String(path.dropFirst(Self.prefix.count)) }
        let base = Self.base(req)
        let query = req.uri.query ?? ""
        do {
            let r: STAResult
            switch req.method {
            case .get:
                r = try await service.get(path: path, query: query, base: base)
            case .post:
                let body = Array(buffer: try await req.bodyBytes())
                if path.trimmingCharacters(in: CharacterSet(charactersIn: "/")) == "$batch" {
                    guard (req.headers[.contentType] ?? "").contains("json") else {
                        throw STAError(
                            .notImplemented, "only JSON batch requests (Content-Type: application/json) are offered; multipart batches are not")
                    }
                    r = try await service.batch(body: body, base: base)
                } else {
                    let allowed = try await services.ingestor.stationsAllowed(ctx.caller?.scope ?? .province)
                    r = try await service.post(path: path, body: body, base: base, allowedStations: allowed)
                }
            case .patch, .put:
                let body = Array(buffer: try await req.bodyBytes())
                let jsonPatch = (req.headers[.contentType] ?? "").contains("json-patch")
                r = try await service.update(path: path, body: body, base: base, put: req.method == .put, jsonPatch: jsonPatch)
            case .delete:
                r = try await service.delete(path: path)
            default:
                throw STAError(.methodNotAllowed, "method not allowed")
            }
            return Self.response(r)
        } catch let e as STAError {
            return Self.error(Problem(status: .init(code: e.code), detail: e.message))
        } catch let e as StoreError {
            var p = Problem.from(e)
            if p.status.code == 422 { p.status = .badRequest }
            return Self.error(p)
        } catch {
            // Constraint failures come from bad input (a relation that does not hold); faults of the database are
            // 503/507; anything else is ours.
            if services.store.isConstraintViolation(error) {
                return Self.error(Problem(status: .conflict, detail: "the change conflicts with stored data: \(error)"))
            }
            return Self.error(Problem.of(error, request: req, services: services, logger: ctx.logger))
        }
    }

    /// A result as HTTP: 200 with the document or `$value`, 204 for a null property, 201 with `Location` for a created
    /// entity, 200 after a change.
    static func response(_ r: STAResult) -> Response {
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if case .value = r { headers[.contentType] = "text/plain; charset=utf-8" }
        if case .created(let location?, _) = r { headers[.location] = location }
        guard let body = r.body else { return Response(status: .init(code: r.code), headers: headers) }
        return Response(status: .init(code: r.code), headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// A problem document that FROST-Server clients also read: `code` and `message` beside the problem's members.
    static func error(_ problem: Problem) -> Response {
        var p = problem
        p.extra = ["code": String(p.status.code), "message": p.detail]
        return Response(status: p.status, headers: p.headers, body: .init(byteBuffer: ByteBuffer(bytes: p.body)))
    }
}
