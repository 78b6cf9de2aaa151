import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

@Suite struct FilteringTests {  // ets A.2, on its fixture
    /// 2 Things (deep inserts, 1 Location and 2 Datastreams each, ObservedProperty 1 reused), Locations swapped by PATCH,
    /// 12 Observations with results 1…12 on 2015-03-01…12.
    static func fixture(_ sta: STAClient) async throws -> [Int64] {
        var things: [Int64] = []
        var op1: Int64 = 0
        for (n, coords) in [(1, "[-117.05, 51.05]"), (2, "[-117.06, 51.06]")] {
            let opJSON = n == 1 ? #"{"name":"op 1","definition":"urn:op1","description":"first"}"# : #"{"@iot.id":\#(op1)}"#
            let r = try await sta.post(
                "Things",
                """
                {"name":"thing \(n)","description":"thing number \(n)","properties":{"n":\(n)},
                 "Locations":[{"name":"location \(n)","description":"place \(n)","encodingType":"application/vnd.geo+json","location":{"type":"Point","coordinates":\(coords)}}],
                 "Datastreams":[
                  {"name":"ds \(n)a","description":"d","observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                   "unitOfMeasurement":{"name":"u","symbol":"u","definition":"u"},"Sensor":{"name":"sensor \(n)a","description":"d","encodingType":"text/html","metadata":"m"},
                   "ObservedProperty":\(opJSON)},
                  {"name":"ds \(n)b","description":"d","observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                   "unitOfMeasurement":{"name":"u","symbol":"u","definition":"u"},"Sensor":{"name":"sensor \(n)b","description":"d","encodingType":"text/html","metadata":"m"},
                   "ObservedProperty":{"name":"op \(n)b","definition":"urn:op\(n)b","description":"d"}}]}
                """)
            #expect(r.status == 201, "\(r.text)")
            things.append(r.id)
            if n == 1 { op1 = try #require(try await sta.items("ObservedProperties?$filter=name%20eq%20'op%201'").first?["@iot.id"]?.int64Value) }
        }
        let locations = try await sta.items("Locations").compactMap { $0["@iot.id"]?.int64Value }
        _ = try await sta.patch("Things(\(things[0]))", #"{"Locations":[{"@iot.id":\#(locations[1])}]}"#)
        _ = try await sta.patch("Things(\(things[1]))", #"{"Locations":[{"@iot.id":\#(locations[0])}]}"#)
        let datastreams = try await sta.items("Datastreams").compactMap { $0["@iot.id"]?.int64Value }
        for i in 0..<12 {
            let day = String(format: "%02d", i + 1)
            let r = try await sta.post(
                "Datastreams(\(datastreams[i / 3]))/Observations", #"{"phenomenonTime":"2015-03-\#(day)T00:00:00Z","result":\#(i + 1)}"#)
            #expect(r.status == 201)
        }
        return things
    }

    @Test func countsTopSkipAndNextLinks() async throws {
        try await withSTA { sta, _ in
            // The server starts with reference data: the parameter catalogue as ObservedProperties and the station Sensor.
            var before: [String: Int] = [:]
            for e in staSets { before[e.setName] = Int(try await sta.get("\(e.setName)?$count=true&$top=0").json["@iot.count"]?.int64Value ?? -1) }
            #expect(before["Sensors"] == 1 && before["ObservedProperties"]! > 20 && before["Things"] == 0)
            let things = try await Self.fixture(sta)
            let added = [
                "Things": 2, "Locations": 2, "FeaturesOfInterest": 2, "ObservedProperties": 3, "HistoricalLocations": 4, "Sensors": 4,
                "Datastreams": 4,
                "Observations": 12,
            ]
            for (set, k) in added {
                let n = k + before[set]!
                #expect(try await sta.get("\(set)?$count=true").json["@iot.count"]?.int64Value == Int64(n), "\(set) count")
                #expect(try await sta.get("\(set)?$count=false").json["@iot.count"] == nil)
                for top in [1, 2, 3, 12, 13] {
                    let r = try await sta.get("\(set)?$top=\(top)")
                    guard case .array(let items)? = r.json["value"] else { continue }
                    #expect(items.count == min(top, n), "\(set)?$top=\(top)")
                    #expect((r.json["@iot.nextLink"] != nil) == (top < n), "\(set)?$top=\(top) nextLink")
                }
                for skip in [1, 2, 4, 12] {
                    let r = try await sta.get("\(set)?$skip=\(skip)")
                    #expect(r.json["value"].map { v -> Int in if case .array(let a) = v { a.count } else { -1 } } == max(0, n - skip))
                    #expect(r.json["@iot.nextLink"] == nil)
                }
            }
            // Following nextLinks visits every Observation once.
            var seen: [Int64] = []
            var next: String? = "Observations?$top=5&$orderby=result+desc"
            while let link = next {
                let r = try await sta.get(link.contains("/sta/v1.1/") ? "/sta/v1.1/" + link.split(separator: "/sta/v1.1/").last! : link)
                if case .array(let items)? = r.json["value"] { seen += items.compactMap { $0["result"]?.int64Value } }
                next = r.json["@iot.nextLink"]?.stringValue
            }
            #expect(seen == Array((1...12).reversed()))
            let ets = try await sta.get("Observations?$count=true&$top=1&$skip=2&$orderby=phenomenonTime%20asc&$filter=result%20gt%20'3'")
            #expect(ets.json["@iot.count"] == .number("6"))
            #expect(
                try await sta.items("Observations?$count=true&$top=1&$skip=2&$orderby=phenomenonTime%20asc&$filter=result%20gt%20'3'").first?[
                    "result"] == .number("6"))
            #expect(try await sta.get("Things(\(things[0]))/Datastreams?$count=true").json["@iot.count"] == .number("2"))
            #expect(try await sta.get("Things(\(things[0]))/HistoricalLocations?$count=true").json["@iot.count"] == .number("2"))
            let foi = try await sta.items("FeaturesOfInterest").first?["@iot.id"]?.int64Value ?? 0
            let foiObs = try await sta.get("FeaturesOfInterest(\(foi))/Observations?$top=3")
            #expect(foiObs.json["@iot.nextLink"] != nil)
            let none = try await sta.get("Observations?$top=0&$count=true")
            #expect(none.json["@iot.count"] == .number("12") && none.json["@iot.nextLink"] == nil, "$top=0 counts and has no next link")
            #expect(try await sta.get("Datastreams?$top=-1").status == 400)
            #expect(try await sta.get("Datastreams?$count=maybe").status == 400)
            #expect(try await sta.get("Datastreams?$apply=x").status == 501)
        }
    }

    @Test func filterOperatorsFunctionsAndPrecedence() async throws {
        try await withSTA { sta, _ in
            _ = try await Self.fixture(sta)
            func results(_ filter: String) async throws -> [Int64] {
                let q = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
                let r = try await sta.get("Observations?$orderby=result&$filter=\(q)")
                #expect(r.status == 200, "\(filter): \(r.text)")
                guard case .array(let items)? = r.json["value"] else { return [] }
                return items.compactMap { $0["result"]?.int64Value }
            }
            #expect(try await results("result gt '3'") == [4, 5, 6, 7, 8, 9])
            #expect(try await results("result ge '2'") == [2, 3, 4, 5, 6, 7, 8, 9])
            #expect(try await results("result le 3") == [1, 2, 3])
            for e in [
                "1 add result mul 2 sub -1 eq 4", "6 div 2 sub result eq 2", "14 div (result add 1) mod 3 mul 3 eq 3",
                "1 add 2.0 mod (result add 1) eq 1",
                "not result lt 1 and not result gt 1",
            ] {
                #expect(try await results(e) == [1], "\(e)")
            }
            #expect(try await results("result eq 2 or result eq 11") == [2, 11])
            #expect(try await results("phenomenonTime ge 2015-03-11T00:00:00Z") == [11, 12])
            #expect(try await results("phenomenonTime lt 2015-03-02T00:00:00.000+00:00") == [1])
            #expect(try await results("phenomenonTime eq 2015-03-05T07:00:00+07:00") == [5])
            #expect(try await results("year(phenomenonTime) eq 2015 and day(phenomenonTime) eq 7") == [7])
            #expect(try await results("resultTime ne 2015-03-02T00:00:00.000Z") == [])
            #expect(try await results("resultTime eq null and result eq 1") == [1])
            #expect(try await results("Datastream/Thing/name eq 'thing 2' and Datastream/name eq 'ds 2b'") == [10, 11, 12])
            #expect(try await results("FeatureOfInterest/name eq 'location 1'").count == 6)
            #expect(try await results("round(result div 4) eq 1") == [2, 3, 4, 5])
            #expect(try await results("floor(result div 4) eq 1 and ceiling(result div 4) eq 2") == [5, 6, 7])
            let things: (String) async throws -> [String] = { f in
                try await sta.items("Things?$orderby=name&$filter=\(f.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").compactMap {
                    $0["name"]?.stringValue
                }
            }
            #expect(try await things("startswith(name,'thing') and endswith(name,'2')") == ["thing 2"])
            #expect(try await things("substringof('ing 1', name)") == ["thing 1"])
            #expect(try await things("length(name) eq 7 and indexof(name,'g') eq 4 and substring(name,6) eq '1'") == ["thing 1"])
            #expect(try await things("toupper(substring(name,0,5)) eq 'THING' and concat(trim(' a '),'b') eq 'ab'") == ["thing 1", "thing 2"])
            #expect(try await things("Datastreams/Observations/result gt 11") == ["thing 2"])
            #expect(try await things("properties/n eq 2") == ["thing 2"])
            #expect(try await things("Locations/name eq 'location 1'") == ["thing 2"])
            let locations: (String) async throws -> [String] = { f in
                try await sta.items("Locations?$orderby=name&$filter=\(f.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").compactMap {
                    $0["name"]?.stringValue
                }
            }
            #expect(try await locations("geo.distance(location, geography'POINT(-117.05 51.05)') lt 0.001") == ["location 1"])
            #expect(
                try await locations("st_within(location, geography'POLYGON((-118 50, -117.055 50, -117.055 52, -118 52, -118 50))')") == [
                    "location 2"
                ])
            #expect(try await locations("geo.intersects(location, geography'LINESTRING(-117.06 51.0, -117.06 51.1)')") == ["location 2"])
            #expect(try await locations("st_contains(geography'POLYGON((-118 50, -116 50, -116 52, -118 52, -118 50))', location)").count == 2)
            #expect(try await locations("st_disjoint(location, geography'POINT(0 0)')").count == 2)
            for bad in ["result gt", "name eq 'x", "nosuch eq 1", "(result eq 1"] {
                let r = try await sta.get("Observations?$filter=\(bad.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)")
                #expect(r.status == 400, "\(bad)")
                #expect(r.json["message"]?.stringValue?.isEmpty == false)
            }
            #expect(try await sta.get("Observations?$filter=nosuchfunction(result)%20eq%201").status == 501)
        }
    }

    @Test func selectExpandAndOrder() async throws {
        try await withSTA { sta, _ in
            let things = try await Self.fixture(sta)
            let selected = try await sta.items("Things?$select=name,Datastreams")
            #expect(selected.first?.objectMembers?.map(\.0) == ["name", "Datastreams@iot.navigationLink"])
            #expect(
                try await sta.items("Observations?$select=id,result&$top=1").first?.objectMembers?.map(\.0) == ["@iot.selfLink", "@iot.id", "result"])
            let expanded = try await sta.get(
                "Things(\(things[1]))?$select=name&$expand=Datastreams($select=name;$orderby=name%20desc;$expand=Observations($select=result;$top=2;$count=true;$orderby=result%20desc),Sensor)"
            ).json
            guard case .array(let ds)? = expanded["Datastreams"] else {
                Issue.record("no Datastreams: \(expanded.text)")
                return
            }
            #expect(ds.compactMap { $0["name"]?.stringValue } == ["ds 2b", "ds 2a"])
            #expect(ds[0]["Observations@iot.count"] == .number("3"))
            #expect(ds[0]["Observations@iot.nextLink"]?.stringValue?.contains("$skip=2") == true)
            if case .array(let obs)? = ds[0]["Observations"] {
                #expect(obs.map { $0.text } == [#"{"result":12}"#, #"{"result":11}"#])
            }
            #expect(ds[0]["Sensor"]?["name"] == .string("sensor 2b"))
            #expect(ds[0]["Thing@iot.navigationLink"] == nil)
            // Paths with a shared prefix merge.
            let merged = try await sta.items("Datastreams?$top=1&$expand=Sensor,ObservedProperty,Thing/Locations")
            #expect(merged.first?["Thing"]?["Locations"] != nil && merged.first?["Sensor"]?["name"] != nil)
            #expect(try await sta.get("Things?$expand=Nothing").status == 400)
            #expect(try await sta.get("Things?$select=nothing").status == 400)
            let desc = try await sta.items("Observations?$orderby=phenomenonTime%20desc&$top=3").compactMap { $0["result"]?.int64Value }
            #expect(desc == [12, 11, 10])
            let multi = try await sta.items("Datastreams?$orderby=Thing/name%20desc,name").compactMap { $0["name"]?.stringValue }
            #expect(multi == ["ds 2a", "ds 2b", "ds 1a", "ds 1b"])
        }
    }
}

extension FilteringTests {
    /// A page of Datastreams with their Observations expanded (the map page) answers, Datastream by Datastream, what
    /// each Datastream's own Observations answer: on PostgreSQL the expansion is read for the whole page at once.
    @Test func expandedObservationsOfAPageMatchEachDatastream() async throws {
        try await withSTA { sta, _ in
            _ = try await Self.fixture(sta)
            for options in ["$top=1;$orderby=phenomenonTime%20desc", "$top=1;$skip=1;$filter=result%20gt%202", "$orderby=result%20desc", "$top=0"] {
                let page = try await sta.items("Datastreams?$expand=Observations(\(options))")
                #expect(page.count == 4)
                for ds in page {
                    let id = try #require(ds["@iot.id"]?.int64Value)
                    let own = try await sta.get("Datastreams(\(id))/Observations?" + options.replacingOccurrences(of: ";", with: "&")).json
                    #expect(ds["Observations"] == own["value"], "\(options), Datastream \(id)")
                    #expect((ds["Observations@iot.nextLink"] == nil) == (own["@iot.nextLink"] == nil), "\(options), Datastream \(id)")
                }
            }
            let latest = try await sta.items("Datastreams?$expand=Observations($top=1;$orderby=phenomenonTime%20desc;$select=result)")
            let results = latest.map { ds -> Int64? in
                guard case .array(let obs)? = ds["Observations"] else { return nil }
                return obs.first?["result"]?.int64Value
            }
            #expect(results == [3, 6, 9, 12])
        }
    }
}

@Suite struct SensorThingsExtensionTests {
    @Test func createObservationsAndDataArray() async throws {
        try await withSTA { sta, _ in
            let thing = try await sta.deepInsertThing()
            let ds = try #require(try await sta.items("Things(\(thing))/Datastreams?$orderby=name").first?["@iot.id"]?.int64Value)
            let foi = try #require(try await sta.items("FeaturesOfInterest").first?["@iot.id"]?.int64Value)
            let r = try await sta.post(
                "CreateObservations",
                """
                [{"Datastream":{"@iot.id":\(ds)},"components":["phenomenonTime","result","FeatureOfInterest/id"],
                  "dataArray":[["2016-01-01T00:00:00Z",20,\(foi)],["2016-01-02T00:00:00Z",21,\(Int64.max)],["2016-01-03T00:00:00Z",22,\(foi)]]}]
                """)
            #expect(r.status == 201)
            guard case .array(let slots) = r.json else {
                Issue.record("not an array: \(r.text)")
                return
            }
            #expect(slots.count == 3)
            #expect(slots[0].stringValue?.contains("/Observations(") == true)
            #expect(slots[1].stringValue?.hasPrefix("error") == true)
            #expect(try await sta.count("Datastreams(\(ds))/Observations") == 4)
            let da = try await sta.get("Datastreams(\(ds))/Observations?$count=true&$top=3&$resultFormat=dataArray")
            #expect(da.json["@iot.count"] == .number("4"))
            #expect(da.json["@iot.nextLink"] != nil)
            guard case .array(let groups)? = da.json["value"] else {
                Issue.record("no value: \(da.text)")
                return
            }
            #expect(groups.first?["dataArray@iot.count"] == .number("3"))
            #expect(groups.first?["Datastream@iot.navigationLink"]?.stringValue?.hasSuffix("Datastreams(\(ds))") == true)
            let selected = try await sta.get("Observations?$resultFormat=dataArray&$select=result,phenomenonTime&$orderby=phenomenonTime")
            if case .array(let g)? = selected.json["value"], case .array(let rows)? = g.first?["dataArray"] {
                #expect(g.first?["components"]?.text == #"["result","phenomenonTime"]"#)
                #expect(rows.first?.text == #"[1,"2015-03-01T00:00:00Z"]"#)
            } else {
                Issue.record("no dataArray: \(selected.text)")
            }
        }
    }

