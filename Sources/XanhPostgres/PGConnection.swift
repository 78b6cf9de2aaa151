import Foundation
import Logging
import NIOCore
import PostgresNIO
import XanhCore
import XanhSQL
import XanhStore

/// Where a PostgreSQL database is: parsed from `postgres://user[:password]@host[:port]/database[?schema=NAME]`.
public struct PGLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    /// The schema the store's tables live in (`search_path`); `public` unless given.
    public var schema: String

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String, schema: String = "public") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.schema = schema
    }

    /// The URL with `schema=NAME` added (tests and benchmarks give each store a schema of its own).
    public static func url(_ url: String, schema: String) -> String { url + (url.contains("?") ? "&" : "?") + "schema=" + schema }

    public static func isPostgresURL(_ s: String) -> Bool { s.hasPrefix("postgres://") || s.hasPrefix("postgresql://") }

    public init(url: String) throws {
        guard Self.isPostgresURL(url), let c = URLComponents(string: url), let host = c.host, !host.isEmpty else {
            throw StoreError.invalid([.init(field: "database", message: "'\(url)' is not a postgres://user@host[:port]/database URL")])
        }
        let db = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
        guard !db.isEmpty else {
            throw StoreError.invalid([.init(field: "database", message: "'\(url)' names no database (postgres://user@host/DATABASE)")])
        }
        let schema = c.queryItems?.first { $0.name == "schema" }?.value ?? "public"
        guard schema.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw StoreError.invalid([.init(field: "database", message: "schema '\(schema)' may hold only letters, digits and _")])
        }
        self.init(
            host: host, port: c.port ?? 5432, user: c.user ?? "postgres", password: c.password, database: db, schema: schema)
    }

    /// The URL without the password, for logs and `/health`.
    public var description: String {
        "postgres://\(user)@\(host):\(port)/\(database)" + (schema == "public" ? "" : "?schema=\(schema)")
    }

    func clientConfiguration(maxConnections: Int, limits: Limits?) -> PostgresClient.Configuration {
        var c = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
        c.options.maximumConnections = maxConnections
        c.options.additionalStartupParameters = [("search_path", schema)]
        if let limits {
            c.options.connectTimeout = .milliseconds(Int64(limits.databaseConnectSeconds * 1000))
            c.options.additionalStartupParameters.append(("statement_timeout", String(Int64(limits.statementSeconds * 1000))))
        }
        return c
    }
}

/// A statement argument: a seam value, or an array (for `unnest`, used by the observation writer).
enum PGArg: Sendable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case ints([Int64])
    case doubles([Double])

    init(_ v: SQLValue) {
        switch v {
        case .null: self = .null
        case .int(let i): self = .int(i)
        case .double(let d): self = .double(d)
        case .text(let s): self = .text(s)
        }
    }
}

/// One connection, inside a transaction when the store's `write` gave it.
struct PGConn: @unchecked Sendable {
    let connection: PostgresConnection
    let logger: Logger
    /// How long to wait for PostgreSQL's answer to one statement before the connection counts as lost: PostgresNIO
    /// does not always fail a statement whose connection the server dropped (an immediate restart), and a request must
    /// not wait for it forever (docs/operations.md, "PostgreSQL faults"). Nil waits as long as it takes.
    var answerTimeout: TimeAmount? = nil

    /// `future`'s result; `StoreFault.unavailable` as soon as the connection is seen closed with the answer still
    /// pending (checked four times a second), or once the answer timeout passes, when the connection is closed so the
    /// pool replaces it.
    func answer<T: Sendable>(_ future: EventLoopFuture<T>, _ sql: String) -> EventLoopFuture<T> {
        let loop = future.eventLoop
        let promise = loop.makePromise(of: T.self)
        future.cascade(to: promise)
        let connection = connection
        let deadline = answerTimeout.map { NIODeadline.now() + $0 }
        let check = loop.scheduleRepeatedTask(initialDelay: .milliseconds(250), delay: .milliseconds(250)) { task in
            if connection.isClosed {
                promise.fail(StoreFault.unavailable("the connection to PostgreSQL was lost under: \(sql.prefix(60))"))
                task.cancel()
            } else if let deadline, NIODeadline.now() >= deadline {
                promise.fail(StoreFault.unavailable("PostgreSQL did not answer in time: \(sql.prefix(60))"))
                let closing: EventLoopFuture<Void> = connection.close()
                closing.whenComplete { _ in }
                task.cancel()
            }
        }
        promise.futureResult.whenComplete { _ in check.cancel() }
        return promise.futureResult
    }

