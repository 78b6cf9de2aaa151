import Foundation
import XanhCore
import XanhStore

/// The use cases of one running Xanh over one store, built once by the composition root (the `xanh` executable or a
/// test) and handed out piece by piece: a controller or a command takes only what it uses.
public struct AppServices: Sendable {
    public var store: any MonitoringStore
    public var reference: ReferenceData
    /// Bounds on what comes in (docs/operations.md, "Limits"), as they are now: the runtime settings
    /// (`Limits.runtimeFlags`) change while the server runs (`SettingsService`), and every copy of these services sees it.
    public var limits: Limits { current.get() }
    /// The limits the server started with (defaults, environment and flags), before any saved runtime setting.
    public let startLimits: Limits
    let current: Locked<Limits>
    /// Current time in UTC seconds; tests pin it.
    public var clock: @Sendable () -> Int64
    /// Database faults met lately, for `/health`.
    public var health = HealthMonitor()
    /// Where counts go (Prometheus in the server).
    public var counters: Counters
    public var deriver: Deriver
    public var alertEngine: AlertEngine
    /// Rung when alerts open or close.
    public var alertWakeup: Wakeup

    public init(
        store: any MonitoringStore, reference: ReferenceData, limits: Limits = Limits(), counters: Counters = .none,
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.reference = reference
        startLimits = limits
        current = Locked(limits)
        self.counters = counters
        self.clock = clock
        deriver = Deriver(store: store, reference: reference, clock: clock)
        let wakeup = Wakeup()
        alertWakeup = wakeup
        alertEngine = AlertEngine(store: store, clock: clock, onChange: { Task { await wakeup.notifyAll() } })
    }

    public var ingestor: ObservationIngestor {
        ObservationIngestor(
            stations: store, observations: store, catalogue: reference.parameters, limits: limits, health: health, counters: counters, clock: clock)
    }

    public var indicators: IndicatorService { IndicatorService(store: store) }

    public var settings: SettingsService { SettingsService(services: self) }

    public var accounts: AccountService { AccountService(store: store, limits: limits, clock: clock) }

    public var keys: KeyService { KeyService(store: store) }

    public var alertDesk: AlertDesk { AlertDesk(services: self) }

    public var audit: AuditLog { AuditLog(store: store, clock: clock) }

    public var plans: PlanService { PlanService(store: store, calendar: reference.calendar, clock: clock) }

    public var registry: RegistryService { RegistryService(stations: store, facilities: store, rules: store, reference: reference) }
}
