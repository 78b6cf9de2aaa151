import Foundation

/// The parameters of water samples (`water_parameters.json`), by VN_WQI's names, apart from the station catalogue.
public struct WaterParameters: Sendable, Decodable {
    public struct Parameter: Sendable, Decodable, Equatable {
        public var code, nameVi, nameEn, unit: String
        public var plausible: [Double]
        public var aliases: [String]
        public var units: [String]
    }
    public var version: String
    public var parameters: [Parameter]

    public static func bundled() throws -> WaterParameters { try ResourceLoader.decode(WaterParameters.self, from: "water_parameters.json") }
    public static let empty = WaterParameters(version: "none", parameters: [])

    /// A parameter by its code or an alias, case-insensitively.
    public func lookup(_ name: String) -> Parameter? {
        let n = name.trimmingCharacters(in: .whitespaces).lowercased()
        return parameters.first { $0.code.lowercased() == n || $0.aliases.contains { $0.lowercased() == n } }
    }

    /// Whether a unit as written is the parameter's (an empty unit stands for the parameter's own).
    public func accepts(_ unit: String, for p: Parameter) -> Bool {
        let u = unit.trimmingCharacters(in: .whitespaces)
        return u.isEmpty || u == p.unit || p.units.contains { $0.lowercased() == u.lowercased() } || u.lowercased() == p.unit.lowercased()
    }
}

/// QCVN 08:2023 surface-water limits by use class (A–D), as a versioned resource (`qcvn_08_2023.json`).
public struct SurfaceWaterLimits: Sendable, Decodable {
    public struct Limit: Sendable, Decodable, Equatable {
        public var parameter: String
        public var unit: String
        public var min: [String: Double]?
        public var max: [String: Double]?
        public var confidence: String
    }
    public var source: String
    public var version: String
    public var columns: [String]
    public var limits: [Limit]

    public static func bundled() throws -> SurfaceWaterLimits { try ResourceLoader.decode(SurfaceWaterLimits.self, from: "qcvn_08_2023.json") }
    public static let empty = SurfaceWaterLimits(source: "none", version: "none", columns: [], limits: [])
}

/// One measured parameter of a sample. A value below the laboratory's detection limit is kept as such
/// (`belowDetection`, with the limit), never as a number the laboratory did not report.
public struct SampleValue: Codable, Sendable, Equatable {
    public var parameter: String
    public var value: Double?
    public var belowDetection: Bool
    public var detectionLimit: Double?
    public var unit: String
    public var method: String?
    /// QC flags: `range` (outside what is plausible), `below_lod`.
    public var flags: [String]
    /// QCVN 08 columns whose limit the value does not meet ("A", "B"…); `inconclusive`: below a detection limit higher
    /// than a column's limit, so the sample cannot tell.
    public var exceeds: [String]
    public var inconclusive: [String]

    public init(
        parameter: String, value: Double?, belowDetection: Bool = false, detectionLimit: Double? = nil, unit: String, method: String? = nil,
        flags: [String] = [], exceeds: [String] = [], inconclusive: [String] = []
    ) {
        self.parameter = parameter
        self.value = value
        self.belowDetection = belowDetection
        self.detectionLimit = detectionLimit
        self.unit = unit
        self.method = method
        self.flags = flags
        self.exceeds = exceeds
        self.inconclusive = inconclusive
    }
}

/// A manual or laboratory sample: where (a station, or a sampling point registered as a station without automatic
/// parameters), when, in which campaign, by which laboratory (and its VIMCERTS code), and its values. Its key is the
/// station and the time: the same sample sent twice is one sample.
public struct Sample: Codable, Sendable, Equatable {
    public var station: String
    public var time: Int64
    public var campaign: String?
    public var laboratory: String?
    public var accreditation: String?
    public var values: [SampleValue]
    public var note: String?
    /// VN_WQI of the sample, with the rule used for values below detection (set when stored).
    public var wqi: VNWQI.Result?
    public var lodRule: SampleRules.LODRule?

    public init(
        station: String, time: Int64, campaign: String? = nil, laboratory: String? = nil, accreditation: String? = nil, values: [SampleValue],
        note: String? = nil
    ) {
        self.station = station
        self.time = time
        self.campaign = campaign
        self.laboratory = laboratory
        self.accreditation = accreditation
        self.values = values
        self.note = note
    }

    public var key: String { "\(station)~\(time)" }
}

/// What a sample must satisfy, its QC flags, its QCVN 08 comparison and its VN_WQI (decision 0019).
public struct SampleRules: Sendable {
    /// What a value below the detection limit counts as in VN_WQI: half the limit (default), zero, or the limit.
    public enum LODRule: String, Codable, Sendable, CaseIterable { case half, zero, limit }

    public let parameters: WaterParameters
    public let limits: SurfaceWaterLimits
    public let wqi: VNWQI

    public init(parameters: WaterParameters, limits: SurfaceWaterLimits, wqi: VNWQI) {
        self.parameters = parameters
        self.limits = limits
        self.wqi = wqi
    }

