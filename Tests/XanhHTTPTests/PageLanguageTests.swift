import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

/// No page in one language carries a label of the other: every label of `en.json` that differs from its Vietnamese
/// is looked for in each Vietnamese page, and the reverse (names, codes and units are the same in both files, so
/// they are allowed). The pages are filled with data: a station with a current value, a plan, an error.
@Suite struct PageLanguageTests {
    /// Text a person reads on the page in its language: tags, scripts and styles removed, entities decoded, and what the
    /// page marks as another language (`lang="vi"` on a plan's own title on an English page) left out.
    static func visibleText(_ html: String, lang: String) -> String {
        var s = html
        let other = lang == "vi" ? "en" : "vi"
        while let r = s.range(of: #"<(\w+)\b[^>]*\blang="\#(other)"[^>]*>[^<]*</\1>"#, options: .regularExpression), !s[r].hasPrefix("<html") {
            s.removeSubrange(r)
        }
        // The <title> of a plan's page is the plan's own name, in the language it was issued in.
        for tag in ["style", "script", "title"] {
            while let a = s.range(of: "<\(tag)"), let b = s.range(of: "</\(tag)>", range: a.upperBound..<s.endIndex) {
                s.removeSubrange(a.lowerBound..<b.upperBound)
            }
        }
        s = s.replacingOccurrences(of: "<[^>]+>", with: " ", options: .regularExpression)
        for (e, c) in [("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'")] { s = s.replacingOccurrences(of: e, with: c) }
        return s.replacingOccurrences(of: "\\s+", with: " ", options: .regularExpression)
    }

    /// Labels of `lang` that are not also the other language's (a template's `{n}`/`{t}` splits them into parts).
    static func foreign(_ lang: String, other: String) throws -> [String] {
        let mine = try PageLabelTests.labels(lang)
        let theirs = try PageLabelTests.labels(other)
        let shared = Set(theirs.values.flatMap(\.values))
        return mine.values.flatMap(\.values).filter { !shared.contains($0) }
            .flatMap { $0.components(separatedBy: "{n}").flatMap { $0.components(separatedBy: "{t}") } }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.count >= 6 }
    }

    @Test func noPageCarriesTheOtherLanguagesWords() async throws {
        let f = try await Fixture()
        for t in DemoIndicators.targets { _ = try await f.store.upsertTarget(t) }
        _ = try await DemoPlanLoader.load(services: f.services)
        try await DemoLoader.loadDisasters(services: f.services)
        let english = try Self.foreign("en", other: "vi")
        let vietnamese = try Self.foreign("vi", other: "en")
        #expect(english.count > 100 && vietnamese.count > 100)
        try await f.test { client in
            try await client.execute(
                uri: "/api/v1/observations", method: .post, headers: f.auth, body: Fixture.observations(ObservationAPITests.thousandRows())
            ) { _ in }
            try await f.services.deriver.drain()
            for path in [
                "/", "/stations/HN-NKT", "/alerts", "/indicators", "/plans", "/plans/HCM-PRP-2023", "/plans/HP-78-2023", "/stations/KHONG-CO",
                "/login", "/water", "/disasters", "/disasters?unit=20",
            ] {
                for (lang, banned) in [("vi", english), ("en", vietnamese)] {
                    let uri = path + (path.contains("?") ? "&" : "?") + "lang=\(lang)"
                    let text = try await client.execute(uri: uri, method: .get) { Self.visibleText(String(buffer: $0.body), lang: lang) }
                    let found = banned.filter { text.contains($0) }
                    #expect(found.isEmpty, "\(uri) holds the other language's words: \(found.prefix(5))")
                }
            }
        }
    }
}
