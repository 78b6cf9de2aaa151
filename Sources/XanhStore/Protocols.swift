import Foundation
import XanhCore

// The storage capabilities, each small enough to read at once: a service or a controller is handed only the ones it
// uses. One implementation (XanhSQLStore's `SQLStore`) serves them all over either engine; the contract suite
// (Tests/XanhStoreTests) calls every method on both.

/// Stations and their series.
public protocol StationStore: Sendable {
    /// Stores a station whose fields the caller has validated; 409 when the code exists, 422 when its facility does not.
    func createStation(_ s: Station) async throws -> Station
    /// Replaces the station with the same code (its parameters included).
    func updateStation(_ s: Station) async throws -> Station
    func station(code: String) async throws -> Station?
    /// Stations ordered by code, after the cursor code.
    func stations(after: String?, limit: Int, kind: StationKind?, province: String?) async throws -> [Station]
    func setStationActive(code: String, active: Bool) async throws
    /// The station → parameter → series map the ingest validator uses.
    func seriesDirectory() async throws -> SeriesDirectory
}

/// Facilities (enterprises, industrial-zone plants) that run stations.
public protocol FacilityStore: Sendable {
    func createFacility(_ f: Facility) async throws -> Facility
    func updateFacility(_ f: Facility) async throws -> Facility
    func facility(id: Int64) async throws -> Facility?
    func facilities(after: Int64?, limit: Int) async throws -> [Facility]
    func setFacilityActive(id: Int64, active: Bool) async throws
}

/// API keys (only their SHA-256 is stored).
public protocol KeyStore: Sendable {
    /// Adds a key; `StoreError.conflict` when an active key has the name.
    func createAPIKey(name: String, hash: String, role: String) async throws
    /// The key with this hash, if it exists and is not revoked.
    func apiKey(hash: String) async throws -> Caller?
    func setAPIKeyRole(name: String, role: String) async throws
    /// Limits a key to a facility's stations or to named stations (`.province`: no limit).
    func setAPIKeyScope(name: String, scope: AccessScope) async throws
    /// Revokes a key: its next request is refused.
    func revokeAPIKey(name: String) async throws
    /// Every key, revoked ones included, by name.
    func apiKeys() async throws -> [APIKeyInfo]
    /// Records that a key was used (callers write this at most once a minute per key).
    func touchAPIKey(name: String, at: Int64) async throws
}

/// People's accounts, their web sessions and their failed logins.
public protocol AccountStore: Sendable {
    /// Adds an account (`StoreError.conflict` when the username is taken).
    func createUser(_ u: UserRecord) async throws
    func user(username: String) async throws -> UserRecord?
    /// Every account, by username.
    func users() async throws -> [UserRecord]
    /// Disables (or re-enables) an account; disabling ends its sessions.
    func setUserDisabled(username: String, disabled: Bool) async throws
    /// Sets a password hash; `mustChange` marks a one-time password. Ends the account's sessions, all but
    /// `keepingSession` (the one that made the change).
    func setPassword(username: String, hash: String, mustChange: Bool, keepingSession: String?) async throws
    func setTOTPSecret(username: String, secret: String?) async throws
    func recordLogin(username: String, at: Int64) async throws
    func createSession(_ s: SessionRecord) async throws
    /// The session with this token hash, if it has not expired by `now`.
    func session(tokenHash: String, now: Int64) async throws -> SessionRecord?
    func deleteSession(tokenHash: String) async throws
    /// Ends every session of an account; with `except`, all but that one.
    func deleteSessions(username: String, except: String?) async throws
    func recordLoginFailure(username: String, address: String, at: Int64) async throws
    /// Failed logins since a time, for a username and for an address.
    func loginFailures(username: String, address: String, since: Int64) async throws -> (user: FailureWindow, address: FailureWindow)
    /// Forgets a username's failures (after a successful login) and everyone's failures older than `before`.
    func clearLoginFailures(username: String, before: Int64) async throws
}

