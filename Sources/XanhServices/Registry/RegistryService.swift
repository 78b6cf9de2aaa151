import XanhCore
import XanhStore

/// The registry's rules: what a station, a facility, an alert rule or a subscription must satisfy before it is
/// stored (the store checks only what the data itself says, such as whether a facility exists).
public struct RegistryService: Sendable {
    let stations: any StationStore
    let facilities: any FacilityStore
    let rules: any AlertRuleStore
    let reference: ReferenceData

    public init(stations: any StationStore, facilities: any FacilityStore, rules: any AlertRuleStore, reference: ReferenceData) {
        self.stations = stations
        self.facilities = facilities
        self.rules = rules
        self.reference = reference
    }

    /// The station with its fields checked and its parameters under their catalogue codes.
    public func validated(_ s: Station) throws -> Station {
        let problems = RegistryValidation.check(
            s, catalogue: reference.parameters, provinces: reference.provinceCodes, facilityLimits: reference.facilityLimits)
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
        var out = s
        out.parameters = s.parameters.compactMap { p in
            reference.parameters.lookup(p.parameter, kind: s.kind).map { StationParameter(parameter: $0.code, interval: p.interval) }
        }
        return out
    }

    public func createStation(_ s: Station) async throws -> Station { try await stations.createStation(try validated(s)) }
    public func updateStation(_ s: Station) async throws -> Station { try await stations.updateStation(try validated(s)) }

    public func createFacility(_ f: Facility) async throws -> Facility {
        try check(RegistryValidation.check(f, provinces: reference.provinceCodes))
        return try await facilities.createFacility(f)
    }

    public func updateFacility(_ f: Facility) async throws -> Facility {
        try check(RegistryValidation.check(f, provinces: reference.provinceCodes))
        return try await facilities.updateFacility(f)
    }

    public func createRule(_ r: AlertRule) async throws -> AlertRule {
        try check(r.problems())
        return try await rules.createRule(r)
    }

    func check(_ problems: [RegistryValidation.Problem]) throws {
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
    }
}
