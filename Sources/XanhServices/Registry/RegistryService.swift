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

    /// A subscription as it may be stored: a webhook to an address outside the server's own networks (unless
    /// `allowPrivate`), or an e-mail address. Refused with the field named.
    public static func subscription(
        rule: Int64?, channel: String?, target: String?, secret: String?, allowPrivate: Bool
    ) throws -> Subscription {
        guard let c = channel.flatMap(Channel.init(rawValue:)) else { throw InputError("/channel: must be webhook or email", pointer: "/channel") }
        guard let target, !target.isEmpty else { throw InputError("/target: is required", pointer: "/target") }
        if c == .webhook, let why = WebhookTarget.refusal(target, allowPrivate: allowPrivate) {
            throw InputError("/target: \(why) (XANH_ALLOW_PRIVATE_WEBHOOKS)", pointer: "/target")
        }
        if c == .email, !target.contains("@") { throw InputError("/target: '\(target)' is not an e-mail address", pointer: "/target") }
        return Subscription(rule: rule, channel: c, target: target, secret: secret.flatMap { $0.isEmpty ? nil : $0 })
    }

    func check(_ problems: [RegistryValidation.Problem]) throws {
        guard problems.isEmpty else { throw StoreError.invalid(problems) }
    }
}