/// The tamper-evident audit log (`AuditChain`).
public protocol AuditStore: Sendable {
    /// Appends an entry: the store numbers it, seals it onto the chain and returns it as stored.
    @discardableResult func appendAudit(_ e: AuditEntry) async throws -> AuditEntry
    /// Entries matching a filter, newest first, before `beforeSeq` when paging.
    func auditEntries(_ f: AuditFilter, beforeSeq: Int64?, limit: Int) async throws -> [AuditEntry]
    /// The chain in order, from `afterSeq`, for verification.
    func auditChain(afterSeq: Int64, limit: Int) async throws -> [AuditEntry]
}

/// Raw observations in; raw and rolled-up series out.
public protocol ObservationStore: Sendable {
    /// Stores rows (upsert by series and time) and marks the hours they touch for derivation, in one transaction.
    /// Returns once the rows are durable.
    func ingest(_ rows: [ValidObservation]) async throws -> IngestCounts
    func observationCount() async throws -> Int
    func rawSeries(station: String, parameter: String, from: Int64, to: Int64, limit: Int) async throws -> [StoredObservation]
    func hourlySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [HourlyStat]
    func dailySeries(station: String, parameter: String, from: Int64, to: Int64) async throws -> [DailyStat]
    /// The latest raw value of each of a station's parameters, by parameter code (what a station page shows as its
    /// current concentrations).
    func latestValues(station: String) async throws -> [String: StoredObservation]
}

/// AQI series, the live map's latest values, and limit exceedances.
public protocol AirQualityStore: Sendable {
    func aqiSeries(station: String, scale: AQIScale, resolution: AQIResolution, from: Int64, to: Int64) async throws -> [StoredAQI]
    /// The latest hourly VN_AQI of every active ambient-air station that has one.
    func latestAQI() async throws -> [StoredAQI]
    func exceedances(station: String?, from: Int64, to: Int64, afterID: Int64?, limit: Int) async throws -> [StoredExceedance]
}

/// Primitives the `Deriver` builds on; the maths stays in XanhCore.
public protocol DerivationStore: Sendable {
    /// Up to `limit` pending dirty marks, and the largest sequence number among them.
    func pendingDirty(limit: Int) async throws -> (maxSeq: Int64, marks: [DirtyMark])
    func seriesInfo(ids: [Int64]) async throws -> [SeriesInfo]
    /// The series of each station, by station.
    func seriesOfStations(_ ids: [Int64]) async throws -> [Int64: [SeriesInfo]]
    // The reads of a pass take many series at once (ranges with the same bounds share statements), so that a pass
    // over a thousand series touched at one time step costs a few statements, not thousands.
    /// Raw points with from < t ≤ to, sorted, with their stored flags, by series.
    func qcPoints(_ ranges: [SeriesRange]) async throws -> [Int64: [(point: QCPoint, qc: StoredQC)]]
    /// Overrides overlapping [from, to], oldest first, by series.
    func overrides(_ ranges: [SeriesRange]) async throws -> [Int64: [QCOverride]]
    /// Hourly rows with from ≤ hourEnd ≤ to, sorted, by series.
    func hourly(_ ranges: [SeriesRange]) async throws -> [Int64: [HourlyStat]]
    /// Daily rows with from ≤ dayStart ≤ to, sorted, by series.
    func daily(_ ranges: [SeriesRange]) async throws -> [Int64: [DailyStat]]
    /// Events of a period overlapping [from, to] (end ≥ from and start ≤ to), with their ids, by series.
    func events(_ ranges: [SeriesRange], period: AveragingPeriod) async throws -> [Int64: [(id: Int64, event: ExceedanceEvent)]]
    /// Applies one batch of derived results in one transaction.
    func apply(_ batch: DerivedBatch) async throws
}

