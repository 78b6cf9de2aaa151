import Foundation
import Hummingbird
import Logging
import XanhCore
import XanhServices
import XanhStore

/// An RFC 9457 problem, thrown by handlers and rendered as `application/problem+json`.
struct Problem: Error, HTTPResponseError {
    var status: HTTPResponse.Status
    var detail: String
    /// JSON pointer to the offending field or row, when there is one.
    var pointer: String?
    var errors: [[String: String]]?
    /// Seconds after which the client may try again (503).
    var retryAfter: Int?
    /// Members SensorThings clients read (`code`, `message`), beside the problem's own.
    var extra: [String: String] = [:]

    init(status: HTTPResponse.Status, detail: String, pointer: String? = nil, errors: [[String: String]]? = nil, retryAfter: Int? = nil) {
        self.status = status
        self.detail = detail
        self.pointer = pointer
        self.errors = errors
        self.retryAfter = retryAfter
    }

    /// The standard reason phrase, also for a status made from a bare code.
    var title: String {
        if !status.reasonPhrase.isEmpty { return status.reasonPhrase }
        let known: [HTTPResponse.Status] = [
            .badRequest, .unauthorized, .forbidden, .notFound, .methodNotAllowed, .conflict, .contentTooLarge, .unprocessableContent,
            .tooManyRequests, .internalServerError, .notImplemented, .serviceUnavailable,
        ]
        return known.first { $0.code == status.code }?.reasonPhrase ?? "HTTP \(status.code)"
    }

    var body: [UInt8] {
        var members: [(String, JSONValue)] = [
            ("type", .string("about:blank")), ("title", .string(title)), ("status", .number(String(status.code))), ("detail", .string(detail)),
        ]
        if let pointer { members.append(("pointer", .string(pointer))) }
        if let errors { members.append(("errors", .array(errors.map { e in .object(e.keys.sorted().map { ($0, .string(e[$0] ?? "")) }) }))) }
        for (k, v) in extra.sorted(by: { $0.key < $1.key }) { members.append((k, k == "code" ? .number(v) : .string(v))) }
        return Array(JSONValue.object(members.sorted { $0.0 < $1.0 }).text.utf8)
    }

