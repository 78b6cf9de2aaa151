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