/// One series' reads of a pass, for a single series.
extension DerivationStore {
    public func seriesOfStation(_ stationID: Int64) async throws -> [SeriesInfo] { try await seriesOfStations([stationID])[stationID] ?? [] }
    public func qcPoints(series: Int64, from: Int64, to: Int64) async throws -> [(point: QCPoint, qc: StoredQC)] {
        try await qcPoints([SeriesRange(series, from, to)])[series] ?? []
    }
    public func overrides(series: Int64, from: Int64, to: Int64) async throws -> [QCOverride] {
        try await overrides([SeriesRange(series, from, to)])[series] ?? []
    }
    public func hourly(series: Int64, from: Int64, to: Int64) async throws -> [HourlyStat] {
        try await hourly([SeriesRange(series, from, to)])[series] ?? []
    }
    public func daily(series: Int64, from: Int64, to: Int64) async throws -> [DailyStat] {
        try await daily([SeriesRange(series, from, to)])[series] ?? []
    }
    public func events(series: Int64, period: AveragingPeriod, from: Int64, to: Int64) async throws -> [(id: Int64, event: ExceedanceEvent)] {
        try await events([SeriesRange(series, from, to)], period: period)[series] ?? []
    }
}

/// The ledger of ingested Circular 10 files, so a file is counted once whatever happens between commit and archive.
public protocol FileLedgerStore: Sendable {
    /// Stores the rows of every file not yet in the ledger and records the files, in one transaction.
    func ingestFiles(_ files: [FileIngest]) async throws -> [FileIngestOutcome]
    func ingestedFileCount() async throws -> Int
    /// Explicit file-name → station code mapping.
    func fileNameMap() async throws -> [String: String]
    func mapFileName(_ name: String, toStation code: String?) async throws
}

/// QC overrides by staff, and data completeness.
public protocol QualityStore: Sendable {
    /// Records an override and marks the hours it covers for derivation. Returns it with its id.
    func addOverride(station: String, parameter: String, _ o: QCOverride) async throws -> QCOverride
    func overrides(station: String, parameter: String?, from: Int64, to: Int64) async throws -> [(parameter: String, override: QCOverride)]
    /// Values of these series in [from, to] flagged by the automatic checks and not overridden, by series then time;
    /// at most `limit`.
    func flaggedValues(series: [Int64], from: Int64, to: Int64, limit: Int) async throws -> [FlaggedValue]
    /// Received and valid records per series and hour, hours with hourEnd in [from, to].
    func hourCounts(station: String, from: Int64, to: Int64) async throws -> [(parameter: String, interval: Int, counts: [HourCount])]
}

/// Silence and device-error events of stations.
public protocol StationEventStore: Sendable {
    /// Stations with their latest record and open silence event, for the silence check.
    func stationActivity() async throws -> [StationActivity]
    func openSilence(stationID: Int64, start: Int64) async throws
    /// Closes the open silence event of a station at its first record after the event started.
    func closeSilence(stationID: Int64) async throws
    func stationEvents(station: String?, kind: StationEventKind?, from: Int64, to: Int64, limit: Int) async throws -> [StoredStationEvent]
}

/// Alert rules and who is told.
public protocol AlertRuleStore: Sendable {
    func createRule(_ r: AlertRule) async throws -> AlertRule
    func rules() async throws -> [AlertRule]
    func deleteRule(id: Int64) async throws
    func createSubscription(_ s: Subscription) async throws -> Subscription
    func subscriptions() async throws -> [Subscription]
}

/// Alerts: the conditions they are decided from, the open ones, and their log.
public protocol AlertStateStore: Sendable {
    /// Conditions recent enough to alert on (ended no earlier than `since`), and those of every open alert.
    func alertConditions(since: Int64) async throws -> [AlertCondition]
    func openAlerts() async throws -> [OpenAlert]
    /// Rule|subject keys of every alert ever raised for these subjects.
    func raisedKeys(subjects: [String]) async throws -> Set<String>
    /// Opens and closes alerts, appends to the alert log and queues deliveries, in one transaction.
    func applyAlerts(_ d: AlertDecisions, at now: Int64) async throws
    func alertLog(afterSeq: Int64, limit: Int) async throws -> [AlertLogEntry]
    func latestAlertSeq() async throws -> Int64
    func alerts(openOnly: Bool, limit: Int) async throws -> [StoredAlert]
    /// Alerts opened at or after `since`, or still open, newest first (the workspace's inbox).
    func alerts(since: Int64, limit: Int) async throws -> [StoredAlert]
    func alert(id: Int64) async throws -> StoredAlert?
    /// Applies a person's action (checked by `AlertHandling` first) and appends it to the alert's history, in one
    /// transaction; a close also closes the alert (if still open) and logs it for the receivers. Nil when no such
    /// alert.
    func handleAlert(_ a: AlertAction) async throws -> StoredAlert?
    /// An alert's actions, oldest first.
    func alertActions(alert: Int64, limit: Int) async throws -> [AlertActionRecord]
}

