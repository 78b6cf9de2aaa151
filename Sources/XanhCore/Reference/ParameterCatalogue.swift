/// One measured quantity: its canonical code, names, unit and the codes stations use for it.
public struct Parameter: Codable, Sendable, Hashable {
    public var code: String
    public var nameVi: String
    public var nameEn: String
    public var unit: String
    public var medium: String
    public var circular10: [String]
    public var aliases: [String]
    public var plausible: [Double]
    public var aqi: Bool
    /// Station kinds (raw values of `StationKind`) the parameter belongs to; nil: any.
    public var stations: [String]?
    /// Largest plausible change between consecutive records, per 5 minutes (nil: no spike rule).
    public var spike: Double?
    /// Identical values in a row that flag a stuck sensor (nil: no flat-line rule).
    public var flatLine: Int?
    /// Spellings of the unit accepted in files besides `unit`.
    public var units: [String]?

    public var plausibleMin: Double { plausible.first ?? -Double.infinity }
    public var plausibleMax: Double { plausible.count > 1 ? plausible[1] : Double.infinity }

    public init(
        code: String, nameVi: String, nameEn: String, unit: String, medium: String = "air", circular10: [String] = [],
        aliases: [String] = [], plausible: [Double] = [], aqi: Bool = false, stations: [String]? = nil, spike: Double? = nil,
        flatLine: Int? = nil, units: [String]? = nil
    ) {
        self.stations = stations
        self.spike = spike
        self.flatLine = flatLine
        self.units = units
        self.code = code
        self.nameVi = nameVi
        self.nameEn = nameEn
        self.unit = unit
        self.medium = medium
        self.circular10 = circular10
        self.aliases = aliases
        self.plausible = plausible
        self.aqi = aqi
    }
}

/// The parameter catalogue, with lookup by canonical code, Circular 10/2021 code or alias.
public struct ParameterCatalogue: Sendable {
    public let version: String
    public let parameters: [Parameter]
    private let byKey: [String: Parameter]
    private let exact: [String: Parameter]

    private struct File: Decodable {
        var version: String
        var parameters: [Parameter]
    }

    public init(version: String, parameters: [Parameter]) {
        self.version = version
        self.parameters = parameters
        var map: [String: Parameter] = [:]
        for p in parameters {
            for key in [p.code] + p.circular10 + p.aliases { map[Self.normalise(key)] = p }
        }
        for p in parameters { map[Self.normalise(p.code)] = p }  // canonical codes win over aliases
        byKey = map
        var e: [String: Parameter] = [:]
        for p in parameters { for key in p.circular10 + p.aliases { e[key] = p } }
        for p in parameters { e[p.code] = p }
        exact = e
    }

    /// The catalogue bundled as `parameters.json`.
    public static func bundled() throws -> ParameterCatalogue {
        let f = try ResourceLoader.decode(File.self, from: "parameters.json")
        return ParameterCatalogue(version: f.version, parameters: f.parameters)
    }

    static func normalise(_ s: String) -> String { s.trimmingWhitespace().lowercased() }

    /// The parameter for a code as stations send it (`PM2,5`, `pm2.5`, `PM25` → `PM2.5`).
    public func lookup(_ code: String) -> Parameter? { exact[code] ?? byKey[Self.normalise(code)] }

    /// The parameter a station of this kind means by `code`: an emission stack's `CO` is `E-CO` (mg/Nm³),
    /// an ambient station's is `CO` (µg/m³).
    public func lookup(_ code: String, kind: StationKind) -> Parameter? {
        if let p = parameter(code: code) { return p }
        let candidates = parameters.filter { $0.stations?.contains(kind.rawValue) ?? true }.map(\.code)
        return resolve(code, among: candidates)
    }

    public func parameter(code: String) -> Parameter? { exact[code].flatMap { $0.code == code ? $0 : nil } }

    /// The parameter a station means by `code`, among the canonical codes it measures: the canonical code itself,
    /// else the one whose Circular 10 code or alias it is (an emission stack's `CO` is `E-CO`, not ambient `CO`),
    /// else the catalogue-wide lookup.
    public func resolve(_ code: String, among measured: some Collection<String>) -> Parameter? {
        if measured.contains(code), let p = parameter(code: code) { return p }
        let key = Self.normalise(code)
        for m in measured {
            guard let p = parameter(code: m) else { continue }
            if p.circular10.contains(code) || p.aliases.contains(code) { return p }
        }
        for m in measured {
            guard let p = parameter(code: m) else { continue }
            if Self.normalise(p.code) == key || p.circular10.contains(where: { Self.normalise($0) == key })
                || p.aliases.contains(where: { Self.normalise($0) == key })
            {
                return p
            }
        }
        return lookup(code)
    }
}

/// Unit spellings as loggers write them (`ug/m3`, `mg/Nm3`, `oC`) compared with the catalogue's.
public enum Units {
    /// Lower case, `µ`/`μ` → `u`, superscript digits → digits, no spaces.
    public static func normalise(_ s: String) -> String {
        var out = ""
        for ch in s.lowercased() {
            switch ch {
            case "µ", "μ": out.append("u")
            case "³": out.append("3")
            case "²": out.append("2")
            case " ", "\t": continue
            default: out.append(ch)
            }
        }
        return out
    }

    /// Whether a unit written in a file is the parameter's unit. An empty unit in a file says nothing and matches.
    public static func matches(_ written: String, _ p: Parameter) -> Bool {
        let w = normalise(written)
        if w.isEmpty { return true }
        if w == normalise(p.unit) { return true }
        return (p.units ?? []).contains { normalise($0) == w }
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
