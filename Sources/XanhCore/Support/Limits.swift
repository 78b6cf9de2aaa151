/// Every bound Xanh puts on what comes in from outside: query sizes, bodies, files, connections, the database and
/// the times observations may carry. Each is a setting (a flag of `xanh serve` and an environment variable, listed
/// by `Limits.settings`); the defaults are safe for a province on one machine (docs/operations.md, "Limits").
public struct Limits: Sendable, Equatable {
    // MARK: reads
    /// Largest page a client may ask for: SensorThings `$top` (also inside `$expand`) and the native `limit`.
    public var maxTop = 10_000
    /// SensorThings page when `$top` is not given.
    public var defaultTop = 100
    /// Deepest `$expand` path (`Things?$expand=Datastreams/Observations` is 2).
    public var maxExpandDepth = 4
    /// Entities in one SensorThings response, expanded ones included.
    public var maxEntities = 50_000
    /// Bytes of one response body built in memory.
    public var maxResponseBytes = 64 << 20
    /// Seconds a read may take before it is stopped and answered 400 (a query too costly for one request).
    public var requestSeconds: Double = 30

    // MARK: bodies
    /// Bytes of an observation batch (`POST /api/v1/observations`, SensorThings `CreateObservations` and `$batch`).
    public var maxBatchBody = 64 << 20
    /// Bytes of a file upload (XLSX or CSV templates) or a SensorThings entity body.
    public var maxUploadBody = 16 << 20
    /// Bytes of any other body.
    public var maxBody = 1 << 20
    /// Nesting of arrays and objects in a JSON body.
    public var maxJSONDepth = 64

    // MARK: files
    /// Bytes an XLSX workbook may inflate to, all parts together.
    public var maxXLSXInflated = 64 << 20
    /// Parts (ZIP entries) of an XLSX workbook.
    public var maxXLSXEntries = 500
    /// Rows and columns of one sheet.
    public var maxSheetRows = 100_000
    public var maxSheetColumns = 500
    /// Cells of one sheet, counted as stored (each row up to its last cell).
    public var maxSheetCells = 2_000_000

    // MARK: connections
    /// Seconds a connection may wait for a whole request head, or stay idle between requests, before it is closed.
    public var idleSeconds: Double = 30
    /// Open client connections; further ones wait in the listen backlog.
    public var maxConnections = 10_000

    // MARK: database
    /// Seconds to open a database connection (PostgreSQL).
    public var databaseConnectSeconds: Double = 5
    /// Seconds one statement may run on PostgreSQL (`statement_timeout`) for the server; maintenance commands run
    /// without it. On SQLite a read is interrupted when its request's budget runs out.
    public var statementSeconds: Double = 60

    // MARK: times
    /// The earliest observation time accepted (UTC seconds): 1990-01-01T00:00:00+07:00 unless set.
    public var earliestObservation: Int64 = 631_126_800
    /// Seconds after now an observation time may lie (clock skew of loggers).
    public var futureTolerance: Int64 = 600
    /// Whether webhook subscriptions may point at loopback, link-local or private addresses (a lab, or a relay on
    /// the same host); off, so that a key cannot make the server call into the network it sits in.
    public var allowPrivateWebhooks = false
    /// Seconds after which a station's latest value is no longer shown as current on the pages (it shows as "no current
    /// data" in grey, with its age).
    public var staleAfterSeconds = 7200
    /// Working days before a report's due day that its reporters' daily reminder digest starts (decision 0016).
    public var reminderDaysBefore = 3

    // MARK: accounts
    /// Whether an admin must have a second factor (TOTP) to log in.
    public var requireAdminTOTP = false
    /// Failed logins allowed per username and per address within `loginWindowSeconds`; the next one is answered 429.
    public var maxLoginFailures = 5
    public var loginWindowSeconds = 900
    /// Seconds a web session lasts.
    public var sessionSeconds = 43_200
    /// bcrypt's cost (log2 of its rounds) for new passwords, 4 to 16.
    public var bcryptCost = 12
    /// Writes one key, person or address may make per minute; the next is answered 429.
    public var writesPerMinute = 6_000
    /// Expensive reads (CSV and XLSX exports, the audit log) one caller may make per minute.
    public var expensiveReadsPerMinute = 120
    /// Requests with credentials that are not valid one address may send per `loginWindowSeconds`.
    public var maxBadCredentials = 20
    /// Whether the client's address is the last one in `X-Forwarded-For` (behind a reverse proxy that appends it);
    /// off, the socket's peer is the address (a client could write the header itself).
    public var trustForwardedFor = false