/// The durable outbox that delivers alerts.
public protocol OutboxStore: Sendable {
    /// Deliveries due at `nowMs` (milliseconds; not delivered, not given up).
    func dueDeliveries(nowMs: Int64, limit: Int) async throws -> [Delivery]
    /// Records one attempt; `retryAtMs` nil with ok false gives up.
    func recordAttempt(delivery: Int64, atMs: Int64, ok: Bool, detail: String, retryAtMs: Int64?) async throws
    func attempts(delivery: Int64) async throws -> [DeliveryAttempt]
}

/// Retention of raw observations by age, with every rollup kept.
public protocol RetentionStore: Sendable {
    /// Records the horizon the rules allow for `before` (from then on, later rows before it are refused) and deletes
    /// raw observations before it, series by series (whole month partitions on PostgreSQL).
    func applyRetention(rawBefore before: Int64) async throws -> RetentionReport
    /// The recorded horizon, if retention ever ran.
    func rawHorizon() async throws -> Int64?
}

/// The rules a store applies inside its transactions, handed to it by the use-case layer (XanhServices'
/// `StoreRules.xanh`), so that no rule lives in the storage code while each is checked against the data it
/// concerns in the same transaction.
public struct StoreRules: Sendable {
    /// Refuses a batch of observations (e.g. rows before the retention horizon).
    public var checkIngest: @Sendable (_ rows: [ValidObservation], _ horizon: Int64?) throws -> Void
    /// The retention horizon a run may use, given the one asked for, the oldest hour still to derive and the last one.
    public var retentionHorizon: @Sendable (_ requested: Int64, _ oldestPendingHourEnd: Int64?, _ previous: Int64?) -> Int64

    public init(
        checkIngest: @escaping @Sendable ([ValidObservation], Int64?) throws -> Void,
        retentionHorizon: @escaping @Sendable (Int64, Int64?, Int64?) -> Int64
    ) {
        self.checkIngest = checkIngest
        self.retentionHorizon = retentionHorizon
    }
}

/// Administrative units with history and boundaries.
public protocol AdminUnitStore: Sendable {
    func adminUnits() async throws -> [AdminUnit]
    func upsertUnits(_ units: [AdminUnit]) async throws
    /// Stores a unit's boundary (GeoJSON geometry) and its outline for the map (`MapOutline.json`).
    func setBoundary(unit: String, geoJSON: String, outline: String?) async throws
    func boundary(unit: String) async throws -> String?
    /// Every unit's map outline, by unit id (units without one are left out).
    func outlines() async throws -> [String: String]
}

/// The indicator catalogue.
public protocol IndicatorCatalogueStore: Sendable {
    func indicators() async throws -> [Indicator]
    func upsertIndicator(_ i: Indicator) async throws
}

/// Reported indicator values, their workflow state and history.
public protocol IndicatorValueStore: Sendable {
    /// In one transaction: reads the current state of each key, lets `decide` (the workflow, a use-case rule) say
    /// what becomes of them, and stores that with a history entry each. A `decide` that throws stores nothing.
    func changeValues(_ keys: [ValueKey], decide: @Sendable ([ValueKey: ValueState]) throws -> [ValueChange]) async throws
    /// Values with one of `statuses` (none when it is empty).
    func values(indicator: String?, unit: String?, period: String?, statuses: [ValueStatus], limit: Int) async throws -> [StoredIndicatorValue]
    func history(_ key: ValueKey) async throws -> [ValueHistoryEntry]
    /// The unit's earlier values of an indicator (for outlier checks), oldest first.
    func unitHistory(indicator: String, unit: String, before period: String) async throws -> [Double]
    /// Changes whenever a value, its history, a target, the catalogue or an outline changes: what a cache of the
    /// indicator pages is keyed by.
    func indicatorVersion() async throws -> String
}