    @Test func jsonBatchWithReferencesAndAtomicGroups() async throws {
        try await withSTA { sta, _ in
            let thing = try await sta.deepInsertThing()
            let op = try #require(try await sta.items("ObservedProperties").first?["@iot.id"]?.int64Value)
            let r = try await sta.post(
                "$batch",
                """
                {"requests":[
                  {"id":"sensor1","method":"post","url":"Sensors","body":{"name":"b","description":"d","encodingType":"text/html","metadata":"m"}},
                  {"id":"ds1","method":"post","url":"$sensor1/Datastreams","body":{"name":"d","description":"d","observationType":"x",
                    "unitOfMeasurement":{"name":"n","symbol":"s","definition":"d"},"Thing":{"@iot.id":\(thing)},"ObservedProperty":{"name":"new","definition":"u","description":"d"}}},
                  {"id":"get","method":"get","url":"/sta/v1.1/Sensors?$filter=name%20eq%20'b'"},
                  {"id":"missing","method":"get","url":"Things(\(Int64.max))"},
                  {"id":"patch","method":"patch","url":"$sensor1","headers":{"content-type":"application/json-patch+json"},"body":[{"op":"replace","path":"/name","value":"renamed"}]},
                  {"id":"a1","atomicityGroup":"g","method":"post","url":"Things","body":{"name":"kept?","description":"d"}},
                  {"id":"a2","atomicityGroup":"g","method":"post","url":"Datastreams","body":{"name":"no sensor","description":"d","observationType":"x",
                    "unitOfMeasurement":{"name":"n","symbol":"s","definition":"d"},"Thing":{"@iot.id":\(thing)},"ObservedProperty":{"@iot.id":\(op)}}}
                ]}
                """)
            #expect(r.status == 200)
            guard case .array(let responses)? = r.json["responses"] else {
                Issue.record("no responses: \(r.text)")
                return
            }
            #expect(responses.compactMap { $0["status"]?.int64Value } == [201, 201, 200, 404, 200, 400, 400])
            #expect(responses[1]["location"]?.stringValue?.contains("/Datastreams(") == true)
            if case .array(let found)? = responses[2]["body"]?["value"] { #expect(found.count == 1) }
            #expect(try await sta.items("Sensors?$filter=name%20eq%20'renamed'").count == 1)
            #expect(try await sta.items("Things?$filter=name%20eq%20'kept%3F'").isEmpty)
        }
    }

    /// A Thing takes the next station id itself; a station registered natively afterwards must not collide with it
    /// (on PostgreSQL the identity has to move past the Thing's id).
    @Test func thingsAndNativeStationsShareIDs() async throws {
        try await withSTA { sta, f in
            for n in 1...2 {
                let r = try await sta.post("Things", #"{"name":"thing \#(n)","description":"d","properties":{"xanh":{"station":"T-\#(n)"}}}"#)
                #expect(r.status == 201, "\(r.text)")
                let body = ByteBuffer(
                    string: #"{"code":"N-\#(n)","name":"native \#(n)","kind":"ambient_air","province":"01","latitude":21.0,"longitude":105.8}"#)
                try await sta.client.execute(uri: "/api/v1/stations", method: .post, headers: f.auth, body: body) { r in
                    #expect(r.status == .created, "\(String(buffer: r.body))")
                }
            }
            let things = try await sta.items("Things?$orderby=id&$expand=Locations")
            #expect(things.compactMap { $0["name"]?.stringValue } == ["thing 1", "native 1", "thing 2", "native 2"])
            // A natively registered station with coordinates is a Thing with a Location.
            #expect(things.compactMap { t -> Int? in if case .array(let a)? = t["Locations"] { a.count } else { nil } } == [0, 1, 0, 1])
        }
    }

    @Test func nativeAndSensorThingsAreOneStore() async throws {
        try await withSTA(station: true) { sta, f in
            // A station registered through the native API is a Thing with its Location, Datastreams and derived ones.
            let things = try await sta.items("Things?$filter=properties/xanh/station%20eq%20'HN-NKT'")
            let thing = try #require(things.first?["@iot.id"]?.int64Value)
            #expect(try await sta.get("Things(\(thing))/Locations").json["value"].map { $0.text.contains("105.8005") } == true)
            let pm = try #require(
                try await sta.items(
                    "Things(\(thing))/Datastreams?$filter=properties/xanh/parameter%20eq%20'PM2.5'%20and%20properties/xanh/aggregate%20eq%20'none'"
                )
                .first?["@iot.id"]?.int64Value)
            let native = Fixture.observations([["station": "HN-NKT", "parameter": "PM2.5", "time": "2026-11-20T11:05:00+07:00", "value": 42.5]])
            try await sta.client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: native) { r in
                #expect(r.status == .ok || r.status == .accepted || r.status == .created)
            }
            let listed = try await sta.items("Datastreams(\(pm))/Observations")
            #expect(listed.map { $0["phenomenonTime"]?.stringValue } == ["2026-11-20T04:05:00Z"])
            #expect(listed.first?["result"] == .number("42.5"))
            let created = try await sta.post("Datastreams(\(pm))/Observations", #"{"phenomenonTime":"2026-11-20T04:10:00Z","result":47}"#)
            #expect(created.status == 201)
            let series = try await sta.client.execute(
                uri: "/api/v1/stations/HN-NKT/series?parameter=PM2.5&resolution=raw&from=2026-11-20", method: .get
            ) { r in Fixture.json(r) }
            let values = (series["items"] as? [[String: Any]])?.compactMap { $0["value"] as? Double }
            #expect(values == [42.5, 47])
            // Derived Datastreams serve the rollups and the AQI once derived.
            try await f.services.deriver.drain()
            let hourly = try #require(
                try await sta.items(
                    "Things(\(thing))/Datastreams?$filter=properties/xanh/aggregate%20eq%20'hour_mean'%20and%20properties/xanh/parameter%20eq%20'PM2.5'"
                )
                .first?["@iot.id"]?.int64Value)
            let mean = try await sta.items("Datastreams(\(hourly))/Observations")
            #expect(mean.first?["result"]?.doubleValue == 44.75)
            #expect(mean.first?["phenomenonTime"] == .string("2026-11-20T04:00:00Z/2026-11-20T05:00:00Z"))
            // Through the union of every arm (an order or a filter over all Observations), the mean is still the result.
            let union = try await sta.items("Observations?$orderby=result%20desc&$filter=Datastream/id%20eq%20\(hourly)")
            #expect(union.first?["result"]?.doubleValue == 44.75)
            #expect(union.first?["validTime"] == nil)
            #expect(try await sta.post("Datastreams(\(hourly))/Observations", #"{"result":1}"#).status == 400)
            #expect(try await sta.items("Datastreams?$filter=properties/xanh/aggregate%20eq%20'vn_aqi_hour'").count == 1)
            // A station deleted natively is deactivated, and stays readable.
            #expect(try await sta.items("ObservedProperties?$filter=properties/xanh/parameter%20eq%20'VN_AQI'").count == 1)
        }
    }
}
