import Foundation
import XanhCore
import XanhStore

/// Manual and laboratory samples: checked (`SampleRules`: parameters, units, detection limits, QC flags, QCVN 08,
/// VN_WQI), held to the caller's stations, and stored by station and time, all or none (decision 0019).
public struct SampleService: Sendable {
    let services: AppServices

    public var rules: SampleRules {
        SampleRules(parameters: services.reference.waterParameters, limits: services.reference.surfaceWaterLimits, wqi: services.reference.wqi)
    }

    /// Stores the samples (replacing any at the same station and time) and answers how many were new and what was
    /// stored; refused whole with every problem named (`/items/3/values/1/unit`), or 403 for stations outside the scope.
    public func store(
        _ samples: [Sample], scope: AccessScope = .province, lod: SampleRules.LODRule = .half, settings: VNWQI.Settings = .standard
    ) async throws -> (added: Int, stored: [Sample]) {
        let stations = Set(try await services.store.allStations().map(\.code))
        if let allowed = try await services.ingestor.stationsAllowed(scope) {
            let outside = Set(samples.map(\.station)).filter { stations.contains($0) && !allowed.contains($0) }
            if !outside.isEmpty { throw ScopeError(stations: outside.sorted()) }
        }
        let rules = self.rules
        var problems: [RegistryValidation.Problem] = []
        var checked: [Sample] = []
        var keys = Set<String>()
        for (i, s) in samples.enumerated() {
            let prefix = samples.count == 1 ? "" : "/items/\(i)"
            if !keys.insert(s.key).inserted {
                problems.append(.init(field: prefix + "/time", message: "a second sample at the same station and time in one request"))
            }
            switch rules.checked(s, knownStation: stations.contains(s.station), lod: lod, settings: settings) {
            case .success(let c): checked.append(c)
            case .failure(let p): problems += p.items.map { .init(field: prefix + $0.field, message: $0.message) }
            }
        }
        guard problems.isEmpty else { throw StoreError.invalid(Array(problems.prefix(100))) }
        return (try await services.store.upsertSamples(checked, at: services.clock()), checked)
    }
}

extension SampleService {
    /// Stores samples read from a sheet; a problem with a value names the cell it came from (`mau_nuoc!G7`).
    public func store(
        sheet reads: [SampleSheet.Read], scope: AccessScope = .province, lod: SampleRules.LODRule = .half, settings: VNWQI.Settings = .standard
    ) async throws -> (added: Int, stored: [Sample]) {
        do {
            return try await store(reads.map(\.sample), scope: scope, lod: lod, settings: settings)
        } catch StoreError.invalid(let problems) {
            throw RowProblems(problems.map { p in (origin: Self.origin(p.field, reads), message: p.message) })
        }
    }

    /// `/items/2/values/1/unit` (or `/values/1/unit` for one sample) as the cell of that value's row.
    static func origin(_ pointer: String, _ reads: [SampleSheet.Read]) -> String {
        let parts = pointer.split(separator: "/").map(String.init)
        var i = 0
        var rest = parts[...]
        if parts.first == "items", parts.count > 1, let n = Int(parts[1]) {
            i = n
            rest = parts.dropFirst(2)
        }
        guard i < reads.count else { return pointer }
        let read = reads[i]
        if rest.first == "values", rest.count > 1, let j = Int(rest[rest.startIndex + 1]), j < read.rows.count {
            let field = rest.count > 2 ? rest[rest.startIndex + 2] : "parameter"
            let key = field == "detectionLimit" ? "value" : field
            return read.rows[j].origins[key] ?? read.rows[j].origin
        }
        let field = rest.first ?? "station"
        return read.rows.first.map { $0.origins[field] ?? $0.origin } ?? pointer
    }
}

extension AppServices {
    public var samples: SampleService { SampleService(services: self) }
}

/// VN_WQI of an automatic surface-water station's hours or days, from the hourly means of what it measures
/// (decision 0019): flagged data are already out of the means; a day is the mean of its hours present (labelled as
/// VN_AQI's days, 01:00 to 24:00 local).
public struct AutomaticWQI: Sendable {
    let services: AppServices

    /// The station catalogue's codes as VN_WQI names (ammonium and the others as their N or P forms, as loggers send them).
    public static let names: [String: String] = [
        "pH": "pH", "DO": "DO", "Temp": "T", "BOD5": "BOD5", "COD": "COD", "TOC": "TOC", "NH4": "N-NH4", "NO3": "N-NO3", "PO4": "P-PO4",
        "As": "As", "Cu": "Cu", "Zn": "Zn",
    ]

    public struct Point: Sendable {
        public var t: Int64
        public var hours: Int
        public var result: VNWQI.Result
    }

    /// Every hour (or day) of the range with at least one value, computable or not.
    public func points(_ station: Station, from: Int64, to: Int64, day: Bool, settings: VNWQI.Settings = .standard) async throws -> [Point] {
        var byHour: [Int64: [String: Double]] = [:]
        for p in station.parameters {
            guard let name = Self.names[p.parameter] else { continue }
            for h in try await services.store.hourlySeries(station: station.code, parameter: p.parameter, from: from, to: to) {
                byHour[h.hourEnd, default: [:]][name] = h.mean
            }
        }
        let wqi = services.reference.wqi
        guard day else {
            return byHour.keys.sorted().compactMap { t in byHour[t].map { Point(t: t, hours: 1, result: wqi.compute($0, settings: settings)) } }
        }
        var byDay: [Int64: [[String: Double]]] = [:]
        for (t, values) in byHour { byDay[Timestamps.dayStart(ofHourEnd: t), default: []].append(values) }
        return byDay.keys.sorted().compactMap { d in
            guard let hours = byDay[d] else { return nil }
            var sums: [String: (Double, Int)] = [:]
            for h in hours { for (k, v) in h { sums[k] = ((sums[k]?.0 ?? 0) + v, (sums[k]?.1 ?? 0) + 1) } }
            let means = sums.mapValues { $0.0 / Double($0.1) }
            return Point(t: d, hours: hours.count, result: wqi.compute(means, settings: settings))
        }
    }
}

extension AppServices {
    public var automaticWQI: AutomaticWQI { AutomaticWQI(services: self) }
}