/// Targets of indicators, per unit and year.
public protocol TargetStore: Sendable {
    func targets(indicator: String?, unit: String?) async throws -> [IndicatorTarget]
    func upsertTarget(_ t: IndicatorTarget) async throws -> IndicatorTarget
}

extension StationStore {
    /// Every station, active or not, ordered by code (read page by page).
    public func allStations(pageSize: Int = 5000) async throws -> [Station] {
        var out: [Station] = []
        var cursor: String?
        repeat {
            let page = try await stations(after: cursor, limit: pageSize, kind: nil, province: nil)
            out += page
            cursor = page.count == pageSize ? page.last?.code : nil
        } while cursor != nil
        return out
    }
}

/// Who makes a request or runs a command: a machine key or a person, the role it acts in and its scope.
public struct Caller: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case key, user
        /// The command line: whoever holds the database (and the machine) is its operator.
        case `operator`
    }
    public var name: String
    public var role: String
    public var scope: AccessScope
    public var kind: Kind
    public init(name: String, role: String, scope: AccessScope = .province, kind: Kind = .key) {
        self.name = name
        self.role = role
        self.scope = scope
        self.kind = kind
    }
}

/// A key as `xanh key list` shows it (never its hash).
public struct APIKeyInfo: Sendable, Equatable {
    public var key: Caller
    public var createdAt: Int64
    public var revoked: Bool
    public var lastUsedAt: Int64?
    public init(key: Caller, createdAt: Int64, revoked: Bool, lastUsedAt: Int64? = nil) {
        self.key = key
        self.createdAt = createdAt
        self.revoked = revoked
        self.lastUsedAt = lastUsedAt
    }
}

/// A person's account as stored (the password only as its bcrypt hash).
public struct UserRecord: Sendable, Equatable {
    public var username: String
    public var name: String
    public var role: String
    public var scope: AccessScope
    public var passwordHash: String
    /// Set for a one-time password: the next login must choose a new one before anything else.
    public var mustChangePassword: Bool
    /// The TOTP secret, when the person has turned on a second factor.
    public var totpSecret: String?
    public var disabled: Bool
    public var createdAt: Int64
    public var lastLoginAt: Int64?
    public init(
        username: String, name: String, role: String, scope: AccessScope = .province, passwordHash: String, mustChangePassword: Bool = true,
        totpSecret: String? = nil, disabled: Bool = false, createdAt: Int64 = 0, lastLoginAt: Int64? = nil
    ) {
        self.username = username
        self.name = name
        self.role = role
        self.scope = scope
        self.passwordHash = passwordHash
        self.mustChangePassword = mustChangePassword
        self.totpSecret = totpSecret
        self.disabled = disabled
        self.createdAt = createdAt
        self.lastLoginAt = lastLoginAt
    }
}

/// A web session: the cookie's token is stored only as its SHA-256.
public struct SessionRecord: Sendable, Equatable {
    public var tokenHash: String
    public var username: String
    /// The token every state-changing form of this session carries.
    public var csrf: String
    public var createdAt: Int64
    public var expiresAt: Int64
    public var address: String
    public init(tokenHash: String, username: String, csrf: String, createdAt: Int64, expiresAt: Int64, address: String) {
        self.tokenHash = tokenHash
        self.username = username
        self.csrf = csrf
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.address = address
    }
}

/// Failed logins in a window: how many, and when the oldest of them was (for `Retry-After`).
public struct FailureWindow: Sendable, Equatable {
    public var count: Int
    public var oldest: Int64?
    public init(count: Int, oldest: Int64?) {
        self.count = count
        self.oldest = oldest
    }
}

/// Which audit entries to read.
public struct AuditFilter: Sendable, Equatable {
    public var actor: String?
    public var entity: String?
    public var entityKey: String?
    public var from: Int64?
    public var to: Int64?
    public init(actor: String? = nil, entity: String? = nil, entityKey: String? = nil, from: Int64? = nil, to: Int64? = nil) {
        self.actor = actor
        self.entity = entity
        self.entityKey = entityKey
        self.from = from
        self.to = to
    }
}

