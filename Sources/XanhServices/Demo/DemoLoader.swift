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
        let directory = try await store.seriesDirectory()
        let catalogue = services.reference.parameters
        var chunks: [[ValidObservation]] = []
        DemoNetwork.generate(end: services.clock()) { rows in
            // The demo's rows name the stations and parameters it registered just above.
            chunks.append(
                rows.compactMap { r in
                    guard let series = directory.stations[r.station]?.series, let p = catalogue.resolve(r.parameter, among: series.keys),
                        let id = series[p.code]
                    else { return nil }
                    return ValidObservation(
                        seriesID: id, t: r.t, value: r.value, status: r.status,
                        qc: QualityControl.flag(value: r.value, status: r.status, parameter: p))
                })
        }
        var total = 0
        for c in chunks { total += try await store.ingest(c).accepted }
        try await services.deriver.drain()
        _ = try await DemoIndicatorLoader.load(services: services)
        _ = try await DemoPlanLoader.load(services: services)
        return total
    }
}
