import Foundation
import Testing

/// The pages' words live in `Sources/XanhHTTP/Labels/{vi,en}.json`: both languages hold the same keys, no label is
/// empty, and every label a template names (`{{labels.x}}`, `{{ind.x}}`) exists.
@Suite struct PageLabelTests {
    static let http = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/XanhHTTP")

    static func labels(_ lang: String) throws -> [String: [String: String]] {
        try JSONDecoder().decode([String: [String: String]].self, from: Data(contentsOf: http.appendingPathComponent("Labels/\(lang).json")))
    }

    @Test func bothLanguagesHoldTheSameWords() throws {
        let vi = try Self.labels("vi")
        let en = try Self.labels("en")
        #expect(Set(vi.keys) == ["page", "indicators", "kinds"])
        #expect(Set(vi.keys) == Set(en.keys))
        for (section, words) in vi {
            #expect(Set(words.keys) == Set(en[section]?.keys ?? [:].keys), "section \(section)")
            for (key, word) in words { #expect(!word.isEmpty && !(en[section]?[key] ?? "").isEmpty, "\(section).\(key)") }
        }
        #expect(
            Set(vi["kinds"]?.keys ?? [:].keys) == [
                "ambient_air", "emission_stack", "wastewater", "surface_water", "groundwater", "seawater", "other",
            ])
    }

    @Test func everyLabelATemplateNamesExists() throws {
        let vi = try Self.labels("vi")
        let dir = Self.http.appendingPathComponent("Templates")
        var named = 0
        for file in try FileManager.default.contentsOfDirectory(atPath: dir.path) where file.hasSuffix(".mustache") {
            let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
            for (prefix, section) in [("{{labels.", "page"), ("{{ind.", "indicators")] {
                for part in text.components(separatedBy: prefix).dropFirst() {
                    guard let key = part.components(separatedBy: "}}").first else { continue }
                    named += 1
                    #expect(vi[section]?[key] != nil, "\(file) names \(section).\(key), which Labels/ do not hold")
                }
            }
        }
        #expect(named > 40)
    }
}
