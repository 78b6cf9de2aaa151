import Foundation

/// Disaster loss and damage records (decision 0020, proposed): one event, its effects per administrative unit, as
/// Joint Circular 43/2015 counts them and DesInventar's datacard holds them; totals by unit, kind and period; the
/// Sendai Framework indicators from the totals and the unit's population and GDP. Pure: the store and the API
/// follow (issue 19).
public enum HazardKind: String, Codable, Sendable, CaseIterable {
    case flood, flashFlood = "flash_flood", landslide, storm, tropicalDepression = "tropical_depression", whirlwind, lightning, hail
    case heavyRain = "heavy_rain", drought, salineIntrusion = "saline_intrusion", heatWave = "heat_wave", coldSpell = "cold_spell"
    case riverbankErosion = "riverbank_erosion", forestFire = "forest_fire", earthquake, other

    public var nameVi: String {
        switch self {
        case .flood: return "Lũ, ngập lụt"
        case .flashFlood: return "Lũ quét"
        case .landslide: return "Sạt lở đất"
        case .storm: return "Bão"
        case .tropicalDepression: return "Áp thấp nhiệt đới"
        case .whirlwind: return "Lốc"
        case .lightning: return "Sét"
        case .hail: return "Mưa đá"
        case .heavyRain: return "Mưa lớn"
        case .drought: return "Hạn hán"
        case .salineIntrusion: return "Xâm nhập mặn"
        case .heatWave: return "Nắng nóng"
        case .coldSpell: return "Rét hại"
        case .riverbankErosion: return "Sạt lở bờ sông, bờ biển"
        case .forestFire: return "Cháy rừng do tự nhiên"
        case .earthquake: return "Động đất"
        case .other: return "Khác"
        }
    }
}

/// The reports Circular 43/2015 asks for about an event.
public enum DisasterReportKind: String, Codable, Sendable, CaseIterable {
    case quick24h = "quick_24h", daily, eventSummary = "event_summary", sixMonth = "six_month", annual, adHoc = "ad_hoc"
}

/// Houses by structure class (kiên cố, bán kiên cố, thiếu kiên cố, đơn sơ) and damage level.
public enum HouseStructure: String, Codable, Sendable, CaseIterable {
    case permanent, semiPermanent = "semi_permanent", nonPermanent = "non_permanent", makeshift
}

/// Damage levels: destroyed (> 70 %, swept away), very heavy (50–70 %), heavy (30–50 %), partial (< 30 %).
public enum DamageLevel: String, Codable, Sendable, CaseIterable { case destroyed, veryHeavy = "very_heavy", heavy, partial }

public struct HouseDamage: Codable, Sendable, Equatable {
    public var structure: HouseStructure
    public var level: DamageLevel
    public var count: Int
    public init(structure: HouseStructure, level: DamageLevel, count: Int) {
        self.structure = structure
        self.level = level
        self.count = count
    }
}

/// What an event did in one administrative unit. Counts are people unless named otherwise; losses in VND.
public struct DisasterEffect: Codable, Sendable, Equatable {
    public var unit: String
    public var dead = 0
    public var missing = 0
    public var injured = 0
    public var affectedHouseholds = 0
    public var affectedPeople = 0
    public var evacuated = 0
    /// People whose livelihoods were disrupted (Sendai B-5), when the report counts them.
    public var livelihoodsDisrupted: Int?
    public var houses: [HouseDamage] = []
    public var schools = 0
    public var healthFacilities = 0
    public var culturalWorks = 0
    /// Crops damaged, in hectares; livestock and poultry lost, in head.
    public var cropsHa = 0.0
    public var livestock = 0
    public var poultry = 0
    /// Roads and irrigation works damaged, in metres.
    public var roadsM = 0.0
    public var irrigationM = 0.0
    public var otherInfrastructure: String?
    /// Direct economic loss, and its part in agriculture (Sendai C-1, C-2).
    public var lossVND = 0.0
    public var agricultureLossVND = 0.0

    public init(unit: String) { self.unit = unit }

