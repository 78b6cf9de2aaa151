import XanhCore
import Logging
import ServiceLifecycle
import XanhStore

/// Runs `work` every `interval` seconds until the application shuts down; a failed pass is logged and counted, and
/// the service waits longer after each failure in a row (up to a minute), so an outage of the database is survived
/// quietly and work resumes when it is back. Shutting down ends the loop normally.
public struct PollingService: Service {
    let name: String
    let interval: Double
    let logger: Logger
    let failures: (@Sendable () -> Void)?
    var health: HealthMonitor?
    var fault: (@Sendable (any Error) -> StoreFault?)?
    var clock: @Sendable () -> Int64 = { 0 }
    let work: @Sendable () async throws -> Void

    static let longestPause: Double = 60

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var pause = interval
            var failed = 0
            while !Task.isCancelled {
                do {
                    try await work()
                    if failed > 0 { logger.info("\(name) works again after \(failed) failed passes") }
                    failed = 0
                    pause = interval
                } catch {
                    // Only this task's own cancellation ends the loop: a CancellationError from below (a database
                    // call timed out by racing a timer, a pool torn down during a restart) is a failed pass like any
                    // other. Returning on it ended the service, and a service that returns ends the server (seen
                    // once in scripts/pg-fault-test during PostgreSQL restarts).
                    if Task.isCancelled { return }
                    failures?()
                    failed += 1
                    if let f = fault?(error) { health?.record(f, at: clock()) }
                    // The first failure is logged in full; then one line each time the pause doubles.
                    if failed == 1 || pause < Self.longestPause { logger.error("\(name) failed (\(failed) in a row): \(error)") }
                    pause = min(Self.longestPause, max(interval, pause * 2))
                }
                do { try await Task.sleep(for: .milliseconds(Int64(pause * 1000))) } catch { return }
            }
        }
    }

    /// The `Deriver` whenever there is pending work; after a pass that derived something, the alert engine at once.
    public static func derivation(_ services: AppServices, interval: Double, logger: Logger) -> PollingService {
        let counters = services.counters
        let (deriver, alerts, health) = (services.deriver, services.alertEngine, services.health)
        let store = services.store
        return PollingService(
            name: "derivation", interval: interval, logger: logger,
            failures: { counters.increment("xanh_derivation_failures_total", "Derivation passes that failed", 1) }, health: health,
            fault: { store.fault($0) }, clock: services.clock
        ) {
            let n = try await deriver.drain()
            if n > 0 {
                counters.increment("xanh_derivation_marks_total", "Dirty (series, hour) marks derived", Int64(n))
                health.recordSuccess()
                try await alerts.tick()
            }
        }
    }

    /// The alert engine (silence, alert decisions), then the dispatcher.
    public static func alerting(_ services: AppServices, _ dispatcher: AlertDispatcher, interval: Double, logger: Logger) -> PollingService {
        let engine = services.alertEngine
        let store = services.store
        return PollingService(
            name: "alerting", interval: interval, logger: logger, failures: nil, health: services.health, fault: { store.fault($0) },
            clock: services.clock
        ) {
            try await engine.tick()
            try await dispatcher.deliverDue()
        }
    }
}

extension PollingService {
    /// Report reminders and escalation: today's digests, once per address per day.
    public static func reminders(_ services: AppServices, smtp: SMTPConfig?, interval: Double, logger: Logger) -> PollingService {
        let store = services.store
        let reminders = Reminders(services: services, smtp: smtp, logger: logger)
        return PollingService(
            name: "reminders", interval: interval, logger: logger, failures: nil, health: services.health, fault: { store.fault($0) },
            clock: services.clock
        ) { try await reminders.send() }
    }
}

extension PollingService {
    /// `serve --demo`: the demo network keeps sending, every five minutes.
    public static func demoFeed(_ services: AppServices, logger: Logger) -> PollingService {
        let store = services.store
        return PollingService(
            name: "demo feed", interval: Double(DemoNetwork.interval), logger: logger, failures: nil, health: nil, fault: { store.fault($0) },
            clock: services.clock
        ) { _ = try await DemoLoader.feed(services: services) }
    }
}

/// Watches the Circular 10 drop folder.
public struct DropFolderService: Service {
    let folder: DropFolder
    public init(folder: DropFolder) { self.folder = folder }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await folder.run() }
    }
}

/// Wakes tasks waiting for news (the SSE streams when alerts change); a waiter also wakes after its timeout.
public actor Wakeup {
    private var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    private var next = 0

    public init() {}

    public func wait(seconds: Double) async {
        let id = next
        next += 1
        await withCheckedContinuation { c in
            waiters[id] = c
            Task {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                self.fire(id)
            }
        }
    }

    private func fire(_ id: Int) { waiters.removeValue(forKey: id)?.resume() }

    public func notifyAll() {
        let all = waiters
        waiters = [:]
        for c in all.values { c.resume() }
    }
}

extension PollingService {
    /// A loop of `work` on its own (the server's services use the named constructors above).
    public init(name: String, interval: Double, logger: Logger, work: @escaping @Sendable () async throws -> Void) {
        self.init(name: name, interval: interval, logger: logger, failures: nil, work: work)
    }
}
