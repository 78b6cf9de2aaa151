import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhServices
import XanhStore

/// The public portal: the map and its province views, the station page's charts, downloads that say what they hold,
/// and the indicators page cached by its data's version.
@Suite struct PortalTests {
    static let square =
        #"{"type":"MultiPolygon","coordinates":[[[[105.3,20.5],[106.1,20.5],[106.1,21.4],[105.3,21.4],[105.3,20.5]]],[[[106.5,20.6],[106.51,20.6],[106.51,20.61],[106.5,20.6]]]]}"#

    /// A second station in another province, silent for four days; Hà Nội gets an outline.
    static func setUp(_ f: Fixture) async throws {
        _ = try await f.store.createStation(
            Station(
                code: "HP-LC", name: "Lê Chân", kind: .ambientAir, province: "31", latitude: 20.847, longitude: 106.683,
                parameters: ["PM2.5"].map { StationParameter(parameter: $0) }))
        let outline = MapOutline.of(try Geometry.fromGeoJSON(try JSONValue.parse(bytes: Array(square.utf8)))).json
        try await f.store.setBoundary(unit: "01", geoJSON: square, outline: outline)
    }

    /// `hours` of data up to ten minutes ago at HN-NKT, derived.
    static func post(_ client: any TestClientProtocol, _ f: Fixture, hours: Int) async throws {
        try await client.execute(
            uri: "/api/v1/observations", method: .post, headers: f.auth, body: PageFreshnessTests.rows(endAgo: 600, hours: hours)
        ) {
            #expect($0.status == .ok)
        }
        try await f.services.deriver.drain()
    }

    @Test func theMapDrawsProvincesAndEveryAmbientStationGreyWithoutACurrentValue() async throws {
        let f = try await Fixture()
        try await Self.setUp(f)
        try await f.test { client in
            try await Self.post(client, f, hours: 3)
            let home = try await PageFreshnessTests.page(client, "/")
            #expect(home.contains(#"<svg xmlns="http://www.w3.org/2000/svg" class="map""#))
            #expect(home.contains(#"data-station="HN-NKT" data-stale="0""#), "a current value is coloured")
            #expect(home.contains(#"data-station="HP-LC" data-stale="1""#), "a station without data is grey")
            #expect(home.contains(#"href="/provinces/01?lang=vi""#) && home.contains("<title>Hà Nội</title>"), "the province links to its page")
            #expect(home.contains(#"class="island""#), "a ring too small to draw is a dot")
            // The province's page lists its own stations only, and frames it.
            let hanoi = try await PageFreshnessTests.page(client, "/provinces/01")
            #expect(hanoi.contains(#"data-station="HN-NKT""#) && !hanoi.contains(#"data-station="HP-LC""#))
            #expect(hanoi.contains(#"class="area focus""#))
            try await client.execute(uri: "/provinces/99?lang=en", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(String(buffer: r.body).contains("<html lang=\"en\""))
            }
            try await client.execute(uri: "/provinces?code=31&lang=en", method: .get) { r in
                #expect(r.status == .seeOther && r.headers[.location] == "/provinces/31?lang=en")
            }
            try await client.execute(uri: "/provinces?code=%3Cscript%3E", method: .get) { r in
                #expect(r.status == .seeOther && r.headers[.location] == "/?lang=vi", "what is not a code goes home")
            }
        }
    }

