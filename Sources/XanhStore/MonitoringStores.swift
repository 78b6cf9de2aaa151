import XanhCore

/// One Circular 10 file ready to store: its name, a fingerprint of its content, and its rows.
public struct FileIngest: Sendable {
    public var name: String
    public var fingerprint: String
    public var rows: [ValidObservation]
    public init(name: String, fingerprint: String, rows: [ValidObservation]) {
        self.name = name
        self.fingerprint = fingerprint
        self.rows = rows
    }
}

public enum FileIngestOutcome: Sendable, Equatable {
    /// Stored now, with this many rows.
    case ingested(Int)
    /// The same name and content were stored before (a resend, or a restart after the commit): nothing counted again.
    case duplicate
}

public struct StationActivity: Sendable {
    public var stationID: Int64
    public var code: String
    public var lastRecord: Int64?
    public var registered: Int64
    public var silenceAfter: Int
    public var silentSince: Int64?
    public init(stationID: Int64, code: String, lastRecord: Int64?, registered: Int64, silenceAfter: Int, silentSince: Int64?) {
        self.stationID = stationID
        self.code = code
        self.lastRecord = lastRecord
        self.registered = registered
        self.silenceAfter = silenceAfter
        self.silentSince = silentSince
    }
}

public struct StoredStationEvent: Sendable, Equatable {
    public var id: Int64
    public var station: String
    public var event: StationEvent
    public init(id: Int64, station: String, event: StationEvent) {
        self.id = id
        self.station = station
        self.event = event
    }
}

public enum Channel: String, Sendable, Codable { case webhook, email }

public struct Subscription: Sendable, Codable, Equatable {
    public var id: Int64?
    /// nil: every rule.
    public var rule: Int64?
    public var channel: Channel
    /// URL for webhooks, address for e-mail.
    public var target: String
    /// HMAC key for webhooks.
    public var secret: String?
    public init(id: Int64? = nil, rule: Int64? = nil, channel: Channel, target: String, secret: String? = nil) {
        self.id = id
        self.rule = rule
        self.channel = channel
        self.target = target
        self.secret = secret
    }
}

public struct AlertLogEntry: Sendable, Equatable {
    public var seq: Int64
    public var alertID: Int64
    /// `opened` or `closed`.
    public var event: String
    public var at: Int64
    /// The JSON document delivered to receivers.
    public var payload: String
    public init(seq: Int64, alertID: Int64, event: String, at: Int64, payload: String) {
        self.seq = seq
        self.alertID = alertID
        self.event = event
        self.at = at
        self.payload = payload
    }
}

public struct StoredAlert: Sendable, Equatable {
    public var id: Int64
    public var rule: Int64
    public var subjectKey: String
    public var openedAt: Int64
    public var closedAt: Int64?
    public var payload: String
    /// Who acknowledged it first, and when.
    public var acknowledgedBy: String?
    public var acknowledgedAt: Int64?
    /// The username it is assigned to.
    public var assignee: String?
    /// The person who closed it; nil when it closed as its condition ended.
    public var closedBy: String?
    public init(
        id: Int64, rule: Int64, subjectKey: String, openedAt: Int64, closedAt: Int64?, payload: String, acknowledgedBy: String? = nil,
        acknowledgedAt: Int64? = nil, assignee: String? = nil, closedBy: String? = nil
    ) {
        self.id = id
        self.rule = rule
        self.subjectKey = subjectKey
        self.openedAt = openedAt
        self.closedAt = closedAt
        self.payload = payload
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
        self.assignee = assignee
        self.closedBy = closedBy
    }

    public var handling: AlertHandlingState { .init(open: closedAt == nil, acknowledgedBy: acknowledgedBy, assignee: assignee) }
}

/// One entry of an alert's history: a person's action.
public struct AlertActionRecord: Sendable, Equatable {
    public var alert: Int64
    public var n: Int
    public var kind: AlertActionKind
    public var actor: String
    public var assignee: String?
    public var comment: String?
    public var at: Int64
    public init(alert: Int64, n: Int, kind: AlertActionKind, actor: String, assignee: String?, comment: String?, at: Int64) {
        self.alert = alert
        self.n = n
        self.kind = kind
        self.actor = actor
        self.assignee = assignee
        self.comment = comment
        self.at = at
    }
}

public struct Delivery: Sendable, Equatable {
    public var id: Int64
    public var subscription: Subscription
    public var entry: AlertLogEntry
    public var attempts: Int
    public init(id: Int64, subscription: Subscription, entry: AlertLogEntry, attempts: Int) {
        self.id = id
        self.subscription = subscription
        self.entry = entry
        self.attempts = attempts
    }
}

public struct DeliveryAttempt: Sendable, Equatable {
    public var atMs: Int64
    public var ok: Bool
    public var detail: String
    public init(atMs: Int64, ok: Bool, detail: String) {
        self.atMs = atMs
        self.ok = ok
        self.detail = detail
    }
}

/// Which engine a store runs on and where, for `/health` and logs (never a password).
public protocol StoreIdentity: Sendable {
    /// `sqlite` or `postgresql`.
    var engine: String { get }
    var location: String { get }
    /// What an error of this engine means for the caller, when it is a fault of the database rather than of the
    /// request: the HTTP layer answers 503 or 507 for these, never 500.
    func fault(_ error: any Error) -> StoreFault?
    /// Whether an error is the database refusing a change that breaks one of its constraints (a missing relation, a
    /// duplicate key, a NULL where a value must be): bad input, answered 409, as opposed to a fault.
    func isConstraintViolation(_ error: any Error) -> Bool
    /// A cheap round trip to the database, given up after `timeout`; throws the fault that stops it (a full disk
    /// included, where the engine can see it).
    func ping(timeout: Duration) async throws
    /// Closes the database (at shutdown): SQLite checkpoints its WAL, PostgreSQL's pool closes its connections.
    func close() async
}

/// A database fault, in words the HTTP layer and `/health` can act on.
public enum StoreFault: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database cannot be reached or is restarting: try again shortly (503 with Retry-After).
    case unavailable(String)
    /// The disk is full (507); ingest resumes by itself once space returns.
    case full(String)
    /// The database is read-only (a replica, a read-only file or mount): 503.
    case readOnly(String)
    /// A statement ran past its time limit.
    case timeout(String)

    public var description: String {
        switch self {
        case .unavailable(let s): return "the database is unavailable: \(s)"
        case .full(let s): return "the database's disk is full: \(s)"
        case .readOnly(let s): return "the database is read-only: \(s)"
        case .timeout(let s): return "a database statement ran past its time limit: \(s)"
        }
    }
}