    public init() {}

    /// One setting as the server reads it: its flag, its environment variable, what it bounds, and how to read and
    /// write its value as text.
    public struct Setting: Sendable {
        public var flag: String
        public var environment: String
        public var help: String
        public let value: @Sendable (Limits) -> String
        /// Sets the value from text; false when the text is not a valid value for this setting.
        public let set: @Sendable (inout Limits, String) -> Bool

        /// A count or a size: a positive integer.
        static func count(_ flag: String, _ env: String, _ help: String, _ path: WritableKeyPath<Limits, Int> & Sendable) -> Setting {
            Setting(
                flag: flag, environment: env, help: help, value: { String($0[keyPath: path]) },
                set: { l, text in
                    guard let v = Int(text), v > 0 else { return false }
                    l[keyPath: path] = v
                    return true
                })
        }

        /// A switch: true or false.
        static func flag(_ flag: String, _ env: String, _ help: String, _ path: WritableKeyPath<Limits, Bool> & Sendable) -> Setting {
            Setting(
                flag: flag, environment: env, help: help, value: { $0[keyPath: path] ? "true" : "false" },
                set: { l, text in
                    switch text.lowercased() {
                    case "true", "1", "yes": l[keyPath: path] = true
                    case "false", "0", "no": l[keyPath: path] = false
                    default: return false
                    }
                    return true
                })
        }

        /// A duration in seconds, more than zero and at most a day.
        static func seconds(_ flag: String, _ env: String, _ help: String, _ path: WritableKeyPath<Limits, Double> & Sendable) -> Setting {
            Setting(
                flag: flag, environment: env, help: help, value: { JSONValue.formatNumber($0[keyPath: path]) },
                set: { l, text in
                    guard let v = Double(text), v.isFinite, v > 0, v <= 86_400 else { return false }
                    l[keyPath: path] = v
                    return true
                })
        }
    }

