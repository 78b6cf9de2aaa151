import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

@Suite struct ObservationAPITests {
    /// 1,000 rows every 5 minutes over PM2.5, PM10, NO2, ending before the pinned clock.
    static func thousandRows() -> [[String: Any]] {
        let start = Fixture.now - 1000 * 100
        let parameters = ["PM2.5", "PM10", "NO2"]
        return (0..<1000).map { i -> [String: Any] in
            let time: String = Timestamps.format(start + Int64(i / 3) * 300)
            let value: Double = 20.0 + Double(i % 17)
            return ["station": "HN-NKT", "parameter": parameters[i % 3], "time": time, "value": value, "status": "00"]
        }
    }

    @Test func thousandRowsWithThreeBadOnesStores997AndNamesThem() async throws {
        let f = try await Fixture()
        var batch = Self.thousandRows()
        batch[10]["station"] = "NOPE"
        batch[500]["value"] = "high"
        batch[999]["time"] = "2026-11-20 10:00"
        let body = Fixture.observations(batch)
        try await f.test { client in
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: body) { r in
                #expect(r.status == .ok)
                let json = Fixture.json(r)
                #expect(json["accepted"] as? Int == 997)
                #expect(json["replaced"] as? Int == 0)
                let rejected = try #require(json["rejected"] as? [[String: Any]])
                #expect(rejected.map { $0["index"] as? Int } == [10, 500, 999])
                #expect((rejected[0]["error"] as? String) == "station 'NOPE' is not registered")
                #expect((rejected[1]["error"] as? String) == "value must be a number")
                #expect((rejected[2]["error"] as? String)?.contains("no UTC offset") == true)
            }
        }
        #expect(try await f.store.observationCount() == 997)
    }

    @Test func sameBatchTwiceLeavesTheCountUnchanged() async throws {
        let f = try await Fixture()
        let body = Fixture.observations(Self.thousandRows())
        try await f.test { client in
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: body) { r in
                #expect(Fixture.json(r)["accepted"] as? Int == 1000)
            }
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: body) { r in
                let json = Fixture.json(r)
                #expect(json["accepted"] as? Int == 1000)
                #expect(json["replaced"] as? Int == 1000)
            }
        }
        #expect(try await f.store.observationCount() == 1000)
    }

    @Test func malformedBodyIsAProblem() async throws {
        let f = try await Fixture()
        try await f.test { client in
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: ByteBuffer(string: "{\"observations\": [")) {
                r in
                #expect(r.status == .badRequest)
                #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
                let detail = Fixture.json(r)["detail"] as? String
                #expect(detail?.contains("not valid JSON") == true)
            }
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: ByteBuffer(string: "{\"rows\": []}")) { r in
                #expect(r.status == .badRequest)
                let pointer = Fixture.json(r)["pointer"] as? String
                #expect(pointer == "/observations")
            }
        }
    }

    @Test func writesNeedAValidKey() async throws {
        let f = try await Fixture()
        try await f.test { client in
            try await client.execute(uri: "/api/v1/observations", method: .post, body: Fixture.observations([])) { r in
                #expect(r.status == .unauthorized)
            }
            try await client.execute(
                uri: "/api/v1/observations", method: .post, headers: [.authorization: "Bearer xanh_wrong"], body: Fixture.observations([])
            ) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            }
        }
    }

    @Test func readsAfterDerivation() async throws {
        let f = try await Fixture()
        try await f.test { client in
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: Fixture.observations(Self.thousandRows())) {
                _ in
            }
            try await f.services.deriver.drain()
            try await client.execute(uri: "/api/v1/aqi/latest", method: .get) { r in
                let items = try #require(Fixture.json(r)["items"] as? [[String: Any]])
                #expect(items.count == 1)
                #expect(items[0]["station"] as? String == "HN-NKT")
                #expect(items[0]["time"] as? String == "2026-11-20T12:00:00+07:00")
                #expect(items[0]["color"] as? String != nil)
                #expect(Fixture.json(r).keys.contains("next"))
            }
            try await client.execute(uri: "/api/v1/stations/HN-NKT/series?parameter=PM2,5&resolution=hour&from=2026-11-20", method: .get) { r in
                let items = try #require(Fixture.json(r)["items"] as? [[String: Any]])
                #expect(items.count == 13)  // 00:00 (the hour 23:00–24:00 of the day before) … 12:00
                #expect(items.last?["time"] as? String == "2026-11-20T12:00:00+07:00")
                #expect(items.last?["coverage"] as? Double == 100)
            }
            try await client.execute(uri: "/api/v1/stations/HN-NKT/aqi?resolution=hour&scale=vn&format=csv", method: .get) { r in
                let text = String(buffer: r.body)
                #expect(text.hasPrefix("\u{FEFF}time,aqi,category,color,dominant"), "UTF-8 with a byte-order mark, so Excel reads Vietnamese")
                #expect(r.headers[.contentType]?.hasPrefix("text/csv") == true)
            }
            try await client.execute(uri: "/api/v1/stations/HN-NKT/aqi?lang=en", method: .get) { r in
                let items = try #require(Fixture.json(r)["items"] as? [[String: Any]])
                #expect((items.last?["advice"] as? String)?.isEmpty == false)
                #expect(items.last?["subindices"] as? [String: Int] != nil)
            }
            try await client.execute(uri: "/api/v1/stations/HN-NKT/aqi?scale=us", method: .get) { r in
                #expect(r.status == .ok)
                let items = try #require(Fixture.json(r)["items"] as? [[String: Any]])
                #expect(!items.isEmpty)
            }
            try await client.execute(uri: "/api/v1/stations/HN-NKT/series?parameter=SO2", method: .get) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/stations/HN-NKT/series?parameter=PM2.5&from=yesterday", method: .get) { r in
                #expect(r.status == .badRequest)
                #expect(Fixture.json(r)["pointer"] as? String == "/query/from")
            }
            try await client.execute(uri: "/api/v1/exceedances?station=HN-NKT", method: .get) { r in
                #expect(r.status == .ok)
            }
        }
    }
}