/// The state of a value as `IndicatorValueStore.changeValues` reads it.
public struct ValueState: Sendable, Equatable {
    public var status: ValueStatus
    public var value: Double?
    public var numerator: Double?
    public var denominator: Double?
    public init(status: ValueStatus, value: Double?, numerator: Double? = nil, denominator: Double? = nil) {
        self.status = status
        self.value = value
        self.numerator = numerator
        self.denominator = denominator
    }
}

/// What becomes of one value: its new fields (for a write) or only its new status (a transition), and the history
/// entry that records it.
public struct ValueChange: Sendable, Equatable {
    public var key: ValueKey
    public var status: ValueStatus
    /// New fields; nil keeps the stored ones (a transition).
    public var fields: (value: Double?, numerator: Double?, denominator: Double?)?
    public var by: String
    public var at: Int64
    /// `create`, `update`, `submit`, `approve`, `reopen`…
    public var action: String
    public var comment: String?

    public init(
        key: ValueKey, status: ValueStatus, fields: (value: Double?, numerator: Double?, denominator: Double?)?, by: String, at: Int64,
        action: String,
        comment: String?
    ) {
        self.key = key
        self.status = status
        self.fields = fields
        self.by = by
        self.at = at
        self.action = action
        self.comment = comment
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.key == b.key && a.status == b.status && a.by == b.by && a.at == b.at && a.action == b.action && a.comment == b.comment
            && a.fields?.value == b.fields?.value && a.fields?.numerator == b.fields?.numerator && a.fields?.denominator == b.fields?.denominator
    }
}

/// Every capability together: what the composition root builds and hands out piece by piece.
public typealias MonitoringStore = StationStore & FacilityStore & KeyStore & ObservationStore & AirQualityStore & DerivationStore
    & FileLedgerStore & QualityStore & StationEventStore & AlertRuleStore & AlertStateStore & OutboxStore & RetentionStore & AdminUnitStore
    & IndicatorCatalogueStore & IndicatorValueStore & TargetStore & AccountStore & AuditStore & PlanStore & SettingsStore & SampleStore
    & DisasterStore
    & StoreIdentity

/// Manual and laboratory water samples (decision 0019), keyed by station and time.
public protocol SampleStore: Sendable {
    /// Adds or replaces samples by station and time, all or none; answers how many were new.
    func upsertSamples(_ samples: [Sample], at: Int64) async throws -> Int
    /// Samples by station, campaign and time (from inclusive, to exclusive), by time then station, at most `limit`.
    func samples(station: String?, campaign: String?, from: Int64?, to: Int64?, limit: Int) async throws -> [Sample]
}

/// Disaster loss and damage records (decision 0020): one event with its effects per unit, by its id.
public protocol DisasterStore: Sendable {
    /// Changes an event in one transaction: `change` gets the stored one (nil when new) and answers the event to
    /// store with the action it was (`create`, `update`, `submit`, …) and its comment, or throws to store nothing;
    /// every change is kept in the event's history; the action `unchanged` writes nothing. Answers the stored event,
    /// whether it was new, and the action.
    func changeDisasterEvent(
        id: String, by: String, at: Int64, _ change: @Sendable (DisasterEvent?) throws -> (event: DisasterEvent, action: String, comment: String?)
    ) async throws -> (event: DisasterEvent, created: Bool, action: String)
    func disasterEvent(id: String) async throws -> DisasterEvent?
    /// Events that started in the range (from inclusive, to exclusive), of a kind and in the statuses, by start then
    /// id, at most `limit`.
    func disasterEvents(from: Int64?, to: Int64?, kind: HazardKind?, statuses: Set<ValueStatus>, limit: Int) async throws -> [DisasterEvent]
    /// An event's changes, oldest first.
    func disasterHistory(id: String) async throws -> [DisasterChange]
}