    @Test func stationChartsSwitchRangesDrawTheLimitAndListTheirFigures() async throws {
        let f = try await Fixture()
        try await f.test { client in
            try await Self.post(client, f, hours: 30)
            let week = try await PageFreshnessTests.page(client, "/stations/HN-NKT")
            #expect(week.contains(#"aria-current="true" class="current">7 ngày"#), "a week by default")
            #expect(week.contains(#"class="limit""#) && week.contains("QCVN 05:2023 TB 24 giờ: 45"), "PM2.5's 24-hour limit, named")
            #expect(week.contains("<desc id=\"series-d\">") && week.contains("giá trị vượt quy chuẩn"), "a text alternative")
            // Thirty hours of data, hourly: one table row per hourly mean in the range, figures with a decimal comma.
            let day = try await PageFreshnessTests.page(client, "/stations/HN-NKT?range=24h&parameter=PM10")
            #expect(day.contains(#"data-parameter="PM10""#))
            let table = try #require(day.range(of: #"<table class="data">"#).map { day[$0.upperBound...] })
            let rows = table.prefix(while: { _ in true }).components(separatedBy: "</tbody>")[0].components(separatedBy: "<tr><td>").count - 1
            #expect((23...24).contains(rows), "\(rows) rows for 24 hours")
            #expect(day.range(of: #"<td>\d+,\d+</td>"#, options: .regularExpression) != nil)
            let year = try await PageFreshnessTests.page(client, "/stations/HN-NKT?range=1y&lang=en")
            #expect(year.contains("daily means") && year.contains("24-hour mean: 45"))
            try await client.execute(uri: "/stations/HN-NKT?parameter=SO2", method: .get) { r in
                #expect(r.status == .badRequest, "a parameter the station does not measure")
            }
            try await client.execute(uri: "/stations/HN-NKT?range=2y", method: .get) { #expect($0.status == .badRequest) }
        }
    }

    @Test func downloadsSayWhatTheyHoldAndMatchTheAPI() async throws {
        let f = try await Fixture()
        try await f.test { client in
            try await Self.post(client, f, hours: 30)
            let query = "parameter=PM2.5&resolution=hour&from=2025-11-20&to=2026-11-21"
            let json = try await client.execute(uri: "/api/v1/stations/HN-NKT/series?\(query)", method: .get) { r in
                try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]
            }
            let items = try #require(json?["items"] as? [[String: Any]])
            let csv = try await client.execute(uri: "/api/v1/stations/HN-NKT/series?\(query)&format=csv", method: .get) { r in
                #expect(r.headers[.contentDisposition] == #"attachment; filename="HN-NKT-PM2.5-hour.csv""#)
                return String(buffer: r.body)
            }
            #expect(csv.hasPrefix("\u{FEFF}station,parameter,unit,time,mean,min,max,count,coverage\n"))
            let lines = csv.split(separator: "\n")
            #expect(lines.count == items.count + 1 && items.count >= 29)
            #expect(lines[1].hasPrefix("HN-NKT,PM2.5,µg/m³,2026-11-"))
            let xlsx = try await client.execute(uri: "/api/v1/stations/HN-NKT/series?\(query)&format=xlsx", method: .get) { Data(buffer: $0.body) }
            let sheet = try #require(try XLSX.read(xlsx).first)
            #expect(sheet.rows.count == items.count + 1)
            #expect(sheet.cell(1, 2) == .text("µg/m³"))
            if case .number(let mean) = sheet.cell(1, 4), let first = items.first?["mean"] as? Double {
                #expect(abs(mean - first) < 1e-9, "the spreadsheet's numbers are numbers")
            } else {
                Issue.record("the mean is not a number cell: \(sheet.cell(1, 4))")
            }
            // A province's day as one file: every station and parameter, each hour.
            let day = try await client.execute(uri: "/api/v1/provinces/01/series?day=2026-11-20", method: .get) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(day.contains("HN-NKT,PM2.5,µg/m³,2026-11-20T") && day.contains("HN-NKT,PM10,µg/m³,2026-11-20T"))
            try await client.execute(uri: "/api/v1/provinces/01/series?day=20-11-2026", method: .get) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/provinces/99/series?year=2026", method: .get) { #expect($0.status == .notFound) }
            let year = try await client.execute(uri: "/api/v1/provinces/01/series?year=2026&format=xlsx", method: .get) { Data(buffer: $0.body) }
            #expect(try XLSX.read(year).first?.rows.first?.prefix(5).map(\.text) == ["station", "parameter", "unit", "date", "mean"])
        }
    }

    @Test func theIndicatorsPageIsCachedByTheDataVersionAndWarnsOnPartialData() async throws {
        let f = try await Fixture()
        try await f.test { client in
            let empty = try await PageFreshnessTests.page(client, "/indicators?year=2025")
            #expect(!empty.contains("data-partial"), "nothing reported: no ranking to warn about")
            let before = try await f.store.indicatorVersion()
            // Two provinces report one indicator, approved: a ranking on part of the data says so.
            let service = IndicatorService(store: f.store)
            let def = try #require(try IndexCatalogue.bundled().indexes.first)
            let code = try #require(def.dimensions.first?.components.first?.indicator)
            func row(_ unit: String, _ v: Double) -> IndicatorValueWrite {
                IndicatorValueWrite(indicator: code, unit: unit, period: "2025", value: v, numerator: nil, denominator: nil, origin: "test")
            }
            try await service.write([row("01", 40), row("79", 60)], status: .approved, by: "test", at: Fixture.now)
            #expect(try await f.store.indicatorVersion() != before, "a write changes the version")
            let partial = try await PageFreshnessTests.page(client, "/indicators?year=2025")
            #expect(partial.contains("data-partial") && partial.contains("2/34"), "partial data is named")
            // Cached: the same page again, until the data change.
            let again = try await PageFreshnessTests.page(client, "/indicators?year=2025")
            #expect(again == partial)
            try await service.write([row("31", 50)], status: .approved, by: "test", at: Fixture.now)
            let three = try await PageFreshnessTests.page(client, "/indicators?year=2025")
            #expect(three.contains("3/34"), "a change of the data is seen at once")
            let methods = try await PageFreshnessTests.page(client, "/indicators/methods?lang=en")
            #expect(methods.contains("Weighted") && methods.contains(code))
        }
    }
}