    var headers: HTTPFields {
        var h: HTTPFields = [.contentType: "application/problem+json; charset=utf-8"]
        if let retryAfter { h[.retryAfter] = String(retryAfter) }
        return h
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// 422 with one entry per field (`pointer`, `detail`).
    static func invalid(_ errors: [[String: String]]) -> Problem {
        Problem(
            status: .unprocessableContent, detail: errors.map { "\($0["pointer"] ?? ""): \($0["detail"] ?? "")" }.joined(separator: "; "),
            pointer: errors.first?["pointer"], errors: errors)
    }

    /// The answer to a database fault: try again later (503), or the disk is full (507).
    static func from(_ f: StoreFault, read: Bool) -> Problem {
        switch f {
        case .unavailable: return Problem(status: .serviceUnavailable, detail: f.description + "; try again shortly", retryAfter: 5)
        case .readOnly: return Problem(status: .serviceUnavailable, detail: f.description + "; writes cannot be stored now", retryAfter: 60)
        case .full:
            return Problem(
                status: .init(code: 507, reasonPhrase: "Insufficient Storage"),
                detail: f.description + "; nothing was stored, send it again once space is freed")
        case .timeout:
            return read
                ? Problem(status: .badRequest, detail: f.description + " (XANH_STATEMENT_SECONDS); narrow the request")
                : Problem(status: .serviceUnavailable, detail: f.description + "; nothing was stored, try again", retryAfter: 5)
        }
    }

    /// The problem for anything a handler throws: ours as they are, database faults as 503/507, anything else 500.
    static func of(_ error: any Error, request: Request, services: AppServices, logger: Logger) -> Problem {
        switch error {
        case let p as Problem: return p
        case let e as StoreError: return from(e)
        case let e as InputError: return Problem(status: .badRequest, detail: e.message, pointer: e.pointer)
        case let e as ScopeError: return Problem(status: .forbidden, detail: e.message)
        case let e as Refused: return Problem(status: .forbidden, detail: e.message)
        case let e as ValueWorkflow.WorkflowError: return Problem(status: .conflict, detail: e.message)
        case let e as RowProblems: return from(e)
        case let f as StoreFault:
            services.health.record(f, at: services.clock())
            return from(f, read: request.method == .get || request.method == .head)
        case let e as HTTPError: return Problem(status: e.status, detail: e.body ?? e.status.reasonPhrase)
        case let e as any HTTPResponseError:
            return Problem(
                status: e.status, detail: e.status == .contentTooLarge ? "the body is over the limit for this route" : e.status.reasonPhrase)
        default:
            if let f = services.store.fault(error) { return of(f, request: request, services: services, logger: logger) }
            if error is CancellationError {
                return Problem(status: .serviceUnavailable, detail: "the server is shutting down; try again", retryAfter: 5)
            }
            logger.error("unhandled error: \(error)")
            return Problem(status: .internalServerError, detail: "internal error")
        }
    }

    /// A refused batch: 422 naming each row, field or cell.
    static func from(_ e: RowProblems) -> Problem {
        Problem(
            status: .unprocessableContent, detail: "nothing was stored: " + e.description, pointer: e.problems.first.map { "/" + $0.origin },
            errors: e.problems.map { ["origin": $0.origin, "detail": $0.message] })
    }

    static func from(_ error: StoreError) -> Problem {
        switch error {
        case .notFound(let s): return Problem(status: .notFound, detail: s)
        case .conflict(let s): return Problem(status: .conflict, detail: s)
        case .unsupported(let s): return Problem(status: .notImplemented, detail: s)
        case .invalid(let problems):
            // Registry fields are names (`latitude`); samples' and disaster records' are pointers already.
            func pointer(_ p: RegistryValidation.Problem) -> String { p.field.hasPrefix("/") ? p.field : "/" + p.field }
            return Problem(
                status: .unprocessableContent, detail: problems.map(\.description).joined(separator: "; "),
                pointer: problems.first.map(pointer), errors: problems.map { ["pointer": pointer($0), "detail": $0.message] })
        }
    }
}

/// Turns every error into a problem document: store errors as 404/409/422, database faults as 503/507, anything else
/// as 500.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let services: AppServices

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            throw Problem.of(error, request: request, services: services, logger: context.logger)
        }
    }
}

enum JSON {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        var h = headers
        h[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: h, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }

    /// Decodes a JSON body: bounded in bytes by the body-limit middleware and in nesting here, before the decoder runs.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, _ context: AppRequestContext) async throws -> T {
        let buffer = try await request.bodyBytes()
        try JSONDepth.check(buffer.readableBytesView, max: context.limits.maxJSONDepth)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let e as DecodingError {
            throw Problem(status: .badRequest, detail: describe(e), pointer: pointer(e))
        }
    }

    static func path(_ codingPath: [any CodingKey]) -> String {
        "/" + codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: "/")
    }

    static func pointer(_ e: DecodingError) -> String? {
        switch e {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return path(c.codingPath)
        case .keyNotFound(let k, let c): return path(c.codingPath + [k])
        @unknown default: return nil
        }
    }

    static func describe(_ e: DecodingError) -> String {
        switch e {
        case .typeMismatch(let t, let c): return "\(path(c.codingPath)): expected \(t)"
        case .valueNotFound(let t, let c): return "\(path(c.codingPath)): expected \(t), found null"
        case .keyNotFound(let k, let c): return "\(path(c.codingPath + [k])): is required"
        case .dataCorrupted(let c): return "body is not valid JSON: \(c.debugDescription)" + (c.codingPath.isEmpty ? "" : " at \(path(c.codingPath))")
        @unknown default: return "body could not be decoded"
        }
    }
}

/// `{"items":[…],"next":CURSOR_OR_NULL}`
struct Page<T: Encodable>: Encodable {
    var items: [T]
    var next: String?

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(items, forKey: .items)
        try c.encode(next, forKey: .next)  // null, not absent
    }

    enum CodingKeys: String, CodingKey { case items, next }
}