    /// Every limit, in the order of docs/operations.md.
    public static let settings: [Setting] = [
        .count("max-top", "XANH_MAX_TOP", "largest SensorThings page ($top)", \.maxTop),
        .count("default-top", "XANH_DEFAULT_TOP", "SensorThings page without $top", \.defaultTop),
        .count("max-expand-depth", "XANH_MAX_EXPAND_DEPTH", "deepest $expand path", \.maxExpandDepth),
        .count("max-entities", "XANH_MAX_ENTITIES", "entities in one SensorThings response", \.maxEntities),
        .count("max-response-bytes", "XANH_MAX_RESPONSE_BYTES", "bytes of a response built in memory", \.maxResponseBytes),
        .seconds("request-seconds", "XANH_REQUEST_SECONDS", "seconds a read may take", \.requestSeconds),
        .count("max-batch-body", "XANH_MAX_BATCH_BODY", "bytes of an observation batch", \.maxBatchBody),
        .count("max-upload-body", "XANH_MAX_UPLOAD_BODY", "bytes of an upload or SensorThings entity", \.maxUploadBody),
        .count("max-body", "XANH_MAX_BODY", "bytes of any other body", \.maxBody),
        .count("max-json-depth", "XANH_MAX_JSON_DEPTH", "nesting of a JSON body", \.maxJSONDepth),
        .count("max-xlsx-inflated", "XANH_MAX_XLSX_INFLATED", "bytes an XLSX may inflate to", \.maxXLSXInflated),
        .count("max-xlsx-entries", "XANH_MAX_XLSX_ENTRIES", "parts of an XLSX workbook", \.maxXLSXEntries),
        .count("max-sheet-rows", "XANH_MAX_SHEET_ROWS", "rows of a sheet", \.maxSheetRows),
        .count("max-sheet-columns", "XANH_MAX_SHEET_COLUMNS", "columns of a sheet", \.maxSheetColumns),
        .count("max-sheet-cells", "XANH_MAX_SHEET_CELLS", "cells of a sheet", \.maxSheetCells),
        .seconds("idle-seconds", "XANH_IDLE_SECONDS", "seconds to send a request head, or idle", \.idleSeconds),
        .count("max-connections", "XANH_MAX_CONNECTIONS", "open client connections", \.maxConnections),
        .seconds("database-connect-seconds", "XANH_DATABASE_CONNECT_SECONDS", "seconds to connect to PostgreSQL", \.databaseConnectSeconds),
        .seconds("statement-seconds", "XANH_STATEMENT_SECONDS", "seconds one statement may run", \.statementSeconds),
        Setting(
            flag: "earliest-observation", environment: "XANH_EARLIEST_OBSERVATION", help: "earliest observation time (a date or ISO 8601)",
            value: { Timestamps.format($0.earliestObservation) },
            set: { l, text in
                guard let t = Timestamps.parseDate(text) ?? (try? Timestamps.parseISO8601(text)) else { return false }
                l.earliestObservation = t
                return true
            }),
        Setting(
            flag: "future-tolerance", environment: "XANH_FUTURE_TOLERANCE", help: "seconds an observation may lie ahead of now",
            value: { String($0.futureTolerance) },
            set: { l, text in
                guard let v = Int64(text), v >= 0, v <= 366 * 86_400 else { return false }
                l.futureTolerance = v
                return true
            }),
        .flag(
            "allow-private-webhooks", "XANH_ALLOW_PRIVATE_WEBHOOKS",
            "whether webhooks may target loopback, link-local or private addresses (true or false)", \.allowPrivateWebhooks),
        .count(
            "stale-after-seconds", "XANH_STALE_AFTER_SECONDS", "seconds after which a station's latest value is not shown as current",
            \.staleAfterSeconds),
        .count(
            "reminder-days-before", "XANH_REMINDER_DAYS_BEFORE", "working days before a report's due day that reminders start",
            \.reminderDaysBefore),
        .flag("require-admin-totp", "XANH_REQUIRE_ADMIN_TOTP", "whether admins must log in with a second factor (true or false)", \.requireAdminTOTP),
        .count("max-login-failures", "XANH_MAX_LOGIN_FAILURES", "failed logins per username or address in the login window", \.maxLoginFailures),
        .count("login-window-seconds", "XANH_LOGIN_WINDOW_SECONDS", "seconds failed logins are counted over", \.loginWindowSeconds),
        .count("session-seconds", "XANH_SESSION_SECONDS", "seconds a web session lasts", \.sessionSeconds),
        Setting(
            flag: "bcrypt-cost", environment: "XANH_BCRYPT_COST", help: "bcrypt cost of new passwords (4 to 16)", value: { String($0.bcryptCost) },
            set: { l, text in
                guard let v = Int(text), (4...16).contains(v) else { return false }
                l.bcryptCost = v
                return true
            }),
        .count("writes-per-minute", "XANH_WRITES_PER_MINUTE", "writes per caller (key, person or address) per minute", \.writesPerMinute),
        .count(
            "expensive-reads-per-minute", "XANH_EXPENSIVE_READS_PER_MINUTE", "exports and audit reads per caller per minute",
            \.expensiveReadsPerMinute),
        .count("max-bad-credentials", "XANH_MAX_BAD_CREDENTIALS", "invalid credentials per address in the login window", \.maxBadCredentials),
        .flag(
            "trust-forwarded-for", "XANH_TRUST_FORWARDED_FOR", "whether the client address is X-Forwarded-For's last entry (behind a proxy)",
            \.trustForwardedFor),
    ]

    /// The settings an administrator may change while the server runs (`/workspace/settings`): each is read where it
    /// is used, on every request or pass, and none of them weakens how callers are identified. Body sizes, timeouts
    /// and connection bounds are fixed when the server starts; the second factor, bcrypt's cost and trusting
    /// X-Forwarded-For are for the operator alone (decision 0018).
    public static let runtimeFlags: [String] = [
        "stale-after-seconds", "reminder-days-before", "session-seconds", "writes-per-minute", "expensive-reads-per-minute",
        "max-login-failures", "login-window-seconds", "max-bad-credentials",
    ]

    public static var runtimeSettings: [Setting] { runtimeFlags.compactMap { f in settings.first { $0.flag == f } } }

    /// The largest value a runtime setting takes from a page: a request must not set a bound whose arithmetic
    /// overflows (a session's end) or whose loop runs away (reminder days).
    public static let runtimeMaximum: [String: Int] = [
        "stale-after-seconds": 30 * 86_400, "reminder-days-before": 30, "session-seconds": 30 * 86_400, "writes-per-minute": 1_000_000,
        "expensive-reads-per-minute": 100_000, "max-login-failures": 1_000, "login-window-seconds": 86_400, "max-bad-credentials": 100_000,
    ]

    /// The limits as a JSON-friendly list (for `/openapi.json` and `/health`).
    public var described: [(name: String, value: String)] { Self.settings.map { ($0.flag, $0.value(self)) } }
}
