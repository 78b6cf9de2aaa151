import XanhCore
import XanhStore

/// Watches for silent stations and turns events into alerts, one per event, with their deliveries queued in the
/// same transaction (the outbox). Stateless between ticks: everything it knows is in the store, so a restart
/// neither loses nor repeats an alert.
public actor AlertEngine {
    let store: any AlertRuleStore & AlertStateStore & StationEventStore
    let clock: @Sendable () -> Int64
    /// Events that ended longer ago than this are not alerted on (a backfill of old data raises nothing).
    let horizon: Int64
    /// Called after a pass that opened or closed alerts (wakes the SSE streams).
    let onChange: @Sendable () -> Void
    private var running = false
    private var again = false

    public init(
        store: any AlertRuleStore & AlertStateStore & StationEventStore, horizon: Int64 = 2 * 86_400, clock: @escaping @Sendable () -> Int64,
        onChange: @escaping @Sendable () -> Void = {}
    ) {
        self.store = store
        self.clock = clock
        self.horizon = horizon
        self.onChange = onChange
    }

    /// Opens and closes silence events. Returns the number of changes.
    @discardableResult
    public func checkSilence() async throws -> Int {
        let now = clock()
        var changes = 0
        for a in try await store.stationActivity() {
            let silent = StationHealth.isSilent(lastRecord: a.lastRecord, registered: a.registered, threshold: a.silenceAfter, now: now)
            if silent, a.silentSince == nil {
                try await store.openSilence(stationID: a.stationID, start: a.lastRecord ?? a.registered)
                changes += 1
            } else if !silent, a.silentSince != nil {
                try await store.closeSilence(stationID: a.stationID)
                changes += 1
            }
        }
        return changes
    }

    /// One pass: silence, then alert decisions. Returns (opened, closed).
    ///
    /// Passes never overlap (the actor would interleave them at each `await`, and two overlapping passes could both
    /// open the same alert): a call during a pass makes that pass run once more and returns (0, 0).
    @discardableResult
    public func tick() async throws -> (opened: Int, closed: Int) {
        if running {
            again = true
            return (0, 0)
        }
        running = true
        defer { running = false }
        var total = (opened: 0, closed: 0)
        repeat {
            again = false
            let r = try await pass()
            total = (total.opened + r.opened, total.closed + r.closed)
        } while again
        if total.opened + total.closed > 0 { onChange() }
        return total
    }

    private func pass() async throws -> (opened: Int, closed: Int) {
        try await checkSilence()
        let now = clock()
        let rules = try await store.rules().filter(\.active)
        let open = try await store.openAlerts()
        guard !rules.isEmpty || !open.isEmpty else { return (0, 0) }
        let conditions = try await store.alertConditions(since: now - horizon)
        let raised = try await store.raisedKeys(subjects: conditions.filter { $0.kind != .aqi }.map(\.subjectKey))
        let d = AlertEvaluator.decide(rules: rules, conditions: conditions, open: open, raised: raised)
        try await store.applyAlerts(d, at: now)
        return (d.open.count, d.close.count)
    }
}