extension Request {
    func query(_ name: String) -> String? { uri.queryParameters.get(name) }

    func timeQuery(_ name: String) throws -> Int64? {
        guard let s = query(name), !s.isEmpty else { return nil }
        do {
            return try Timestamps.parseBound(s)
        } catch {
            throw Problem(status: .badRequest, detail: "query parameter '\(name)': \(error.description)", pointer: "/query/\(name)")
        }
    }

    /// `from` and `to` query parameters; `to` defaults to now and `from` to `defaultSpan` before `to`.
    func timeRange(now: Int64, defaultSpan: Int64, maxSpan: Int64? = nil) throws -> (Int64, Int64) {
        let to = try timeQuery("to") ?? now
        let from = try timeQuery("from") ?? (to - defaultSpan)
        guard from <= to else { throw Problem(status: .badRequest, detail: "'from' is after 'to'", pointer: "/query/from") }
        if let maxSpan, to - from > maxSpan {
            throw Problem(status: .badRequest, detail: "the range may span at most \(maxSpan / 86_400) days", pointer: "/query/from")
        }
        return (from, to)
    }

    func intQuery(_ name: String, default d: Int, range: ClosedRange<Int>) throws -> Int {
        try rangedQuery(name, default: d, range: range, kind: "an integer")
    }

    func doubleQuery(_ name: String, default d: Double, range: ClosedRange<Double>) throws -> Double {
        try rangedQuery(name, default: d, range: range, kind: "a number")
    }

    /// A query parameter read as `T` within `range` (NaN is in no range); 400 naming the range otherwise.
    func rangedQuery<T: LosslessStringConvertible & Comparable>(_ name: String, default d: T, range: ClosedRange<T>, kind: String) throws -> T {
        guard let s = query(name) else { return d }
        guard let v = T(s), range.contains(v) else {
            throw Problem(
                status: .badRequest, detail: "query parameter '\(name)' must be \(kind) in \(range.lowerBound)…\(range.upperBound)",
                pointer: "/query/\(name)")
        }
        return v
    }

    func boolQuery(_ name: String, default d: Bool) throws -> Bool {
        guard let s = query(name) else { return d }
        guard s == "true" || s == "false" else {
            throw Problem(status: .badRequest, detail: "query parameter '\(name)' must be true or false", pointer: "/query/\(name)")
        }
        return s == "true"
    }

    func enumQuery<E: RawRepresentable & CaseIterable>(_ name: String, default d: E) throws -> E where E.RawValue == String {
        guard let s = query(name) else { return d }
        guard let v = E(rawValue: s) else {
            throw Problem(
                status: .badRequest, detail: "query parameter '\(name)' must be one of: \(E.allCases.map(\.rawValue).joined(separator: ", "))",
                pointer: "/query/\(name)")
        }
        return v
    }
}

/// A table as CSV (UTF-8 with a byte-order mark, so Excel reads Vietnamese right) or XLSX (the columns in `numbers`
/// as numbers). `filename` without its extension.
func tableResponse(
    _ header: [String], _ rows: [[String]], filename: String, format: AirQualityController.Format, numbers: Set<Int>
) throws -> Response {
    guard format == .xlsx else { return csvResponse(header, rows, filename: filename + ".csv") }
    let cells =
        [header.map(XLSX.Cell.text)]
        + rows.map { r in
            r.enumerated().map { i, v in numbers.contains(i) ? (Double(v).map(XLSX.Cell.number) ?? (v.isEmpty ? .empty : .text(v))) : .text(v) }
        }
    let data = try XLSX.write([XLSX.Sheet(name: String(filename.prefix(31)), rows: cells)])
    return Response(
        status: .ok,
        headers: [
            .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            .contentDisposition: "attachment; filename=\"\(filename).xlsx\"",
        ],
        body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func csvResponse(_ header: [String], _ rows: [[String]], filename: String) -> Response {
    var text = "\u{FEFF}" + CSV.line(header) + "\n"
    for r in rows { text += CSV.line(r) + "\n" }
    return Response(
        status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"\(filename)\""],
        body: .init(byteBuffer: ByteBuffer(string: text)))
}