public struct DisasterChange: Codable, Sendable, Equatable {
    public var at: Int64
    public var by: String
    public var action: String
    public var oldStatus: ValueStatus?
    public var newStatus: ValueStatus
    public var comment: String?
    public init(at: Int64, by: String, action: String, oldStatus: ValueStatus?, newStatus: ValueStatus, comment: String?) {
        self.at = at
        self.by = by
        self.action = action
        self.oldStatus = oldStatus
        self.newStatus = newStatus
        self.comment = comment
    }
}

/// Settings changed while the server runs (`Limits.runtimeFlags`), kept so that a restart keeps them.
public protocol SettingsStore: Sendable {
    /// Every saved setting, by its flag.
    func savedSettings() async throws -> [String: SavedSetting]
    /// Saves a setting's value, or removes it (back to the value the server started with) when `value` is nil.
    func saveSetting(_ flag: String, value: String?, by: String, at: Int64) async throws
}

public struct SavedSetting: Sendable, Equatable {
    public var value: String
    public var changedBy: String
    public var changedAt: Int64
    public init(value: String, changedBy: String, changedAt: Int64) {
        self.value = value
        self.changedBy = changedBy
        self.changedAt = changedAt
    }
}

/// Agencies, plans, reporting obligations, their reports and the progress of tasks (decision 0016).
public protocol PlanStore: Sendable {
    func agencies() async throws -> [Agency]
    /// Adds or replaces agencies by id, all or none.
    func upsertAgencies(_ agencies: [Agency]) async throws
    /// Every plan, by id (plans are few: a province carries tens).
    func plans() async throws -> [Plan]
    func plan(id: String) async throws -> Plan?
    /// Adds or replaces a plan whole (its groups, tasks and target groups travel with it).
    func upsertPlan(_ plan: Plan) async throws
    func obligations() async throws -> [ReportingObligation]
    func upsertObligation(_ o: ReportingObligation) async throws
    /// Adds the reports that do not exist yet; existing ones are left as they are.
    func ensureReports(_ reports: [ReportInstance]) async throws
    /// Reports matching the filter, by obligation, period and agency.
    func reports(_ filter: ReportFilter) async throws -> [ReportInstance]
    /// Reads a report, lets `change` decide its new content, and stores it, in one transaction.
    func changeReport(id: String, _ change: @Sendable (ReportInstance) throws -> ReportInstance) async throws -> ReportInstance
    func progress(plan: String, period: String?) async throws -> [ProgressEntry]
    /// Adds or replaces entries by plan, task, period and agency, all or none.
    func upsertProgress(_ entries: [ProgressEntry]) async throws
    /// Keeps a file that shows a task's work, by its SHA-256 (the same file twice is one file).
    func addEvidence(_ file: EvidenceFile) async throws
    func evidence(sha256: String) async throws -> EvidenceFile?
    /// Records that a reminder digest went to a recipient on a day; false when one already had.
    func claimReminder(recipient: String, day: String, at: Int64) async throws -> Bool
    /// Gives a claim back (the digest could not be sent), so the next pass tries again.
    func releaseReminder(recipient: String, day: String) async throws
}

/// A file an agency attached to its progress (a signed report, photos, minutes), kept by content.
public struct EvidenceFile: Sendable, Equatable {
    /// Lowercase hex SHA-256 of `data`.
    public var sha256: String
    public var filename: String
    public var contentType: String
    public var data: Data
    public var uploadedBy: String
    public var uploadedAt: Int64
    public init(sha256: String, filename: String, contentType: String, data: Data, uploadedBy: String, uploadedAt: Int64) {
        self.sha256 = sha256
        self.filename = filename
        self.contentType = contentType
        self.data = data
        self.uploadedBy = uploadedBy
        self.uploadedAt = uploadedAt
    }
}

public struct ReportFilter: Sendable, Equatable {
    public var obligations: [String]?
    public var period: String?
    public var agency: String?
    public var stages: [ReportInstance.Stage]?
    public var limit: Int
    public init(obligations: [String]? = nil, period: String? = nil, agency: String? = nil, stages: [ReportInstance.Stage]? = nil, limit: Int = 5000)
    {
        self.obligations = obligations
        self.period = period
        self.agency = agency
        self.stages = stages
        self.limit = limit
    }
}