/// `serve --demo` keeps sending: the feed adds what the demo stations measured since their latest row, and the
/// broken station stays silent.
@Suite struct DemoFeedTests {
    @Test func theFeedCatchesUpOnceAndTheBrokenStationStaysSilent() async throws {
        let f = try await Fixture(station: false)
        let loaded = try await DemoLoader.load(services: f.services)
        #expect(loaded > 500_000)
        #expect(try await DemoLoader.feed(services: f.services) == 0, "nothing new at the same instant")
        let later = AppServices(
            store: f.store, reference: Fixture.reference, limits: f.services.limits, counters: f.services.counters, clock: { Fixture.now + 3600 })
        let fed = try await DemoLoader.feed(services: later)
        // 13 air stations, one of them broken: 12 × (2 or 6 parameters) + the outfall's 6, each 12 times an hour.
        #expect(fed > 12 * 2 * 12 && fed < 13 * 6 * 12 + 6 * 12, "\(fed)")
        #expect(try await DemoLoader.feed(services: later) == 0, "a second pass adds nothing")
        let newest = try await f.store.latestValues(station: "HN-NKT")["PM2.5"]?.t
        #expect(newest == (Fixture.now + 3600) - (Fixture.now + 3600) % 300)
        let broken = try await f.store.latestValues(station: "LS-DD")["PM2.5"]?.t ?? 0
        #expect(broken <= Fixture.now - 72 * 3600, "LS-DD has sent nothing for three days")
    }
}

/// The monitoring officer's dashboard: behind a login whose role holds `quality`; the silent station at the top.
@Suite struct WorkspaceTests {
    @Test func theOfficerSeesTheSilentStationAndOthersMayNot() async throws {
        let f = try await Fixture()
        let officer = try await f.session(.monitoringOfficer, username: "lan")
        let reporter = try await f.session(.reporter, username: "minh")
        try await f.test { client in
            try await client.execute(
                uri: "/api/v1/observations", method: .post, headers: f.auth, body: PageFreshnessTests.rows(endAgo: 7200, hours: 3)
            ) {
                #expect($0.status == .ok)
            }
            try await f.services.deriver.drain()
            _ = try await f.services.alertEngine.tick()
            let page = try await client.execute(uri: "/workspace", method: .get, headers: [.cookie: officer.cookie]) { r in
                #expect(r.status == .ok)
                return String(buffer: r.body)
            }
            #expect(page.contains(#"<tr data-silent="HN-NKT">"#) && page.contains("Nguyễn Khánh Toàn"), "the silent station, by name")
            #expect(page.range(of: #"\d{2}:\d{2} \d{2}/\d{2}/2026"#, options: .regularExpression) != nil, "local times, not ISO")
            #expect(page.contains("Tỷ lệ dữ liệu nhận được hôm qua (19/11/2026)"))
            try await client.execute(uri: "/workspace", method: .get, headers: [.cookie: reporter.cookie]) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/workspace?lang=en", method: .get) { r in
                #expect(r.status == .seeOther && r.headers[.location] == "/login?lang=en", "no login: to the form")
            }
            let account = try await client.execute(uri: "/account", method: .get, headers: [.cookie: officer.cookie]) { String(buffer: $0.body) }
            #expect(account.contains(#"href="/workspace?lang=vi""#))
            let theirs = try await client.execute(uri: "/account", method: .get, headers: [.cookie: reporter.cookie]) { String(buffer: $0.body) }
            #expect(!theirs.contains(#"href="/workspace?"#) && !theirs.contains("/workspace/keys"), "what a role may not do is not shown to it")
        }
    }
}
