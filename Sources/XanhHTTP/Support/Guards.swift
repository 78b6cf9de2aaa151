import Foundation
import Hummingbird
import XanhCore
import Logging

/// Which body limit a route has: observation batches may be tens of MB, uploads a few, everything else little.
enum BodyFamily: String, Sendable {
    case batch, upload, other

    static func of(_ request: Request) -> BodyFamily {
        let path = request.uri.path
        if request.method == .post {
            if path == "/api/v1/observations" || path == "/sta/v1.1/CreateObservations" || path == "/sta/v1.1/$batch" { return .batch }
            if path == "/api/v1/values" || path == "/api/v1/values/upload" || path == "/workspace/reporting/upload"
                || path == "/workspace/tasks/progress" || path == "/api/v1/samples"
            {
                return .upload
            }
        }
        if path.hasPrefix("/sta/v1.1/") { return .upload }
        return .other
    }

    func limit(_ l: Limits) -> Int {
        switch self {
        case .batch: return l.maxBatchBody
        case .upload: return l.maxUploadBody
        case .other: return l.maxBody
        }
    }

    var setting: String {
        switch self {
        case .batch: return "XANH_MAX_BATCH_BODY"
        case .upload: return "XANH_MAX_UPLOAD_BODY"
        case .other: return "XANH_MAX_BODY"
        }
    }

    func tooLarge(_ limit: Int, size: Int?) -> Problem {
        Problem(
            status: .contentTooLarge,
            detail: "the body is \(size.map { "\($0) bytes" } ?? "larger than allowed"), over the limit of \(limit) bytes for this route (\(setting))"
        )
    }
}

/// Answers 413 before reading a body whose declared length is over its route's limit, and stops a streamed body at the
/// limit, so no handler ever buffers more than the limit.
struct BodyLimitMiddleware: RouterMiddleware {
    let limits: Limits

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        let family = BodyFamily.of(request)
        let limit = family.limit(limits)
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw family.tooLarge(limit, size: declared)
        }
        var request = request
        request.body = RequestBody(asyncSequence: LimitedBody(base: request.body, limit: limit, family: family))
        var context = context
        context.limits = limits
        return try await next(request, context)
    }
}

/// A request body that throws 413 once more than `limit` bytes have arrived.
struct LimitedBody: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let base: RequestBody
    let limit: Int
    let family: BodyFamily

    struct AsyncIterator: AsyncIteratorProtocol {
        var base: RequestBody.AsyncIterator
        let limit: Int
        let family: BodyFamily
        var seen = 0

        mutating func next() async throws -> ByteBuffer? {
            guard let chunk = try await base.next() else { return nil }
            seen += chunk.readableBytes
            if seen > limit { throw family.tooLarge(limit, size: nil) }
            return chunk
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: base.makeAsyncIterator(), limit: limit, family: family) }
}

extension Request {
    /// The whole body; the body-limit middleware has already bounded it.
    func bodyBytes() async throws -> ByteBuffer { try await body.collect(upTo: .max) }
}

/// Stops a read (GET or HEAD) that runs past its time budget and answers 400 naming the limit. The work is cancelled,
/// which interrupts a SQLite statement; PostgreSQL stops its own statement at `statement_timeout`.
struct TimeBudgetMiddleware<Context: RequestContext>: RouterMiddleware {
    let seconds: Double
    /// Routes that stream for as long as the client listens.
    static var exempt: Set<String> { ["/api/v1/alerts/stream"] }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head, !Self.exempt.contains(request.uri.path) else {
            return try await next(request, context)
        }
        let seconds = seconds
        return try await withoutActuallyEscaping(next) { next in
            // The group waits for both children before it returns, so `next` does not outlive this call.
            let handler = UncheckedSendable(next)
            return try await withThrowingTaskGroup(of: Response?.self) { group in
                group.addTask { try await handler.value(request, context) }
                group.addTask {
                    try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let response = first else {
                    throw Problem(
                        status: .badRequest,
                        detail:
                            "the request took longer than its budget of \(JSONValue.formatNumber(seconds)) s (XANH_REQUEST_SECONDS); narrow it (a shorter time range, a smaller page)"
                    )
                }
                return response
            }
        }
    }
}

/// Carries a value the compiler cannot prove Sendable across a task boundary whose lifetime the caller bounds.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// The nesting depth of a JSON text, measured without parsing it (strings are skipped), so a body nested deeper than the
/// limit is refused before a decoder recurses into it.
enum JSONDepth {
    /// The byte offset where the nesting first passes `max`, or nil when it never does.
    static func firstExcess(_ bytes: some Collection<UInt8>, max: Int) -> Int? {
        var depth = 0
        var inString = false
        var escaped = false
        for (offset, b) in bytes.enumerated() {
            if inString {
                if escaped {
                    escaped = false
                } else if b == 0x5C {
                    escaped = true
                } else if b == 0x22 {
                    inString = false
                }
                continue
            }
            switch b {
            case 0x22: inString = true
            case 0x5B, 0x7B:
                depth += 1
                if depth > max { return offset }
            case 0x5D, 0x7D: depth -= 1
            default: break
            }
        }
        return nil
    }

    static func check(_ bytes: some Collection<UInt8>, max: Int) throws {
        if let at = firstExcess(bytes, max: max) {
            throw Problem(status: .badRequest, detail: "the body nests arrays and objects more than \(max) deep (XANH_MAX_JSON_DEPTH), at byte \(at)")
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif

/// How many client connections the server may hold: the setting, but never so many that the process runs out of file
/// descriptors for its database, logs and drop folder.
enum ConnectionLimits {
    /// Descriptors kept back for everything that is not a client connection.
    static let reserve = 256

    /// Raises the soft descriptor limit to the hard one, then returns the cap for connections.
    static func maxConnections(_ wanted: Int, logger: Logger) -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return wanted }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        let available = limit.rlim_cur > UInt64(Int.max) ? Int.max : Int(limit.rlim_cur)
        let cap = max(16, min(wanted, available - reserve))
        if cap < wanted {
            logger.warning("connections capped at \(cap), not \(wanted): the process may open \(available) files (ulimit -n)")
        }
        return cap
    }
}
