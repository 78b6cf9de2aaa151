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

    public var plausibleMin: Double { plausible.first ?? -Double.infinity }
    public var plausibleMax: Double { plausible.count > 1 ? plausible[1] : Double.infinity }

    public init(
        code: String, nameVi: String, nameEn: String, unit: String, medium: String = "air", circular10: [String] = [],
        aliases: [String] = [], plausible: [Double] = [], aqi: Bool = false
    ) {
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
}

extension String {
    func trimmingWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s = s.dropFirst() }
        while let l = s.last, l.isWhitespace { s = s.dropLast() }
        return String(s)
    }
}