    /// Runs a statement and collects every row before returning.
    ///
    /// The rows are gathered by PostgresNIO's future-based API, never by iterating its async row sequence: a stream
    /// that waits for the consumer's demand when the server closes the connection (a restart) trips a precondition in
    /// PostgresNIO's `RowStreamStateMachine` and ends the process; gathering everything on the event loop never
    /// waits for demand (docs/operations.md, "PostgreSQL faults").
    func run(_ sql: String, _ args: [PGArg]) async throws -> PostgresQueryResult {
        do {
            let future: EventLoopFuture<PostgresQueryResult> = connection.query(try Self.statement(sql, args), logger: logger)
            return try await answer(future, sql).get()
        } catch let e as PSQLError {
            throw PGQueryError(e, sql: sql)
        }
    }

    /// Sends rows to `COPY table(columns) FROM STDIN` (text format); `line` appends one row, tab-separated,
    /// newline-terminated. The rows are written out first and sent in 1 MiB parts by a task of its own, so that the
    /// answer timeout can give up on a COPY whose connection died under it.
    func copy(table: String, columns: [String], count: Int, line: (Int, inout ByteBuffer) -> Void) async throws {
        var parts: [ByteBuffer] = []
        var buffer = ByteBuffer()
        buffer.reserveCapacity(1 << 20)
        for i in 0..<count {
            line(i, &buffer)
            if buffer.readableBytes > 1 << 20 {
                parts.append(buffer)
                buffer = ByteBuffer()
                buffer.reserveCapacity(1 << 20)
            }
        }
        parts.append(buffer)
        let (connection, logger) = (connection, logger)
        let promise = connection.eventLoop.makePromise(of: Void.self)
        Task {
            do {
                try await connection.copyFrom(table: table, columns: columns, logger: logger) { writer in
                    for p in parts { try await writer.write(p) }
                }
                promise.succeed(())
            } catch {
                promise.fail(error)
            }
        }
        do {
            try await answer(promise.futureResult, "COPY \(table)").get()
        } catch let e as PSQLError {
            throw PGQueryError(e, sql: "COPY \(table)")
        }
    }

    static func statement(_ sql: String, _ args: [PGArg]) throws -> PostgresQuery {
        var out = ""
        out.reserveCapacity(sql.utf8.count + 16)
        var n = 0
        var quote: Character?
        for ch in sql {
            if let q = quote {
                if ch == q { quote = nil }
                out.append(ch)
            } else if ch == "'" || ch == "\"" {
                quote = ch
                out.append(ch)
            } else if ch == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(ch)
            }
        }
        guard n == args.count else {
            throw StoreError.conflict("internal: \(n) placeholders for \(args.count) arguments in: \(sql.prefix(120))")
        }
        var binds = PostgresBindings(capacity: args.count)
        for a in args {
            switch a {
            case .null: binds.appendNull()
            case .int(let i): binds.append(i)
            case .double(let d): binds.append(d)
            case .text(let s): binds.append(s)
            case .ints(let a): binds.append(a)
            case .doubles(let a): binds.append(a)
            }
        }
        return PostgresQuery(unsafeSQL: out, binds: binds)
    }

    static func value(_ cell: PostgresCell) -> SQLValue {
        guard let bytes = cell.bytes else { return .null }
        // The common binary cells read straight from their bytes (big-endian), without PostgresNIO's generic decoding:
        // a long read (8,760 hourly rows × 6 columns) spends most of its client time there.
        if cell.format == .binary {
            let at = bytes.readerIndex
            switch (cell.dataType, bytes.readableBytes) {
            case (.int8, 8): if let v = bytes.getInteger(at: at, as: Int64.self) { return .int(v) }
            case (.int4, 4): if let v = bytes.getInteger(at: at, as: Int32.self) { return .int(Int64(v)) }
            case (.int2, 2): if let v = bytes.getInteger(at: at, as: Int16.self) { return .int(Int64(v)) }
            case (.float8, 8): if let v = bytes.getInteger(at: at, as: UInt64.self) { return .double(Double(bitPattern: v)) }
            case (.float4, 4): if let v = bytes.getInteger(at: at, as: UInt32.self) { return .double(Double(Float(bitPattern: v))) }
            case (.text, _), (.varchar, _): if let v = bytes.getString(at: at, length: bytes.readableBytes) { return .text(v) }
            default: break
            }
        }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid:
            return (try? cell.decode(Int64.self)).map(SQLValue.int) ?? .null
        case .float4, .float8:
            return (try? cell.decode(Double.self)).map(SQLValue.double) ?? .null
        case .bool:
            return (try? cell.decode(Bool.self)).map { .int($0 ? 1 : 0) } ?? .null
        case .numeric:
            if let s = try? cell.decode(String.self) {
                if let i = Int64(s) { return .int(i) }
                if let d = Double(s) { return .double(d) }
            }
            return .null
        default:
            return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }
}