    enum CodingKeys: String, CodingKey {
        case unit, dead, missing, injured, affectedHouseholds, affectedPeople, evacuated, livelihoodsDisrupted, houses, schools
        case healthFacilities, culturalWorks, cropsHa, livestock, poultry, roadsM, irrigationM, otherInfrastructure, lossVND, agricultureLossVND
    }

    /// A figure a report leaves out is 0 (nothing of that kind happened there); only the unit is required.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        unit = try c.decode(String.self, forKey: .unit)
        func n(_ k: CodingKeys) throws -> Int { try c.decodeIfPresent(Int.self, forKey: k) ?? 0 }
        func x(_ k: CodingKeys) throws -> Double { try c.decodeIfPresent(Double.self, forKey: k) ?? 0 }
        dead = try n(.dead)
        missing = try n(.missing)
        injured = try n(.injured)
        affectedHouseholds = try n(.affectedHouseholds)
        affectedPeople = try n(.affectedPeople)
        evacuated = try n(.evacuated)
        livelihoodsDisrupted = try c.decodeIfPresent(Int.self, forKey: .livelihoodsDisrupted)
        houses = try c.decodeIfPresent([HouseDamage].self, forKey: .houses) ?? []
        schools = try n(.schools)
        healthFacilities = try n(.healthFacilities)
        culturalWorks = try n(.culturalWorks)
        cropsHa = try x(.cropsHa)
        livestock = try n(.livestock)
        poultry = try n(.poultry)
        roadsM = try x(.roadsM)
        irrigationM = try x(.irrigationM)
        otherInfrastructure = try c.decodeIfPresent(String.self, forKey: .otherInfrastructure)
        lossVND = try x(.lossVND)
        agricultureLossVND = try x(.agricultureLossVND)
    }
}

/// One event: what, when, how strong, why, who said so, which report and where it stands (the values' workflow).
public struct DisasterEvent: Codable, Sendable, Equatable {
    public var id: String
    public var kind: HazardKind
    public var start: Int64
    public var end: Int64?
    public var magnitude: String?
    public var cause: String?
    public var source: String?
    public var report: DisasterReportKind
    public var status: ValueStatus
    public var effects: [DisasterEffect]
    public var note: String?
    /// Why an approver sent the record back or reopened it (the last such note).
    public var reviewNote: String?

    public init(
        id: String, kind: HazardKind, start: Int64, end: Int64? = nil, magnitude: String? = nil, cause: String? = nil, source: String? = nil,
        report: DisasterReportKind, status: ValueStatus = .draft, effects: [DisasterEffect], note: String? = nil
    ) {
        self.id = id
        self.kind = kind
        self.start = start
        self.end = end
        self.magnitude = magnitude
        self.cause = cause
        self.source = source
        self.report = report
        self.status = status
        self.effects = effects
        self.note = note
    }

    /// A field that does not hold, by pointer: the registry's kind of problem.
    public typealias Problem = RegistryValidation.Problem

