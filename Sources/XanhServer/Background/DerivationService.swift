import Logging
import Prometheus
import ServiceLifecycle
import XanhStore

/// Runs the `Deriver` whenever there is pending work, polling every `interval` seconds; stops with the application.
struct DerivationService: Service {
    let deriver: Deriver
    let interval: Double
    let metrics: PrometheusCollectorRegistry
    let logger: Logger

    func run() async throws {
        let processed = metrics.makeCounter(name: "xanh_derivation_marks_total", help: "Dirty (series, hour) marks derived")
        let failures = metrics.makeCounter(name: "xanh_derivation_failures_total", help: "Derivation passes that failed")
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let n = try await deriver.drain()
                    if n > 0 { processed.increment(by: Int64(n)) }
                } catch {
                    failures.increment()
                    logger.error("derivation failed: \(error)")
                }
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
        }
    }
}

/// Runs the alert engine (silence, alert decisions) and then the dispatcher, every `interval` seconds.
struct AlertService: Service {
    let engine: AlertEngine
    let dispatcher: AlertDispatcher
    let interval: Double
    let logger: Logger

    func run() async throws {
        try await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await engine.tick()
                    try await dispatcher.deliverDue()
                } catch {
                    logger.error("alerting failed: \(error)")
                }
                try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            }
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