/// A statement PostgreSQL refused, with the server's message and SQLSTATE (PostgresNIO hides them by default).
public struct PGQueryError: Error, CustomStringConvertible {
    public var message: String
    public var sqlState: String?
    public var sql: String
    /// The connection failed under the statement (closed by the server, reset, never made), as opposed to the server
    /// refusing the statement.
    public var connectionLost: Bool
    init(_ e: PSQLError, sql: String) {
        message = e.serverInfo?[.message] ?? String(reflecting: e)
        sqlState = e.serverInfo?[.sqlState]
        self.sql = sql
        connectionLost = [.serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown, .poolClosed].contains(e.code)
    }
    public var description: String {
        "PostgreSQL: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "") + " in: " + sql.prefix(160).replacingOccurrences(of: "\n", with: " ")
    }
    /// 23xxx: a constraint (unique, foreign key, not null, check).
    public var isConstraint: Bool { sqlState?.hasPrefix("23") ?? false }
}

/// The client pool of one store, running for the store's lifetime.
final class PGPool: Sendable {
    let client: PostgresClient
    let logger: Logger
    /// How long a caller waits for a connection before the database counts as unavailable.
    let leaseTimeout: Duration
    /// How long one statement's answer may take (the statement timeout and a margin), when the store has limits.
    let answerTimeout: TimeAmount?
    private let runner: Task<Void, Never>

    init(_ location: PGLocation, maxConnections: Int, limits: Limits?) {
        var logger = Logger(label: "xanh.postgres")
        logger.logLevel = .error
        self.logger = logger
        leaseTimeout = .milliseconds(Int64((limits?.databaseConnectSeconds ?? 30) * 1000))
        answerTimeout = limits.map { .milliseconds(Int64(($0.statementSeconds + 10) * 1000)) }
        let client = PostgresClient(
            configuration: location.clientConfiguration(maxConnections: maxConnections, limits: limits), backgroundLogger: logger)
        self.client = client
        runner = Task { await client.run() }
    }

    func shutdown() { runner.cancel() }

    deinit { runner.cancel() }

    /// Runs `body` on a pooled connection. While the database is down the pool waits for it; a caller that gets no
    /// connection within the lease timeout fails with `StoreFault.unavailable` instead of hanging for the outage.
    func withConnection<T: Sendable>(timeout: Duration? = nil, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        let leased = Locked(false)
        let client = client
        let limit = timeout ?? leaseTimeout
        return try await withoutActuallyEscaping(body) { body in
            let work = UncheckedBox(body)
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await client.withConnection { c in
                        leased.set(true)
                        return try await work.value(c)
                    }
                }
                group.addTask {
                    try await Task.sleep(for: limit)
                    // Once the body runs it is not interrupted: statement_timeout bounds its statements.
                    if !leased.get() { throw StoreFault.unavailable("no connection to PostgreSQL within \(limit)") }
                    return nil
                }
                defer { group.cancelAll() }
                while let next = try await group.next() {
                    if let value = next { return value }
                }
                throw StoreFault.unavailable("no connection to PostgreSQL")
            }
        }
    }

    func conn(_ c: PostgresConnection) -> PGConn { PGConn(connection: c, logger: logger, answerTimeout: answerTimeout) }
}

/// Carries a value across a task boundary whose lifetime the caller bounds (a task group awaited before return).
struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