@Suite struct RegistryAPITests {
    @Test func stationLifecycle() async throws {
        let f = try await Fixture()
        try await f.test { client in
            let body = ByteBuffer(
                string: #"{"code":"HP-LC","name":"Lê Chân","kind":"ambient_air","province":"31","parameters":[{"parameter":"PM2.5"}]}"#)
            try await client.execute(uri: "/api/v1/stations", method: .post, headers: f.auth, body: body) { r in
                #expect(r.status == .created)
                #expect(r.headers[.location] == "/api/v1/stations/HP-LC")
            }
            try await client.execute(uri: "/api/v1/stations", method: .post, headers: f.auth, body: body) { r in
                #expect(r.status == .conflict)
            }
            try await client.execute(
                uri: "/api/v1/stations", method: .post, headers: f.auth,
                body: ByteBuffer(string: #"{"code":"X","name":"X","kind":"ambient_air","province":"00"}"#)
            ) { r in
                #expect(r.status == .unprocessableContent)
                #expect(Fixture.json(r)["pointer"] as? String == "/province")
            }
            try await client.execute(uri: "/api/v1/stations?limit=1", method: .get) { r in
                let json = Fixture.json(r)
                #expect((json["items"] as? [Any])?.count == 1)
                #expect(json["next"] as? String == "HN-NKT")
            }
            try await client.execute(uri: "/api/v1/stations/HP-LC", method: .delete, headers: f.auth) { r in
                #expect(r.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/stations/HP-LC", method: .get) { r in
                #expect(Fixture.json(r)["active"] as? Bool == false)
            }
            try await client.execute(uri: "/api/v1/stations/NOPE", method: .get) { r in
                #expect(r.status == .notFound)
                #expect(r.headers[.contentType]?.hasPrefix("application/problem+json") == true)
            }
        }
    }
}

@Suite struct SystemTests {
    @Test func openAPIDescribesEveryRoute() async throws {
        let f = try await Fixture()
        let router = try await f.router()
        let app = Application(router: router)
        let body = try await app.test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { r in r.body }
        }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        #expect(json["openapi"] as? String == "3.1.0")
        let documented = try #require(json["paths"] as? [String: [String: Any]])
        for route in router.routes {
            let path = route.path.description
            let method = route.method.rawValue.lowercased()
            #expect(documented[path]?[method] != nil, "\(method.uppercased()) \(path) is missing from openapi.json")
        }
        // And nothing is documented that the router does not serve.
        let served = Set(router.routes.map { "\($0.method.rawValue.lowercased()) \($0.path.description)" })
        for (path, ops) in documented {
            for method in ops.keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                #expect(served.contains("\(method) \(path)"), "openapi.json documents \(method.uppercased()) \(path), which is not served")
            }
        }
    }

