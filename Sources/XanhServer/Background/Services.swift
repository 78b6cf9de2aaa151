import Logging
import Prometheus
import ServiceLifecycle
import XanhStore

/// Runs `work` every `interval` seconds until the application shuts down; a failed pass is logged and counted.
struct PollingService: Service {
    let name: String
    let interval: Double
    let logger: Logger
    let failures: Counter?
    let work: @Sendable () async throws -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await work()
                } catch {
                    failures?.increment()
                    logger.error("\(name) failed: \(error)")
                }
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }
    }

    /// The `Deriver` whenever there is pending work; after a pass that derived something, the alert engine at once.
    static func derivation(
        _ deriver: Deriver, alerts: AlertEngine, interval: Double, metrics: PrometheusCollectorRegistry, logger: Logger
    ) -> PollingService {
        let processed = metrics.makeCounter(name: "xanh_derivation_marks_total", help: "Dirty (series, hour) marks derived")
        let failures = metrics.makeCounter(name: "xanh_derivation_failures_total", help: "Derivation passes that failed")
        return PollingService(name: "derivation", interval: interval, logger: logger, failures: failures) {
            let n = try await deriver.drain()
            if n > 0 {
                processed.increment(by: Int64(n))
                try await alerts.tick()
            }
        }
    }

    /// The alert engine (silence, alert decisions), then the dispatcher.
    static func alerting(_ engine: AlertEngine, _ dispatcher: AlertDispatcher, interval: Double, logger: Logger) -> PollingService {
        PollingService(name: "alerting", interval: interval, logger: logger, failures: nil) {
            try await engine.tick()
            try await dispatcher.deliverDue()
        }
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
