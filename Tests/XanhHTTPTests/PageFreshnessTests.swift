import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

/// A value older than `stale-after-seconds` is never shown as current: grey, "no current data", with its age.
@Suite struct PageFreshnessTests {
    /// 5-minute PM2.5 and PM10 (the stations' interval) for `hours` hours ending `endAgo` seconds before the fixture's now.
    static func rows(endAgo: Int64, hours: Int) -> ByteBuffer {
        var out: [[String: Any]] = []
        for k in 0..<(hours * 12) {
            let t = Fixture.now - endAgo - Int64(k) * 300
            // Values that move (a constant run is flagged as a flat line and not averaged).
            for (p, v) in [("PM2.5", 30.0 + Double(k % 7)), ("PM10", 70.0 + Double(k % 5))] {
                out.append(["station": "HN-NKT", "parameter": p, "time": Timestamps.format(t), "value": v, "status": "00"])
            }
        }
        return Fixture.observations(out)
    }

    static func page(_ client: any TestClientProtocol, _ uri: String) async throws -> String {
        try await client.execute(uri: uri, method: .get) { String(buffer: $0.body) }
    }

    @Test func oldValuesAreGreyWithTheirAgeAndFreshOnesSayHowOld() async throws {
        let f = try await Fixture()
        try await f.test { client in
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: Self.rows(endAgo: 4 * 86_400, hours: 30)) {
                r in
                #expect(r.status == .ok)
            }
            try await f.services.deriver.drain()
            var home = try await Self.page(client, "/")
            #expect(home.contains("data-stale=\"1\"") && home.contains("Không có dữ liệu hiện tại"), "four days old is not current")
            #expect(!home.contains("data-aqi="), "no value shown as current")
            // The last hourly VN_AQI is 11 hours after the last data (the NowCast reaches 11 hours on): 3.5 days ago.
            #expect(home.contains("Giá trị cuối: VN_AQI") && home.contains("cập nhật 3 ngày trước"))
            // Times as each language writes them: the hour, then the day first.
            #expect(home.range(of: #"VN_AQI \d+ · \d{2}:\d{2} \d{2}/\d{2}/2026"#, options: .regularExpression) != nil, "Vietnamese: 00:00 16/11/2026")
            let english = try await Self.page(client, "/?lang=en")
            #expect(english.range(of: #"VN_AQI \d+ · \d{2}/\d{2}/2026 \d{2}:\d{2}"#, options: .regularExpression) != nil, "English: 16/11/2026 00:00")
            let station = try await Self.page(client, "/stations/HN-NKT?lang=en")
            #expect(station.contains("No current data") && station.contains("updated 3 days ago"), "the station page says the same")
            #expect(!station.contains("Advice for sensitive groups"), "no advice for a value that is not current")
            // Data up to ten minutes ago: current, with its age in minutes.
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: Self.rows(endAgo: 600, hours: 3)) { r in
                #expect(r.status == .ok)
            }
            try await f.services.deriver.drain()
            home = try await Self.page(client, "/")
            #expect(home.contains("data-aqi=") && !home.contains(#"data-stale="1""#), "\(home.suffix(800))")
            #expect(home.contains("vừa cập nhật") || home.range(of: #"cập nhật \d+ phút trước"#, options: .regularExpression) != nil)
            // The station page gives each pollutant's concentration with its unit beside its labelled sub-index.
            let current = try await Self.page(client, "/stations/HN-NKT")
            #expect(
                current.contains("Nồng độ trung bình 1 giờ") && current.contains("Chỉ số phụ (AQI)") && current.contains(" µg/m³"),
                "\(current.suffix(1500))")
        }
    }

    @Test func theAgeOfAValueIsConfigurable() async throws {
        let f = try await Fixture { $0.staleAfterSeconds = 30 * 86_400 }
        try await f.test { client in
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: Self.rows(endAgo: 4 * 86_400, hours: 30)) {
                _ in
            }
            try await f.services.deriver.drain()
            let home = try await Self.page(client, "/?lang=en")
            #expect(home.contains("data-aqi=") && home.contains("updated 3 days ago"), "within 30 days it is still shown, with its age")
        }
    }
}

