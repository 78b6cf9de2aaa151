/// What a station monitors.
public enum StationKind: String, Codable, Sendable, CaseIterable {
    case ambientAir = "ambient_air"
    case emissionStack = "emission_stack"
    case wastewater = "wastewater"
    case surfaceWater = "surface_water"
    case groundwater = "groundwater"
    case seawater = "seawater"
    /// A Thing registered through the SensorThings API without a station kind.
    case other = "other"
}

/// A parameter a station measures and how often it reports it.
public struct StationParameter: Codable, Sendable, Hashable {
    public var parameter: String
    /// Expected seconds between records (300 for the usual 5-minute loggers).
    public var interval: Int

    public init(parameter: String, interval: Int = 300) {
        self.parameter = parameter
        self.interval = interval
    }
}

public struct Station: Codable, Sendable, Hashable {
    public var code: String
    public var name: String
    public var kind: StationKind
    /// Official code of the provincial unit (e.g. `01` Hà Nội).
    public var province: String
    public var facility: Int64?
    public var latitude: Double?
    public var longitude: Double?
    public var parameters: [StationParameter]
    public var active: Bool
    /// Seconds without data after which the station is "silent" (nil: the default, `Station.defaultSilenceAfter`).
    public var silenceAfter: Int?
    /// Facility limits (emission and wastewater stations).
    public var limits: FacilityLimitConfig?

    /// 30 minutes: six missed 5-minute transmissions.
    public static let defaultSilenceAfter = 1800

    public init(
        code: String, name: String, kind: StationKind, province: String, facility: Int64? = nil, latitude: Double? = nil,
        longitude: Double? = nil, parameters: [StationParameter], active: Bool = true, silenceAfter: Int? = nil,
        limits: FacilityLimitConfig? = nil
    ) {
        self.silenceAfter = silenceAfter
        self.limits = limits
        self.code = code
        self.name = name
        self.kind = kind
        self.province = province
        self.facility = facility
        self.latitude = latitude
        self.longitude = longitude
        self.parameters = parameters
        self.active = active
    }
}

public struct Facility: Codable, Sendable, Hashable {
    public var id: Int64?
    public var name: String
    public var taxCode: String?
    public var sector: String?
    public var province: String
    public var address: String?
    public var active: Bool

    public init(
        id: Int64? = nil, name: String, taxCode: String? = nil, sector: String? = nil, province: String, address: String? = nil, active: Bool = true
    ) {
        self.id = id
        self.name = name
        self.taxCode = taxCode
        self.sector = sector
        self.province = province
        self.address = address
        self.active = active
    }
}

/// Field-level problems with a station or facility, each naming the field.
public struct RegistryValidation {
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var field: String
        public var message: String
        public var description: String { "\(field): \(message)" }
        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    /// Longest name or other free text of a registry entry, in characters.
    public static let maxText = 500

    static func checkText(_ value: String?, _ field: String, into out: inout [Problem]) {
        if let value, value.count > maxText {
            out.append(.init(field: field, message: "must be at most \(maxText) characters (it has \(value.count))"))
        }
    }

    public static func check(
        _ s: Station, catalogue: ParameterCatalogue, provinces: Set<String>, facilityLimits: FacilityLimits? = nil
    ) -> [Problem] {
        var out: [Problem] = []
        checkText(s.name, "name", into: &out)
        let codeOK = !s.code.isEmpty && s.code.count <= 64 && s.code.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }
        if !codeOK { out.append(.init(field: "code", message: "must be 1–64 letters, digits, '-', '_' or '.'")) }
        if s.name.trimmingWhitespace().isEmpty { out.append(.init(field: "name", message: "must not be empty")) }
        if !provinces.contains(s.province) {
            out.append(.init(field: "province", message: "'\(s.province)' is not an official provincial code (e.g. 01 Hà Nội, 79 TP Hồ Chí Minh)"))
        }
        if let lat = s.latitude, !(lat >= -90 && lat <= 90) { out.append(.init(field: "latitude", message: "must be between -90 and 90")) }
        if let lon = s.longitude, !(lon >= -180 && lon <= 180) { out.append(.init(field: "longitude", message: "must be between -180 and 180")) }
        var seen = Set<String>()
        for (i, p) in s.parameters.enumerated() {
            if let known = catalogue.lookup(p.parameter, kind: s.kind) {
                if !seen.insert(known.code).inserted {
                    out.append(.init(field: "parameters/\(i)/parameter", message: "'\(p.parameter)' is listed twice"))
                }
            } else {
                out.append(.init(field: "parameters/\(i)/parameter", message: "'\(p.parameter.prefix(64))' is not in the catalogue"))
            }
            if p.interval < 1 || p.interval > 86_400 { out.append(.init(field: "parameters/\(i)/interval", message: "must be 1–86400 seconds")) }
        }
        if let a = s.silenceAfter, a < 60 || a > 30 * 86_400 { out.append(.init(field: "silenceAfter", message: "must be 60 seconds to 30 days")) }
        if let l = s.limits, let fl = facilityLimits {
            for m in fl.problems(l, kind: s.kind) { out.append(.init(field: "limits", message: m)) }
        }
        return out
    }

    public static func check(_ f: Facility, provinces: Set<String>) -> [Problem] {
        var out: [Problem] = []
        checkText(f.name, "name", into: &out)
        checkText(f.address, "address", into: &out)
        checkText(f.sector, "sector", into: &out)
        checkText(f.taxCode, "taxCode", into: &out)
        if f.name.trimmingWhitespace().isEmpty { out.append(.init(field: "name", message: "must not be empty")) }
        if !provinces.contains(f.province) { out.append(.init(field: "province", message: "'\(f.province)' is not an official provincial code")) }
        if let t = f.taxCode, !t.isEmpty, !(t.allSatisfy { $0.isNumber || $0 == "-" }) {
            out.append(.init(field: "taxCode", message: "must be digits (10, or 13 with a branch suffix)"))
        }
        return out
    }
}

/// All bundled reference data, loaded once.
public struct ReferenceData: Sendable {
    public let parameters: ParameterCatalogue
    public let vnAQI: VNAQI
    public let usAQI: USAQI
    public let limits: AmbientLimits
    public let provinces: [Province]
    public let facilityLimits: FacilityLimits
    /// VN_WQI's tables, the water samples' parameters and QCVN 08's limits (decision 0019).
    public var wqi: VNWQI = .empty
    public var waterParameters: WaterParameters = .empty
    public var surfaceWaterLimits: SurfaceWaterLimits = .empty
    /// Working days for due dates (decision 0016); a province may load its own (`--calendar`).
    public var calendar: WorkingCalendar = .weekendsOnly

    public static func bundled() throws -> ReferenceData {
        var r = ReferenceData(
            parameters: try .bundled(), vnAQI: try .bundled(), usAQI: try .bundled(), limits: try .bundled(),
            provinces: try ProvinceCatalogue.bundled(), facilityLimits: try .bundled())
        r.calendar = try .bundled()
        r.wqi = try .bundled()
        r.waterParameters = try .bundled()
        r.surfaceWaterLimits = try .bundled()
        return r
    }

    public var provinceCodes: Set<String> { Set(provinces.map(\.code)) }

    /// A label naming the versions of the reference files, used as the name of the migration that loads them.
    public var versionLabel: String {
        "parameters-\(parameters.version)+aqi-\(vnAQI.table.version)+provinces-2025-07-01+limits-\(limits.limits.count)+industrial-\(facilityLimits.version)"
    }
}
