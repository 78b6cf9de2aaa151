/// Who may do what: roles, the permissions each holds, and the scope a key or a person acts within. Pure data; the
/// HTTP layer's policy table maps every route to one permission and decides before any handler runs.
public enum Permission: String, Sendable, CaseIterable, Codable {
    /// Anyone, without credentials: published data only.
    case publicRead = "public"
    /// Unpublished data in scope: draft and submitted values, subscribers' addresses, the keys' list.
    case internalRead = "internal"
    /// Observations in, within the caller's stations.
    case observe
    /// Stations, facilities, file mappings, SensorThings entities other than Observations.
    case registry
    /// QC overrides.
    case quality
    /// Alert rules and subscriptions.
    case alerts
    /// Indicator values: draft and submit.
    case report
    /// Approve, send back, reopen; compute the monitoring-derived indicators.
    case approve
    /// The indicator catalogue and targets.
    case catalogue
    /// Agencies, plans with their tasks, and reporting obligations.
    case plans
    /// The audit log.
    case audit
    /// One's own account (every role; not the public).
    case account
    /// Keys, users, settings.
    case admin
}

/// The roles the provincial plans' actors take.
public enum Role: String, Sendable, CaseIterable, Codable {
    case admin
    case monitoringOfficer = "monitoring_officer"
    case facilityOperator = "facility_operator"
    case reporter
    case approver
    case leader

    /// A role by its name; `editor`, the role of keys made before roles existed (they could write everything but
    /// approve), is read as `admin`, which holds exactly that, so that no existing key loses or gains a right on
    /// upgrade (decision 0014).
    public init?(name: String) {
        if name == "editor" {
            self = .admin
        } else if let r = Role(rawValue: name) {
            self = r
        } else {
            return nil
        }
    }

    public var permissions: Set<Permission> {
        switch self {
        // Every permission but approval: who approves values is a duty of its own (an admin who could approve
        // would also run the keys that record who approved).
        case .admin: return Set(Permission.allCases).subtracting([.approve])
        case .monitoringOfficer: return [.publicRead, .account, .internalRead, .observe, .registry, .quality, .alerts]
        case .facilityOperator: return [.publicRead, .account, .observe]
        case .reporter: return [.publicRead, .account, .internalRead, .report]
        // The environment department approves, consolidates and keeps the plans.
        case .approver: return [.publicRead, .account, .internalRead, .report, .approve, .plans]
        case .leader: return [.publicRead, .account, .internalRead, .audit]
        }
    }

    public func may(_ p: Permission) -> Bool { permissions.contains(p) }
}

/// Where a key or a person acts: the whole province, or one facility's stations, or named stations; for reporting
/// and approving, one administrative unit (and the units under it) or one agency.
public struct AccessScope: Sendable, Equatable, Codable {
    /// The facility whose stations the holder may write for.
    public var facility: Int64?
    /// Station codes the holder may write for (besides the facility's).
    public var stations: [String]
    /// The administrative unit (its id) whose indicator values the holder reports or approves.
    public var unit: String?
    /// The agency the holder belongs to (a department, a commune's People's Committee, an enterprise).
    public var agency: String?

    public init(facility: Int64? = nil, stations: [String] = [], unit: String? = nil, agency: String? = nil) {
        self.facility = facility
        self.stations = stations
        self.unit = unit
        self.agency = agency
    }

    public static let province = AccessScope()
    /// No limit of any kind.
    public var isProvince: Bool { !limitsStations && unit == nil && agency == nil }
    /// Whether writes of observations are limited to some stations.
    public var limitsStations: Bool { facility != nil || !stations.isEmpty }

    /// Whether a station (by its code and facility) lies in the scope.
    public func covers(station code: String, facility stationFacility: Int64?) -> Bool {
        if !limitsStations { return true }
        if stations.contains(code) { return true }
        if let facility, stationFacility == facility { return true }
        return false
    }

    /// Whether a unit lies in the scope: the scope's unit itself or one under it (`ancestors`: the unit's parents,
    /// nearest first).
    public func covers(unit id: String, ancestors: [String]) -> Bool {
        guard let unit else { return true }
        return id == unit || ancestors.contains(unit)
    }

    /// How `xanh key list` and `xanh user list` show it; a page passes its own words for `facility`, `stations`,
    /// `unit`, `agency` and `province`.
    public func summary(words: (String) -> String = { $0 }, separator: String = "; ", list: String = ",") -> String {
        var parts: [String] = []
        if let facility { parts.append("\(words("facility")) \(facility)") }
        if !stations.isEmpty { parts.append(words("stations") + " " + stations.joined(separator: list)) }
        if let unit { parts.append("\(words("unit")) \(unit)") }
        if let agency { parts.append("\(words("agency")) \(agency)") }
        return parts.isEmpty ? words("province") : parts.joined(separator: separator)
    }
}
