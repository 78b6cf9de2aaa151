/// What a rule watches.
public enum AlertRuleKind: String, Sendable, Codable, CaseIterable {
    /// A limit exceedance (QCVN 05 ambient, QCVN 19/40 facility).
    case exceedance
    /// Hourly VN_AQI at or above a value (a category's lower bound: 101, 151, 201, 301).
    case aqi
    /// A station silent longer than its threshold.
    case silent
    /// Device status 02 for at least `minutes`.
    case deviceError = "device_error"
}

/// Which stations a rule covers; empty lists cover everything.
public struct AlertScope: Sendable, Codable, Hashable {
    public var stations: [String]
    public var facilities: [Int64]
    public var provinces: [String]
    public init(stations: [String] = [], facilities: [Int64] = [], provinces: [String] = []) {
        self.stations = stations
        self.facilities = facilities
        self.provinces = provinces
    }
    public func covers(_ s: AlertSubject) -> Bool {
        if !stations.isEmpty && !stations.contains(s.station) { return false }
        if !facilities.isEmpty && !(s.facility.map(facilities.contains) ?? false) { return false }
        if !provinces.isEmpty && !provinces.contains(s.province) { return false }
        return true
    }
}

public struct AlertRule: Sendable, Codable, Hashable {
    public var id: Int64?
    public var name: String
    public var kind: AlertRuleKind
    public var scope: AlertScope
    /// `aqi`: the AQI at or above which the rule fires.
    public var aqiAtLeast: Int?
    /// `device_error`: minutes the error must last.
    public var minutes: Int?
    public var active: Bool

    public init(
        id: Int64? = nil, name: String, kind: AlertRuleKind, scope: AlertScope = .init(), aqiAtLeast: Int? = nil, minutes: Int? = nil,
        active: Bool = true
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.scope = scope
        self.aqiAtLeast = aqiAtLeast
        self.minutes = minutes
        self.active = active
    }

    /// Field problems.
    public func problems() -> [RegistryValidation.Problem] {
        var out: [RegistryValidation.Problem] = []
        if name.trimmingWhitespace().isEmpty { out.append(.init(field: "name", message: "must not be empty")) }
        if kind == .aqi, !(aqiAtLeast.map { (1...500).contains($0) } ?? false) {
            out.append(
                .init(field: "aqiAtLeast", message: "an aqi rule needs aqiAtLeast between 1 and 500 (101, 151, 201, 301 are the category bounds)"))
        }
        if kind == .deviceError, !(minutes.map { (1...10_080).contains($0) } ?? false) {
            out.append(.init(field: "minutes", message: "a device_error rule needs minutes between 1 and 10080"))
        }
        return out
    }
}

/// The station an alert concerns, as scopes see it.
public struct AlertSubject: Sendable, Hashable {
    public var station: String
    public var facility: Int64?
    public var province: String
    public init(station: String, facility: Int64?, province: String) {
        self.station = station
        self.facility = facility
        self.province = province
    }
}

/// Something that may raise an alert: an event (exceedance, silence, device error) or a station's latest AQI.
public struct AlertCondition: Sendable, Equatable {
    public var kind: AlertRuleKind
    /// Identity of the event (`exc:<series>:<period>:<start>`, `evt:<id>`) or, for AQI, of the station (`aqi:<station>`).
    public var subjectKey: String
    public var subject: AlertSubject
    public var parameter: String?
    public var start: Int64
    public var end: Int64?
    /// Still going on.
    public var open: Bool
    public var value: Double?
    public var limit: Double?
    public var standard: String?
    public init(
        kind: AlertRuleKind, subjectKey: String, subject: AlertSubject, parameter: String? = nil, start: Int64, end: Int64? = nil, open: Bool,
        value: Double? = nil, limit: Double? = nil, standard: String? = nil
    ) {
        self.kind = kind
        self.subjectKey = subjectKey
        self.subject = subject
        self.parameter = parameter
        self.start = start
        self.end = end
        self.open = open
        self.value = value
        self.limit = limit
        self.standard = standard
    }
}

/// An alert that is open in the store.
public struct OpenAlert: Sendable, Equatable {
    public var id: Int64
    public var rule: Int64
    public var subjectKey: String
    public init(id: Int64, rule: Int64, subjectKey: String) {
        self.id = id
        self.rule = rule
        self.subjectKey = subjectKey
    }
}

/// What to change: alerts to open (rule, condition) and to close (id, condition if still known).
public struct AlertDecisions: Sendable {
    public var open: [(rule: AlertRule, condition: AlertCondition)] = []
    public var close: [(id: Int64, condition: AlertCondition?)] = []
    public init() {}
}

public enum AlertEvaluator {
    /// Does the condition satisfy the rule (ignoring scope)?
    public static func fires(_ rule: AlertRule, _ c: AlertCondition) -> Bool {
        guard rule.active, rule.kind == c.kind, rule.scope.covers(c.subject) else { return false }
        switch rule.kind {
        case .exceedance, .silent: return true
        case .aqi: return (c.value ?? 0) >= Double(rule.aqiAtLeast ?? Int.max)
        case .deviceError:
            let end = c.end ?? c.start
            return end - c.start >= Int64((rule.minutes ?? 0) * 60)
        }
    }

    /// One alert per event: an open alert is kept while its condition fires and is open, and closed when it ends or
    /// stops firing; a condition that fires with no alert yet opens one, unless an alert for the same event was
    /// already raised (`raised`: rule and subject keys of alerts ever raised for events). An AQI episode may
    /// open again after it closed.
    public static func decide(
        rules: [AlertRule], conditions: [AlertCondition], open: [OpenAlert], raised: Set<String>
    ) -> AlertDecisions {
        var d = AlertDecisions()
        var bySubject: [String: AlertCondition] = [:]
        for c in conditions { bySubject[c.subjectKey] = c }
        let rulesByID = Dictionary(rules.compactMap { r in r.id.map { ($0, r) } }, uniquingKeysWith: { a, _ in a })
        var stillOpen = Set<String>()
        for a in open {
            let c = bySubject[a.subjectKey]
            if let c, let r = rulesByID[a.rule], c.open, fires(r, c) {
                stillOpen.insert("\(a.rule)|\(a.subjectKey)")
            } else {
                d.close.append((a.id, c))
            }
        }
        for r in rules {
            guard let id = r.id else { continue }
            for c in conditions where fires(r, c) {
                let key = "\(id)|\(c.subjectKey)"
                if stillOpen.contains(key) { continue }
                if c.kind != .aqi && raised.contains(key) { continue }
                if c.kind == .aqi && !c.open { continue }
                // An event that has already ended when first seen is still raised once (and closed at once).
                d.open.append((r, c))
                stillOpen.insert(key)
            }
        }
        return d
    }
}
