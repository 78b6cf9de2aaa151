/// A provincial-level unit after the reorganisation of 1 July 2025 (Resolution 202/2025/QH15).
public struct Province: Codable, Sendable, Hashable {
    public var code: String
    public var nameVi: String
    public var nameEn: String
    public var kind: String
    public var communes: Int
    public var mergedFrom: [String]
    public var validFrom: String
}

public enum ProvinceCatalogue {
    public enum ParseError: Error, CustomStringConvertible {
        case badRow(line: Int, reason: String)
        public var description: String {
            switch self {
            case .badRow(let line, let reason): return "provinces_2025.csv line \(line): \(reason)"
            }
        }
    }

    /// Parses the bundled CSV (`code,name_vi,name_en,kind,communes,merged_from,valid_from`; `;` separates merged names).
    public static func parse(_ text: String) throws -> [Province] {
        var out: [Province] = []
        for (i, line) in text.split(whereSeparator: \.isNewline).enumerated() where i > 0 {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 7 else { throw ParseError.badRow(line: i + 1, reason: "expected 7 fields, found \(f.count)") }
            guard let communes = Int(f[4]) else { throw ParseError.badRow(line: i + 1, reason: "communes '\(f[4])' is not a number") }
            out.append(
                Province(
                    code: f[0], nameVi: f[1], nameEn: f[2], kind: f[3], communes: communes,
                    mergedFrom: f[5].isEmpty ? [] : f[5].split(separator: ";").map(String.init), validFrom: f[6]))
        }
        return out
    }

    public static func bundled() throws -> [Province] {
        try parse(String(decoding: ResourceLoader.data("provinces_2025.csv"), as: UTF8.self))
    }
}