    /// A server on a read replica serves reads and refuses writes, saying where they go; nothing is stored.
    @Test func aReadOnlyServerRefusesWrites() async throws {
        let f = try await Fixture()
        try await f.test(readOnly: true) { client in
            let body = Fixture.observations([["station": "HN-NKT", "parameter": "PM2.5", "time": "2026-11-20T10:00:00+07:00", "value": 30]])
            try await client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: body) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD")
                #expect((Fixture.json(r)["detail"] as? String)?.contains("primary") == true)
            }
            try await client.execute(uri: "/api/v1/stations/HN-NKT", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/health", method: .get) { r in #expect(r.status == .ok) }
        }
        #expect(try await f.store.observationCount() == 0)
    }

    /// On SQLite the SensorThings root answers; on PostgreSQL it says why not (decision 0012) instead of failing.
    /// The SensorThings API answers from either engine: the station of the fixture is one Thing with its Location.
    @Test func staAnswersOnEitherEngine() async throws {
        let f = try await Fixture()
        try await f.test { client in
            try await client.execute(uri: "/sta/v1.1/Things?$expand=Locations", method: .get) { r in
                #expect(r.status == .ok)
                let things = Fixture.json(r)["value"] as? [[String: Any]]
                #expect(things?.count == 1)
                #expect((things?.first?["Locations"] as? [Any])?.count == 1)
            }
        }
    }

    @Test func healthMetricsAndPages() async throws {
        let f = try await Fixture()
        try await f.test { client in
            try await client.execute(
                uri: "/api/v1/observations", method: .post, headers: f.auth, body: Fixture.observations(ObservationAPITests.thousandRows())
            ) { _ in }
            try await f.services.deriver.drain()
            try await client.execute(uri: "/health", method: .get) { r in
                #expect(r.status == .ok)
                // The store that answered: its engine and where it is (no password).
                let store = Fixture.json(r)["store"] as? [String: Any]
                #expect(store?["engine"] as? String == (Fixture.onPostgres ? "postgresql" : "sqlite"))
                #expect((store?["location"] as? String)?.isEmpty == false)
                #expect(store?["latency_ms"] is Double)
            }
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(String(buffer: r.body).contains("xanh_observations_accepted_total 1000"))
            }
            try await client.execute(uri: "/", method: .get) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("lang=\"vi\""))
                #expect(html.contains("data-station=\"HN-NKT\""))
                #expect(html.contains("Chất lượng không khí"))
                #expect(html.contains("data-aqi="))
                #expect(!html.contains("http://") || html.contains("http://www.w3.org"))  // no external assets
            }
            try await client.execute(uri: "/stations/HN-NKT?lang=en", method: .get) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("lang=\"en\""))
                #expect(html.contains("<svg"))
                #expect(html.contains("class=\"bar\""))
                #expect(html.contains("Advice for sensitive groups"))
            }
        }
    }

    @Test func sha256KnownVectors() {
        #expect(APIKeys.hash("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(APIKeys.hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(APIKeys.hash(String(repeating: "a", count: 1000)).count == 64)
    }
}
