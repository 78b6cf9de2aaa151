import Foundation
import XanhCore
import XanhStore

/// Indicators computed from the monitoring data, not typed: per current province and year,
/// - `MON.AQI-DAYS`: days with a daily VN_AQI above 100, averaged over the province's air stations;
/// - `MON.STATIONS-80`: share of the province's stations that received ≥ 80 % of their expected records
///   (expected over the part of the year the station existed, from its first record);
/// - `MON.EXCEED-DAYS`: station-days with a QCVN exceedance (ambient, emission or wastewater limits).
/// They are stored as approved values by `monitoring`, replacing earlier computations.
public struct MonitoringIndicators: Sendable {
    let services: AppServices

    public init(services: AppServices) { self.services = services }

    public func compute(year: Int) async throws -> Int {
        let from = Timestamps.daysFromCivil(year: Int64(year), month: 1, day: 1) * 86_400 - Timestamps.vietnamOffset
        let to = min(services.clock(), Timestamps.daysFromCivil(year: Int64(year) + 1, month: 1, day: 1) * 86_400 - Timestamps.vietnamOffset)
        let stations = try await services.store.allStations()
        var aqiDays: [String: [Double]] = [:]
        var transmitting: [String: [Double]] = [:]
        var exceedDays: [String: Set<String>] = [:]
        for s in stations where !s.province.isEmpty {
            if s.kind == .ambientAir {
                let daily = try await services.store.aqiSeries(station: s.code, scale: .vn, resolution: .day, from: from, to: to)
                if !daily.isEmpty { aqiDays[s.province, default: []].append(Double(daily.filter { $0.result.aqi > 100 }.count)) }
            }
            let counts = try await services.store.hourCounts(station: s.code, from: from, to: to)
            var received = 0.0
            var expected = 0.0
            for c in counts {
                guard let first = c.counts.map(\.hourEnd).min() else { continue }
                received += Double(c.counts.reduce(0) { $0 + $1.received })
                expected += Double(max(1, (to - first) / 3600 + 1)) * 3600 / Double(c.interval)
            }
            if expected > 0 { transmitting[s.province, default: []].append(received / expected >= 0.8 ? 100 : 0) }
        }
        let provinceOf = Dictionary(stations.map { ($0.code, $0.province) }, uniquingKeysWith: { a, _ in a })
        var after: Int64?
        repeat {
            let page = try await services.store.exceedances(station: nil, from: from, to: to, afterID: after, limit: 5000)
            for e in page {
                guard let province = provinceOf[e.station], !province.isEmpty else { continue }
                exceedDays[province, default: []].insert("\(e.station) \(Timestamps.localDate(e.event.start))")
            }
            after = page.count == 5000 ? page.last?.id : nil
        } while after != nil
        var rows: [IndicatorValueWrite] = []
        func add(_ code: String, _ province: String, _ v: Double) {
            rows.append(
                IndicatorValueWrite(
                    indicator: code, unit: province, period: String(year), value: v, numerator: nil, denominator: nil, origin: "monitoring"))
        }
        for (p, days) in aqiDays { add("MON.AQI-DAYS", p, days.reduce(0, +) / Double(days.count)) }
        for (p, shares) in transmitting { add("MON.STATIONS-80", p, shares.reduce(0, +) / Double(shares.count)) }
        for p in Set(stations.map(\.province)) where !p.isEmpty { add("MON.EXCEED-DAYS", p, Double(exceedDays[p]?.count ?? 0)) }
        guard !rows.isEmpty else { return 0 }
        let keys = rows.map { ValueKey(indicator: $0.indicator, unit: $0.unit, period: $0.period) }
        // Recomputation replaces: reopen what an earlier run approved, write, approve.
        let existing = try await services.store.values(indicator: nil, unit: nil, period: String(year), statuses: [.approved], limit: 1_000_000)
        let approvedKeys = Set(existing.map { ValueKey(indicator: $0.indicator, unit: $0.unit, period: $0.period) }).intersection(keys)
        let now = services.clock()
        if !approvedKeys.isEmpty {
            try await services.indicators.transition(
                Array(approvedKeys), action: .reopen, approver: true, by: "monitoring", comment: "recomputed from monitoring data", at: now)
        }
        try await services.indicators.write(rows, status: .submitted, by: "monitoring", at: now)
        try await services.indicators.transition(keys, action: .approve, approver: true, by: "monitoring", comment: nil, at: now)
        return rows.count
    }
}