    /// A field that does not hold, by pointer: the registry's kind of problem.
    public typealias Problem = RegistryValidation.Problem
    public struct Problems: Error, Sendable, Equatable { public var items: [Problem] }

    /// The sample with its parameters under their codes, units under their own spelling, QC flags, QCVN 08
    /// comparison and WQI; or every problem, each naming its field (`/values/2/unit`).
    public func checked(_ s: Sample, knownStation: Bool, lod: LODRule = .half, settings: VNWQI.Settings = .standard) -> Result<Sample, Problems> {
        var problems: [Problem] = []
        if !knownStation {
            problems.append(Problem(field: "/station", message: "'\(s.station.prefix(64))' is not a registered station or sampling point"))
        }
        if let a = s.accreditation, a.count > 40 { problems.append(Problem(field: "/accreditation", message: "is longer than 40 characters")) }
        if s.values.isEmpty { problems.append(Problem(field: "/values", message: "a sample holds at least one value")) }
        if s.values.count > 200 { problems.append(Problem(field: "/values", message: "a sample holds at most 200 values")) }
        var out = s
        var seen = Set<String>()
        out.values = []
        for (i, v) in s.values.prefix(200).enumerated() {
            guard let p = parameters.lookup(v.parameter) else {
                problems.append(Problem(field: "/values/\(i)/parameter", message: "'\(v.parameter.prefix(40))' is not a water parameter"))
                continue
            }
            guard parameters.accepts(v.unit, for: p) else {
                problems.append(
                    Problem(
                        field: "/values/\(i)/unit",
                        message: "'\(v.unit.prefix(20))' is not the unit of \(p.code) (\(p.unit.isEmpty ? "none" : p.unit))"))
                continue
            }
            guard seen.insert(p.code).inserted else {
                problems.append(Problem(field: "/values/\(i)/parameter", message: "\(p.code) appears twice"))
                continue
            }
            var c = SampleValue(
                parameter: p.code, value: v.value, belowDetection: v.belowDetection, detectionLimit: v.detectionLimit, unit: p.unit, method: v.method)
            if v.belowDetection {
                guard let lodValue = v.detectionLimit, lodValue.isFinite, lodValue > 0 else {
                    problems.append(Problem(field: "/values/\(i)/detectionLimit", message: "a value below detection needs its detection limit (> 0)"))
                    continue
                }
                c.value = nil
                c.detectionLimit = lodValue
                c.flags.append("below_lod")
            } else {
                guard let x = v.value, x.isFinite else {
                    problems.append(Problem(field: "/values/\(i)/value", message: "is required (or send belowDetection with the detection limit)"))
                    continue
                }
                if p.plausible.count == 2, x < p.plausible[0] || x > p.plausible[1] { c.flags.append("range") }
            }
            compare(&c)
            out.values.append(c)
        }
        guard problems.isEmpty else { return .failure(Problems(items: problems)) }
        var input: [String: Double] = [:]
        for v in out.values where VNWQI.names.contains(v.parameter) && !v.flags.contains("range") {
            if let x = v.value {
                input[v.parameter] = x
            } else if let l = v.detectionLimit {
                input[v.parameter] = lod == .half ? l / 2 : lod == .zero ? 0 : l
            }
        }
        out.wqi = wqi.compute(input, settings: settings)
        out.lodRule = lod
        return .success(out)
    }

    /// QCVN 08's columns a value does not meet; a value below a detection limit meets a column whose limit is at or
    /// above the detection limit, and is inconclusive for one below it.
    func compare(_ v: inout SampleValue) {
        guard let l = limits.limits.first(where: { $0.parameter == v.parameter }) else { return }
        for column in limits.columns {
            let high = l.max?[column]
            let low = l.min?[column]
            if let x = v.value, !v.flags.contains("range") {
                if let high, x > high { v.exceeds.append(column) } else if let low, x < low { v.exceeds.append(column) }
            } else if v.belowDetection, let d = v.detectionLimit {
                if let high, d > high { v.inconclusive.append(column) }
                // Below a detection limit at or under a minimum (DO) is under the minimum; above it, nobody can tell.
                if let low { if d <= low { v.exceeds.append(column) } else { v.inconclusive.append(column) } }
            }
        }
    }
}

/// Values as laboratories write them.
public enum SampleText {
    /// The detection limit of a value written below it ("< 0.005", "<0,005", "KPH (<0.005)"), or nil.
    public static func belowLimit(_ text: String) -> Double? {
        let t = text.replacingOccurrences(of: ",", with: ".").trimmingCharacters(in: .whitespaces)
        guard let i = t.firstIndex(of: "<") else { return nil }
        let rest = t[t.index(after: i)...].trimmingCharacters(in: CharacterSet(charactersIn: " )"))
        guard let d = Double(rest), d.isFinite, d > 0 else { return nil }
        return d
    }
}
