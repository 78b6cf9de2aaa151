import Foundation
import XanhCore
import XanhStore

/// Attaches province polygons from a GeoJSON FeatureCollection, matching features to current provinces by name, and
/// stores each with its map outline (`MapOutline`), simplified here once so the portal's pages stay small.
public enum ProvinceBoundaries {
    public struct Result: Sendable {
        public var attached: Int
        public var features: Int
        /// Names no current province matches.
        public var unmatched: [String]
    }

    /// The largest file read (the 34 provinces' boundaries are 3.9 MB).
    public static let maxBytes = 64 << 20

    public static func attach(_ data: Data, nameProperty: String = "ten_tinh", store: any AdminUnitStore) async throws -> Result {
        guard data.count <= maxBytes else { throw Refusal("a boundary file is at most \(maxBytes >> 20) MB") }
        let json = try JSONValue.parse(bytes: Array(data))
        guard case .array(let features)? = json["features"] else { throw Refusal("not a GeoJSON FeatureCollection (no 'features')") }
        let provinces = try await store.adminUnits().filter { $0.level == .province && $0.validTo == nil }
        var result = Result(attached: 0, features: features.count, unmatched: [])
        for (i, f) in features.enumerated() {
            let name = f["properties"]?[nameProperty]?.stringValue ?? ""
            guard let unit = match(name, provinces), let geometry = f["geometry"] else {
                result.unmatched.append(name.isEmpty ? "feature \(i + 1)" : name)
                continue
            }
            let outline: String
            do { outline = MapOutline.of(try Geometry.fromGeoJSON(geometry)).json } catch {
                throw Refusal("feature \(i + 1) ('\(name)'): \(error.message)")
            }
            try await store.setBoundary(unit: unit.id, geoJSON: geometry.text, outline: outline)
            result.attached += 1
        }
        return result
    }

    public struct Refusal: Error, CustomStringConvertible {
        public var description: String
        init(_ d: String) { description = d }
    }

    static func fold(_ s: String) -> String {
        var t = s.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "vi")).lowercased()
        t = t.replacingOccurrences(of: "đ", with: "d")
        for prefix in ["thanh pho ", "tp. ", "tp ", "tinh "] where t.hasPrefix(prefix) { t = String(t.dropFirst(prefix.count)) }
        return t.replacingOccurrences(of: "-", with: " ").split(separator: " ").joined(separator: " ")
    }

    /// A boundary's name ("TP Hà Nội", "TP HCM") to a province.
    static func match(_ name: String, _ provinces: [AdminUnit]) -> AdminUnit? {
        let n = fold(name)
        if n == "hcm" || n == "ho chi minh" { return provinces.first { $0.id == "79" } }
        return provinces.first { fold($0.nameVi) == n || fold($0.nameEn) == n }
    }
}