    /// Every field that does not hold, by pointer (`/effects/2/dead`); `units` are the unit ids that exist.
    public func problems(units: Set<String>) -> [Problem] {
        var out: [Problem] = []
        if id.isEmpty || id.count > 100 || id.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0.isWhitespace }) {
            out.append(Problem(field: "/id", message: "is 1 to 100 characters without spaces, '/', '?' or '#'"))
        }
        for (field, text) in [("/magnitude", magnitude), ("/cause", cause), ("/source", source), ("/note", note)] where (text?.count ?? 0) > 2000 {
            out.append(Problem(field: field, message: "is at most 2,000 characters"))
        }
        if effects.count > 1000 { out.append(Problem(field: "/effects", message: "at most 1,000 units in one event")) }
        if let end, end < start { out.append(Problem(field: "/end", message: "is before the start")) }
        if effects.isEmpty { out.append(Problem(field: "/effects", message: "an event has its effects in at least one unit")) }
        var seen = Set<String>()
        for (i, e) in effects.prefix(1000).enumerated() {
            let at = "/effects/\(i)"
            if !units.contains(e.unit) { out.append(Problem(field: at + "/unit", message: "'\(e.unit.prefix(40))' is not an administrative unit")) }
            if !seen.insert(e.unit).inserted { out.append(Problem(field: at + "/unit", message: "\(e.unit) appears twice; one effect per unit")) }
            let counts: [(String, Int)] = [
                ("dead", e.dead), ("missing", e.missing), ("injured", e.injured), ("affectedHouseholds", e.affectedHouseholds),
                ("affectedPeople", e.affectedPeople), ("evacuated", e.evacuated), ("livelihoodsDisrupted", e.livelihoodsDisrupted ?? 0),
                ("schools", e.schools), ("healthFacilities", e.healthFacilities), ("culturalWorks", e.culturalWorks), ("livestock", e.livestock),
                ("poultry", e.poultry),
            ]
            for (name, n) in counts where n < 0 || n > 100_000_000 {
                out.append(Problem(field: "\(at)/\(name)", message: "must be 0 to 100,000,000"))
            }
            let amounts: [(String, Double)] = [
                ("cropsHa", e.cropsHa), ("roadsM", e.roadsM), ("irrigationM", e.irrigationM), ("lossVND", e.lossVND),
                ("agricultureLossVND", e.agricultureLossVND),
            ]
            for (name, x) in amounts where !x.isFinite || x < 0 || x > 1e16 {
                out.append(Problem(field: "\(at)/\(name)", message: "must be 0 to 10^16"))
            }
            if (e.otherInfrastructure?.count ?? 0) > 2000 {
                out.append(Problem(field: at + "/otherInfrastructure", message: "is at most 2,000 characters"))
            }
            if e.houses.count > 100 { out.append(Problem(field: at + "/houses", message: "at most 100 rows")) }
            if e.agricultureLossVND > e.lossVND { out.append(Problem(field: "\(at)/agricultureLossVND", message: "is more than the whole loss")) }
            for (j, h) in e.houses.prefix(100).enumerated() where h.count < 0 || h.count > 10_000_000 {
                out.append(Problem(field: "\(at)/houses/\(j)/count", message: "must be 0 to 10,000,000"))
            }
        }
        return out
    }
}

/// A report as the API and the CLI take it: times in ISO 8601 (or a local date); the id is the reporter's, or made
/// of the kind and the start (`flood-2024-09-09T0700`) so that the same report sent twice is one record.
public struct DisasterInput: Decodable, Sendable {
    public var id: String?
    public var kind: HazardKind
    public var start: String
    public var end: String?
    public var magnitude: String?
    public var cause: String?
    public var source: String?
    public var report: DisasterReportKind
    public var effects: [DisasterEffect]
    public var note: String?

    /// The event; a time that cannot be read is a problem naming its field.
    public func event() throws(DisasterEvent.Problem) -> DisasterEvent {
        func time(_ text: String, _ field: String) throws(DisasterEvent.Problem) -> Int64 {
            guard let t = try? Timestamps.parseBound(text) else {
                throw DisasterEvent.Problem(field: "/" + field, message: "'\(text.prefix(40))' is not an ISO 8601 time or a date")
            }
            return t
        }
        let t = try time(start, "start")
        let made = "\(kind.rawValue)-" + Timestamps.format(t).prefix(16).replacingOccurrences(of: ":", with: "")
        var stop: Int64?
        if let end { stop = try time(end, "end") }
        return DisasterEvent(
            id: id ?? made, kind: kind, start: t, end: stop, magnitude: magnitude, cause: cause, source: source, report: report, effects: effects,
            note: note)
    }

    /// One report, or `{"items": […]}`.
    public static func decodeAll(_ data: Data) throws -> [DisasterInput] {
        struct Batch: Decodable { var items: [DisasterInput] }
        if let batch = try? JSONDecoder().decode(Batch.self, from: data) { return batch.items }
        return [try JSONDecoder().decode(DisasterInput.self, from: data)]
    }
}

