import XanhCore
import XanhStore

/// The demo network: a facility, its stations and 30 days of data up to now, derived, with the demo indicators.
public enum DemoLoader {
    /// Loads the demo network if the database has no station and no observation. Returns rows added.
    public static func load(services: AppServices) async throws -> Int {
        let store = services.store
        let registry = services.registry
        let observations = try await store.observationCount()
        let stations = try await store.stations(after: nil, limit: 1, kind: nil, province: nil)
        guard observations == 0, stations.isEmpty else { return 0 }
        let facility = try await registry.createFacility(DemoNetwork.facility)
        for s in DemoNetwork.stations(facilityID: facility.id) { _ = try await registry.createStation(s) }
        var chunks: [[ValidObservation]] = []
        let convert = try await converter(services)
        DemoNetwork.generate(end: services.clock()) { chunks.append(convert($0)) }
        var total = 0
        for c in chunks { total += try await store.ingest(c).accepted }
        try await services.deriver.drain()
        for r in DemoNetwork.alertRules { _ = try await registry.createRule(r) }
        _ = try await DemoIndicatorLoader.load(services: services)
        _ = try await DemoPlanLoader.load(services: services)
        // Surface water: sampling points and a year of quarterly samples (decision 0019).
        for s in DemoWater.stations() { _ = try await registry.createStation(s) }
        _ = try await services.samples.store(DemoWater.samples(end: services.clock()))
        try await loadDisasters(services: services)
        return total
    }

    /// Two past floods in Lạng Sơn, approved, in a few demo communes (decision 0020).
    public static func loadDisasters(services: AppServices) async throws {
        try await services.store.upsertUnits(DemoDisasters.communes)
        for e in try DemoDisasters.events() {
            _ = try await services.disasters.put(e, scope: .province, submit: true, by: "demo")
            _ = try await services.disasters.act(id: e.id, .approve, approver: true, comment: nil, scope: .province, by: "demo")
        }
    }

    /// The demo's rows as the store takes them: the stations and parameters the demo registered, QC-flagged.
    static func converter(_ services: AppServices) async throws -> @Sendable ([DemoNetwork.Row]) -> [ValidObservation] {
        let directory = try await services.store.seriesDirectory()
        let catalogue = services.reference.parameters
        return { rows in
            rows.compactMap { r in
                guard let series = directory.stations[r.station]?.series, let p = catalogue.resolve(r.parameter, among: series.keys),
                    let id = series[p.code]
                else { return nil }
                return ValidObservation(
                    seriesID: id, t: r.t, value: r.value, status: r.status, qc: QualityControl.flag(value: r.value, status: r.status, parameter: p))
            }
        }
    }

    /// The demo's live feed: the rows since the demo's latest (at most two days back) up to now, through ingest, so
    /// `serve --demo` stays current however long it runs or however long it was stopped. Returns rows added.
    public static func feed(services: AppServices) async throws -> Int {
        let now = services.clock()
        guard let last = try await services.store.latestValues(station: "HN-NKT")["PM2.5"]?.t else { return 0 }
        let after = max(last, now - 2 * Timestamps.day)
        guard now - after >= Int64(DemoNetwork.interval) else { return 0 }
        let convert = try await converter(services)
        var total = 0
        var batches: [[ValidObservation]] = []
        DemoNetwork.generate(end: now, days: 3, after: after) { rows in batches.append(convert(rows.filter { $0.t > after })) }
        for b in batches where !b.isEmpty { total += try await services.store.ingest(b).accepted }
        return total
    }
}
