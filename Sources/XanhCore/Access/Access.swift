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
        case .monitoringOfficer: return [.publicRead, .internalRead, .observe, .registry, .quality, .alerts]
        case .facilityOperator: return [.publicRead, .observe]
        case .reporter: return [.publicRead, .internalRead, .report]
        case .approver: return [.publicRead, .internalRead, .report, .approve]
        case .leader: return [.publicRead, .internalRead]
        }
    }

    public func may(_ p: Permission) -> Bool { permissions.contains(p) }
}

/// Where a key or a person acts: the whole province, or one facility's stations, or named stations.
public struct AccessScope: Sendable, Equatable, Codable {
    /// The facility whose stations the holder may write for.
    public var facility: Int64?
    /// Station codes the holder may write for (besides the facility's).
    public var stations: [String]

    public init(facility: Int64? = nil, stations: [String] = []) {
        self.facility = facility
        self.stations = stations
    }

    public static let province = AccessScope()
    public var isProvince: Bool { facility == nil && stations.isEmpty }

    /// Whether a station (by its code and facility) lies in the scope.
    public func covers(station code: String, facility stationFacility: Int64?) -> Bool {
        if isProvince { return true }
        if stations.contains(code) { return true }
        if let facility, stationFacility == facility { return true }
        return false
    }
}
