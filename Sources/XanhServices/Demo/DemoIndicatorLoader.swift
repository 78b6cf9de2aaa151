import Foundation
import XanhCore
import XanhStore

/// Loads the demo indicator data into an empty indicator database: values (approved), targets, and the indicators
/// computed from the demo monitoring data for the current year.
public enum DemoIndicatorLoader {
    public static func load(services: AppServices) async throws -> Int {
        guard try await services.store.values(indicator: nil, unit: nil, period: nil, statuses: ValueStatus.allCases, limit: 1).isEmpty else {
            return 0
        }
        let service = services.indicators
        let inputs = DemoIndicators.values(
            units: try await services.store.adminUnits(), indicators: Array(try await service.catalogue().values),
            indexes: try IndexCatalogue.bundled().indexes)
        let now = services.clock()
        let n = try await service.submit(inputs, status: .submitted, by: "demo", at: now)
        let keys = try await services.store.values(indicator: nil, unit: nil, period: nil, statuses: [.submitted], limit: 1_000_000).map {
            ValueKey(indicator: $0.indicator, unit: $0.unit, period: $0.period)
        }
        try await service.transition(keys, action: .approve, approver: true, by: "demo", comment: nil, at: now)
        for t in DemoIndicators.targets { _ = try await services.store.upsertTarget(t) }
        let year = Timestamps.localYear(now)
        return n + (try await MonitoringIndicators(services: services).compute(year: year))
    }
}
