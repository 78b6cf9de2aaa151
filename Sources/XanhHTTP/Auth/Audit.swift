import Crypto
import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Writes an audit entry for every write the HTTP layer accepts (a 2xx or 3xx answer to POST, PUT, PATCH or
/// DELETE), on the API and SensorThings alike: who, role, address, the route, the entity and its key (from the
/// path), the state before (for the registry's own entities, read before the handler runs) and the body sent
/// (bounded). The web forms record their own entries (`AccountController`), with the person they log in.
struct AuditMiddleware: RouterMiddleware {
    let services: AppServices

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard Session.changesState(request.method), let route = context.endpointPath, route != "NotFound",
            !Session.formRoutes.contains("\(request.method.rawValue) \(route)"),
            !RoutePolicy.calculations.contains("\(request.method.rawValue) \(route)")
        else { return try await next(request, context) }
        var request = request
        let (entity, key) = Self.entity(route: route, path: request.uri.path, context: context)
        let before = try await snapshot(entity, key)
        // The body is read by the handler as it streams; the tap sees each piece on the way (digest, size, and the
        // first bytes of a small text body), so nothing is held twice.
        let type = (request.headers[.contentType] ?? "").lowercased()
        let data = entity == "observations" || entity == "Observations" || entity == "CreateObservations"
        let tap = BodyTap(keep: !data && (type.contains("json") || type.hasPrefix("text/")) ? AuditChain.maxState : 0)
        request.body = RequestBody(
            asyncSequence: request.body.map { @Sendable buffer in
                tap.add(buffer)
                return buffer
            })
        let response = try await next(request, context)
        guard response.status.code < 400 else { return response }
        let caller = context.caller ?? Caller(name: "anonymous", role: "public")
        try await services.audit.record(
            caller, address: context.address, channel: route.hasPrefix("/sta/") ? "sensorthings" : "api",
            action: "\(request.method.rawValue) \(route)", entity: entity, key: key, before: before, after: tap.summary(type: type))
        return response
    }

    /// The kind of thing a route changes and which one: the path's last fixed segment and its parameters.
    static func entity(route: String, path: String, context: AppRequestContext) -> (String, String) {
        if route.hasPrefix("/sta/") {
            // `/sta/v1.1/Things(3)` → Things, 3.
            let last = path.split(separator: "/").last.map(String.init) ?? ""
            let name = String(last.prefix { $0 != "(" })
            let key = last.contains("(") ? String(last.drop { $0 != "(" }.dropFirst().prefix { $0 != ")" }) : ""
            return (name.isEmpty ? "sensorthings" : name, key)
        }
        let parts = route.split(separator: "/").filter { $0 != "api" && $0 != "v1" }
        let fixed = parts.filter { !$0.hasPrefix("{") }.joined(separator: "/")
        let keys = parts.filter { $0.hasPrefix("{") }.compactMap { p -> String? in
            context.parameters.get(String(p.dropFirst().dropLast()))
        }
        return (fixed, keys.joined(separator: "/"))
    }

    /// The entity as it stood before a change to it: stations, facilities, file mappings, alert rules, indicators, a
    /// report's stage.
    func snapshot(_ entity: String, _ key: String) async throws -> String? {
        switch entity {
        case "stations" where !key.isEmpty:
            return try await services.store.station(code: key).map { IndicatorJSON.encode($0) }
        case "facilities" where !key.isEmpty:
            guard let id = Int64(key) else { return nil }
            return try await services.store.facility(id: id).map { IndicatorJSON.encode($0) }
        case "file-names" where !key.isEmpty:
            return try await services.store.fileNameMap()[key].map { IndicatorJSON.encode(["station": $0]) }
        case "alert-rules" where !key.isEmpty:
            guard let id = Int64(key) else { return nil }
            return try await services.store.rules().first { $0.id == id }.map { IndicatorJSON.encode($0) }
        case "indicators" where !key.isEmpty:
            return try await services.store.indicators().first { $0.code == key }.map { IndicatorJSON.encode($0) }
        case "reports", "reports/submit", "reports/send-back", "reports/accept":
            let parts = key.split(separator: "~", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3,
                let r = try await services.store.reports(ReportFilter(obligations: [parts[0]], period: parts[1], agency: parts[2], limit: 1)).first
            else { return nil }
            return IndicatorJSON.encode(["stage": r.stage.rawValue, "decidedBy": r.decidedBy ?? "", "submittedBy": r.submittedBy ?? ""])
        default:
            return nil
        }
    }
}

/// What the audit keeps of a body that streams past: its size, its SHA-256, and up to `keep` bytes of it. A text
/// body that fits is kept as it came; observations (data, not administration: the rows themselves are stored), longer
/// bodies and anything that is not UTF-8 text (a workbook) by size, type and SHA-256, which proves which body was sent
/// without keeping it twice.
final class BodyTap: @unchecked Sendable {
    private let lock = NSLock()
    private var hasher = Crypto.SHA256()
    private var bytes = 0
    private var head: [UInt8] = []
    private let keep: Int

    init(keep: Int) { self.keep = keep }

    func add(_ buffer: ByteBuffer) {
        lock.withLock {
            buffer.withUnsafeReadableBytes { hasher.update(bufferPointer: $0) }
            bytes += buffer.readableBytes
            if keep > 0, head.count <= keep { head += buffer.readableBytesView.prefix(keep + 1 - head.count) }
        }
    }

    func summary(type: String) -> String? {
        lock.withLock {
            guard bytes > 0 else { return nil }
            if keep > 0, bytes <= keep, head.count == bytes, let text = String(validating: head, as: UTF8.self), !text.contains("\u{0}") {
                return text
            }
            let digest = Hex.encode(Array(hasher.finalize()))
            return IndicatorJSON.encode(["bytes": String(bytes), "type": type, "sha256": digest])
        }
    }
}

/// `GET /api/v1/audit`: the audit log, newest first, by actor, entity and time; CSV or XLSX with `format`.
struct AuditController {
    let services: AppServices

    struct EntryDTO: Codable {
        var seq: Int64
        var at, actor, actorKind, role, address, channel, action, entity, entityKey: String
        var before, after: String?
        var hash: String
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("audit", use: list)
    }

    @Sendable func list(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let filter = AuditFilter(
            actor: request.query("actor"), entity: request.query("entity"), entityKey: request.query("key"), from: try request.timeQuery("from"),
            to: try request.timeQuery("to"))
        let limit = try request.intQuery("limit", default: 1_000, range: 1...10_000)
        let before = try request.intQuery("before", default: Int.max, range: 1...Int.max)
        let entries = try await services.store.auditEntries(filter, beforeSeq: before == Int.max ? nil : Int64(before), limit: limit)
        let items = entries.map {
            EntryDTO(
                seq: $0.seq, at: Timestamps.format($0.at), actor: $0.actor, actorKind: $0.actorKind, role: $0.role, address: $0.address,
                channel: $0.channel, action: $0.action, entity: $0.entity, entityKey: $0.entityKey, before: $0.before, after: $0.after, hash: $0.hash)
        }
        return try IndicatorController.table(request, items: items, name: "audit") {
            [
                String($0.seq), $0.at, $0.actor, $0.actorKind, $0.role, $0.address, $0.channel, $0.action, $0.entity, $0.entityKey, $0.before ?? "",
                $0.after ?? "", $0.hash,
            ]
        } header: {
            ["seq", "at", "actor", "actor_kind", "role", "address", "channel", "action", "entity", "key", "before", "after", "hash"]
        }
    }
}