/// Sums of effects, with the number of events they came from.
public struct DisasterTotals: Codable, Sendable, Equatable {
    public var events = 0
    public var dead = 0
    public var missing = 0
    public var injured = 0
    public var affectedPeople = 0
    public var evacuated = 0
    public var livelihoodsDisrupted: Int?
    public var housesDestroyed = 0
    public var housesDamaged = 0
    public var cropsHa = 0.0
    public var lossVND = 0.0
    public var agricultureLossVND = 0.0

    public init() {}

    /// The sums of some effects (one event's, or its effects in one unit).
    public init(_ effects: some Sequence<DisasterEffect>) {
        for e in effects { add(e) }
    }

    mutating func add(_ e: DisasterEffect) {
        dead += e.dead
        missing += e.missing
        injured += e.injured
        affectedPeople += e.affectedPeople
        evacuated += e.evacuated
        if let l = e.livelihoodsDisrupted { livelihoodsDisrupted = (livelihoodsDisrupted ?? 0) + l }
        for h in e.houses { if h.level == .destroyed { housesDestroyed += h.count } else { housesDamaged += h.count } }
        cropsHa += e.cropsHa
        lossVND += e.lossVND
        agricultureLossVND += e.agricultureLossVND
    }
}

public enum DisasterStatistics {
    /// How totals are grouped: by unit, by kind, by the local month (`2026-07`) or year (`2026`) of the event's start.
    public enum Grouping: String, Sendable, CaseIterable { case unit, kind, month, year }

    /// Totals of the events in `statuses` (approved only, by default), grouped; an event counts once per group.
    /// `unit` maps an effect's unit to the unit it is counted under (a commune to its province for national totals),
    /// or to nil to leave the effect out (a unit outside the one asked for).
    public static func totals(
        _ events: [DisasterEvent], by grouping: Grouping, statuses: Set<ValueStatus> = [.approved], unit: (String) -> String? = { $0 }
    ) -> [String: DisasterTotals] {
        var out: [String: DisasterTotals] = [:]
        for event in events where statuses.contains(event.status) {
            var counted = Set<String>()
            for e in event.effects {
                guard let countedUnit = unit(e.unit) else { continue }
                let key: String
                switch grouping {
                case .unit: key = countedUnit
                case .kind: key = event.kind.rawValue
                case .month: key = String(Timestamps.localDate(event.start).prefix(7))
                case .year: key = String(Timestamps.localDate(event.start).prefix(4))
                }
                out[key, default: DisasterTotals()].add(e)
                if counted.insert(key).inserted { out[key, default: DisasterTotals()].events += 1 }
            }
        }
        return out
    }

    /// The Sendai Framework indicators of a unit's totals: A-2 deaths, A-3 missing, B-2 injured, B-3 people in damaged
    /// dwellings, B-4 people in destroyed dwellings, B-5 livelihoods disrupted, each per 100,000 people; C-1 direct
    /// economic loss and C-2 agricultural loss, each in % of GDP. Dwellings become people by `personsPerDwelling`
    /// (a setting [U]); an indicator without its denominator (or its count) is nil.
    public static func sendai(_ t: DisasterTotals, population: Double?, gdpVND: Double?, personsPerDwelling: Double = 3.5) -> [String: Double?] {
        func per100k(_ n: Double?) -> Double? {
            guard let n, let p = population, p > 0 else { return nil }
            return n / p * 100_000
        }
        func ofGDP(_ v: Double) -> Double? {
            guard let g = gdpVND, g > 0 else { return nil }
            return v / g * 100
        }
        return [
            "A-2": per100k(Double(t.dead)), "A-3": per100k(Double(t.missing)), "B-2": per100k(Double(t.injured)),
            "B-3": per100k(Double(t.housesDamaged) * personsPerDwelling), "B-4": per100k(Double(t.housesDestroyed) * personsPerDwelling),
            "B-5": per100k(t.livelihoodsDisrupted.map(Double.init)), "C-1": ofGDP(t.lossVND), "C-2": ofGDP(t.agricultureLossVND),
        ]
    }
}