/// A page route's problem is a page in the page's language, with its status and a way back.
@Suite struct PageErrorTests {
    @Test func notFoundAndBadRequestAreHTMLInTheirLanguage() async throws {
        let f = try await Fixture()
        try await f.test { client in
            for (uri, status, words, lang) in [
                ("/stations/KHONG-CO", 404, "Không tìm thấy", "vi"), ("/stations/KHONG-CO?lang=en", 404, "was not found", "en"),
                ("/plans/KHONG-CO", 404, "Không tìm thấy", "vi"), ("/indicators?year=abc", 400, "Yêu cầu không hợp lệ", "vi"),
                ("/indicators?year=abc&lang=en", 400, "is not valid", "en"),
            ] {
                try await client.execute(uri: uri, method: .get) { r in
                    let html = String(buffer: r.body)
                    #expect(Int(r.status.code) == status, "\(uri)")
                    #expect(r.headers[.contentType]?.hasPrefix("text/html") == true, "\(uri)")
                    #expect(
                        html.contains(words) && html.contains("lang=\"\(lang)\"") && html.contains("href=\"/?lang=\(lang)\""),
                        "\(uri): \(html.suffix(400))")
                    if lang == "vi" {
                        #expect(!html.contains("does not exist") && !html.contains("not a"), "\(uri): no English on a Vietnamese page")
                    }
                }
            }
            // The API keeps its problem documents.
            try await client.execute(uri: "/api/v1/stations/KHONG-CO", method: .get) { r in
                #expect(r.status == .notFound && r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            }
        }
    }
}

/// A database the demo filled says so on every page; one that it did not, on none.
@Suite struct DemoBannerTests {
    @Test func theDemoIsLabelledOnEveryPage() async throws {
        let f = try await Fixture()
        try await f.test { client in
            try await client.execute(uri: "/", method: .get) { r in #expect(!String(buffer: r.body).contains("class=\"demo\"")) }
        }
        try await f.services.audit.record(
            AuditLog.operatorCaller, address: "cli", channel: "cli", action: "serve --demo", entity: "demo", key: "network", before: nil, after: nil)
        try await f.test { client in
            for uri in ["/", "/stations/HN-NKT", "/alerts", "/indicators", "/plans", "/plans/NONE", "/login"] {
                try await client.execute(uri: uri, method: .get) { r in #expect(String(buffer: r.body).contains("Dữ liệu minh họa (demo)"), "\(uri)")
                }
            }
            try await client.execute(uri: "/?lang=en", method: .get) { r in #expect(String(buffer: r.body).contains("Demonstration data")) }
        }
    }
}

/// Pages carry an ETag and answer 304 while they have not changed; each has a description.
@Suite struct PageCachingTests {
    @Test func unchangedPagesAnswer304() async throws {
        let f = try await Fixture()
        try await f.test { client in
            let (tag, html) = try await client.execute(uri: "/plans", method: .get) { r in (r.headers[.eTag], String(buffer: r.body)) }
            let etag = try #require(tag)
            #expect(html.contains("<meta name=\"description\" content=\""))
            try await client.execute(uri: "/plans", method: .get, headers: [.ifNoneMatch: etag]) { r in
                #expect(r.status == .notModified && r.body.readableBytes == 0 && r.headers[.eTag] == etag)
            }
            try await client.execute(uri: "/plans", method: .get, headers: [.ifNoneMatch: "\"other\""]) { r in #expect(r.status == .ok) }
            // A change of content is a new tag.
            try await client.execute(uri: "/plans?lang=en", method: .get, headers: [.ifNoneMatch: etag]) { r in
                #expect(r.status == .ok && r.headers[.eTag] != etag && r.headers[.cacheControl] == "no-cache")
            }
        }
    }
}
