import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhServer
import XanhStore

/// A SensorThings client over the router, with the checks the OGC test suite (ets-sta10) makes.
struct STAClient {
    let client: any TestClientProtocol
    let auth: HTTPFields
    static let root = "/sta/v1.1"

    struct Reply {
        var status: Int
        var json: JSONValue
        var text: String
        var location: String?
        /// The id at the end of the Location header: `…/Things(7)` → 7.
        var id: Int64 {
            guard let l = location, let open = l.lastIndex(of: "("), let id = Int64(l[l.index(after: open)...].dropLast()) else { return -1 }
            return id
        }
    }

    func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, contentType: String = "application/json") async throws -> Reply {
        var headers = auth
        headers[.contentType] = contentType
        let uri = path.hasPrefix("/") ? path : "\(Self.root)/\(path)"
        return try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { r in
            let text = String(buffer: r.body)
            return Reply(status: Int(r.status.code), json: (try? JSONValue.parse(text)) ?? .null, text: text, location: r.headers[.location])
        }
    }

    func get(_ path: String) async throws -> Reply { try await call(.get, path) }
    func post(_ path: String, _ body: String) async throws -> Reply { try await call(.post, path, body) }
    func patch(_ path: String, _ body: String) async throws -> Reply { try await call(.patch, path, body) }
    func put(_ path: String, _ body: String) async throws -> Reply { try await call(.put, path, body) }
    func delete(_ path: String) async throws -> Reply { try await call(.delete, path) }

    func items(_ path: String) async throws -> [JSONValue] {
        guard case .array(let a)? = try await get(path).json["value"] else { return [] }
        return a
    }

    func count(_ set: String) async throws -> Int { try await items(set).count }

    /// ets C1 and CUD fixture: one deep-inserted Thing with a Location and two Datastreams with Observations.
    func deepInsertThing(name: String = "thing 1", location: String = "[-117.05, 51.05]") async throws -> Int64 {
        let r = try await post(
            "Things",
            """
            {"name":"\(name)","description":"A test thing","properties":{"reference":"first","count":-50},
             "Locations":[{"name":"location of \(name)","description":"a point","encodingType":"application/vnd.geo+json",
               "location":{"type":"Point","coordinates":\(location)}}],
             "Datastreams":[
               {"name":"ds 1","description":"temperature","observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "unitOfMeasurement":{"name":"degree Celsius","symbol":"°C","definition":"http://unitsofmeasure.org/ucum.html#para-30"},
                "Sensor":{"name":"sensor 1","description":"a thermometer","encodingType":"application/pdf","metadata":"http://example.org/t.pdf"},
                "ObservedProperty":{"name":"Temperature","definition":"http://dbpedia.org/page/Temperature","description":"air temperature"},
                "Observations":[{"phenomenonTime":"2015-03-01T00:00:00Z","resultTime":"2015-03-01T00:00:05Z","result":1},
                                {"phenomenonTime":"2015-03-02T00:00:00Z","result":2}]},
               {"name":"ds 2","description":"humidity","observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "unitOfMeasurement":{"name":"percent","symbol":"%","definition":"http://unitsofmeasure.org/ucum.html#para-29"},
                "Sensor":{"name":"sensor 2","description":"a hygrometer","encodingType":"text/html","metadata":"http://example.org/h"},
                "ObservedProperty":{"name":"Humidity","definition":"http://dbpedia.org/page/Humidity","description":"relative humidity"},
                "Observations":[{"phenomenonTime":"2015-03-03T00:00:00Z","result":45.5}]}]}
            """)
        #expect(r.status == 201, "\(r.text)")
        return r.id
    }
}

private func withSTA(station: Bool = false, _ body: @escaping @Sendable (STAClient, Fixture) async throws -> Void) async throws {
    let f = try await Fixture(station: station)
    try await f.test { client in try await body(STAClient(client: client, auth: [.authorization: "Bearer \(f.key)"]), f) }
}

private let sets = STAEntity.allCases

@Suite struct SensingCoreTests {  // ets A.1
    @Test func serviceRootListsTheEightSetsAndConformance() async throws {
        try await withSTA { sta, _ in
            for path in ["/sta/v1.1", "/sta/v1.1/"] {
                let r = try await sta.get(path)
                #expect(r.status == 200)
                guard case .array(let value)? = r.json["value"] else {
                    Issue.record("no value")
                    return
                }
                #expect(value.compactMap { $0["name"]?.stringValue } == sets.map(\.setName))
                for v in value {
                    #expect(v["url"]?.stringValue?.hasSuffix("/sta/v1.1/" + (v["name"]?.stringValue ?? "?")) == true)
                }
                guard case .array(let conf)? = r.json["serverSettings"]?["conformance"] else {
                    Issue.record("no conformance")
                    return
                }
                #expect(conf.contains(.string("http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete")))
            }
        }
    }

    @Test func entitiesCarryControlInformationPropertiesAndNavigationLinks() async throws {
        try await withSTA { sta, _ in
            _ = try await sta.deepInsertThing()
            for e in sets {
                let list = try await sta.get(e.setName)
                #expect(list.status == 200)
                guard case .array(let items)? = list.json["value"], let first = items.first, let id = first["@iot.id"]?.int64Value else {
                    Issue.record("\(e.setName) is empty")
                    continue
                }
                for entity in [first, try await sta.get("\(e.setName)(\(id))").json] {
                    #expect(entity["@iot.selfLink"]?.stringValue?.hasSuffix("/\(e.setName)(\(id))") == true)
                    for f in e.fields where f.mandatory {
                        #expect(entity[f.name] != nil, "\(e.rawValue).\(f.name) missing")
                    }
                    for n in e.navigations {
                        #expect(entity["\(n.name)@iot.navigationLink"]?.stringValue?.hasSuffix("/\(e.setName)(\(id))/\(n.name)") == true)
                    }
                }
                #expect(try await sta.get("\(e.setName)(\(Int64.max))").status == 404)
                #expect(try await sta.get("\(e.setName)(null)").status == 404)
                // Each mandatory property alone, and its raw value.
                for f in e.fields where f.mandatory && f.name != "resultTime" {
                    let p = try await sta.get("\(e.setName)(\(id))/\(f.name)")
                    #expect(p.status == 200, "\(e.setName)(\(id))/\(f.name)")
                    #expect(p.json.objectMembers?.map(\.0) == [f.name])
                    let raw = try await sta.get("\(e.setName)(\(id))/\(f.name)/$value")
                    #expect(raw.status == 200)
                    if ["location", "feature", "unitOfMeasurement"].contains(f.name) {
                        #expect(raw.text.hasPrefix("{"))
                    } else if f.name != "metadata" {
                        #expect(!raw.text.contains("{"), "\(f.name)/$value: \(raw.text)")
                    }
                }
            }
            #expect(try await sta.get("Things(1)/nonsense").status == 404)
            #expect(try await sta.get("Nonsense").status == 404)
        }
    }

    @Test func resourcePathsNavigationAndReferences() async throws {
        try await withSTA { sta, _ in
            let thing = try await sta.deepInsertThing()
            let other = try await sta.deepInsertThing(name: "thing 2")
            let ds = try await sta.items("Things(\(thing))/Datastreams")
            #expect(ds.count == 2)
            let dsID = try #require(ds.first?["@iot.id"]?.int64Value)
            #expect(try await sta.get("Things(\(thing))/Datastreams(\(dsID))/Sensor").status == 200)
            #expect(try await sta.items("Things(\(thing))/Datastreams(\(dsID))/Sensor/Datastreams").count == 1)
            #expect(try await sta.items("Datastreams(\(dsID))/Observations").count == 2)
            let obs = try #require(try await sta.items("Datastreams(\(dsID))/Observations").first?["@iot.id"]?.int64Value)
            #expect(try await sta.get("Datastreams(\(dsID))/Observations(\(obs))/FeatureOfInterest/Observations").status == 200)
            #expect(try await sta.get("Observations(\(obs))/Datastream/Thing").json["name"] == .string("thing 1"))
            // An id that is not related along the path.
            #expect(try await sta.get("Things(\(other))/Datastreams(\(dsID))").status == 404)
            #expect(try await sta.post("Things(\(other))/Datastreams(\(dsID))/Observations", #"{"result":1}"#).status == 404)
            // $ref: only self links.
            let refs = try await sta.get("Things(\(thing))/Datastreams/$ref")
            guard case .array(let r)? = refs.json["value"] else {
                Issue.record("no value")
                return
            }
            #expect(r.count == 2)
            #expect(r.allSatisfy { $0.objectMembers?.map(\.0) == ["@iot.selfLink"] })
            #expect(try await sta.get("Datastreams(\(dsID))/Thing/$ref").json.objectMembers?.map(\.0) == ["@iot.selfLink"])
            #expect(try await sta.items("Things/$ref").count == 2)
        }
    }
}

@Suite struct CreateUpdateDeleteTests {  // ets A.3
    @Test func integrityFailuresStoreNothing() async throws {
        try await withSTA { sta, _ in
            let referenceProperties = try await sta.count("ObservedProperties?$top=1000")
            let noSensor = try await sta.post(
                "Things",
                """
                {"name":"t","description":"d","Locations":[{"name":"l","description":"d","encodingType":"application/geo+json",
                 "location":{"type":"Point","coordinates":[1,2]}}],
                 "Datastreams":[{"name":"d","description":"d","observationType":"x","unitOfMeasurement":{"name":null,"symbol":null,"definition":null},
                  "ObservedProperty":{"name":"p","definition":"u","description":"d"}}]}
                """)
            #expect(noSensor.status == 400)
            #expect(noSensor.json["message"]?.stringValue?.contains("Sensor") == true)
            for set in ["Things", "Locations", "HistoricalLocations", "Datastreams"] {
                #expect(try await sta.count(set) == 0, "\(set) should be empty")
            }
            #expect(try await sta.count("ObservedProperties?$top=1000") == referenceProperties)
            let thing = try await sta.post("Things", #"{"name":"no location","description":"d"}"#).id
            let sensor = try await sta.post("Sensors", #"{"name":"s","description":"d","encodingType":"text/html","metadata":"m"}"#).id
            let op = try await sta.post("ObservedProperties", #"{"name":"p","definition":"u","description":"d"}"#).id
            let ds = try await sta.post(
                "Datastreams",
                """
                {"name":"d","description":"d","observationType":"x","unitOfMeasurement":{"name":"n","symbol":"s","definition":"d"},
                 "Thing":{"@iot.id":\(thing)},"Sensor":{"@iot.id":\(sensor)},"ObservedProperty":{"@iot.id":\(op)}}
                """
            ).id
            #expect(ds > 0)
            // No FeatureOfInterest and a Thing without Location.
            let noFOI = try await sta.post("Observations", #"{"result":1,"Datastream":{"@iot.id":\#(ds)}}"#)
            #expect(noFOI.status == 400)
            // An inline FeatureOfInterest without encodingType.
            let badFOI = try await sta.post(
                "Observations", #"{"result":1,"Datastream":{"@iot.id":\#(ds)},"FeatureOfInterest":{"name":"f","description":"d","feature":{"type":"Point","coordinates":[1,2]}}}"#)
            #expect(badFOI.status == 400)
            #expect(try await sta.count("Observations") == 0)
            #expect(try await sta.count("FeaturesOfInterest") == 0)
            #expect(try await sta.post("Observations", #"{"result":1}"#).status == 400)
            #expect(try await sta.post("Observations", #"{"result":"warm","Datastream":{"@iot.id":\#(ds)}}"#).status == 400)
            #expect(try await sta.post("Things", "{not json").status == 400)
        }
    }

    @Test func createLinkAutoFeatureAndHistoricalLocations() async throws {
        try await withSTA { sta, _ in
            let thing = try await sta.post("Things", #"{"name":"t","description":"d","properties":{"a":[1,2,-50]}}"#)
            #expect(thing.status == 201)
            #expect(thing.location?.hasSuffix("/sta/v1.1/Things(\(thing.id))") == true)
            #expect(try await sta.get("Things(\(thing.id))").json["properties"]?["a"]?.text == "[1,2,-50]")
            let loc = try await sta.post(
                "Locations", #"{"name":"l","description":"d","encodingType":"application/vnd.geo+json","location":{"type":"Point","coordinates":[-114.05,51.05]}}"#
            ).id
            #expect(try await sta.patch("Things(\(thing.id))", #"{"Locations":[{"@iot.id":\#(loc)}]}"#).status == 200)
            #expect(try await sta.count("Things(\(thing.id))/HistoricalLocations") == 1)
            let sensor = try await sta.post("Sensors", #"{"name":"s","description":"d","encodingType":"text/html","metadata":"m"}"#).id
            let ds = try await sta.post(
                "Datastreams",
                """
                {"name":"d","description":"d","observationType":"http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                 "unitOfMeasurement":{"name":"n","symbol":"s","definition":"d"},"Thing":{"@iot.id":\(thing.id)},"Sensor":{"@iot.id":\(sensor)},
                 "ObservedProperty":{"name":"p","definition":"u","description":"d"},"Observations":[{"phenomenonTime":"2015-03-01T00:00:00Z","result":10}]}
                """
            ).id
            #expect(try await sta.items("Datastreams(\(ds))/Observations").first?["result"] == .number("10"))
            let o1 = try await sta.post("Observations", #"{"phenomenonTime":"2015-03-02T00:00:00Z","resultTime":"2015-03-02T00:00:01.5Z","result":-50,"Datastream":{"@iot.id":\#(ds)}}"#)
            #expect(o1.status == 201)
            let got = try await sta.get("Observations(\(o1.id))").json
            #expect(got["resultTime"] == .string("2015-03-02T00:00:01.500Z"))
            #expect(got["result"]?.text == "-50")
            // The generated FeatureOfInterest is the Location, and it is reused.
            let foi = try await sta.get("Observations(\(o1.id))/FeatureOfInterest").json
            #expect(foi["feature"] == (try await sta.get("Locations(\(loc))").json["location"]))
            let o2 = try await sta.post("Observations", #"{"phenomenonTime":"2015-03-03T00:00:00Z","result":3,"Datastream":{"@iot.id":\#(ds)}}"#)
            #expect(try await sta.get("Observations(\(o2.id))").json["resultTime"] == .null)
            #expect(try await sta.get("Observations(\(o2.id))/FeatureOfInterest").json["@iot.id"] == foi["@iot.id"])
            #expect(try await sta.count("FeaturesOfInterest") == 1)
            // POST to a navigation collection links the parent.
            let o3 = try await sta.post("Datastreams(\(ds))/Observations", #"{"phenomenonTime":"2015-03-04T00:00:00Z","result":4}"#)
            #expect(try await sta.get("Observations(\(o3.id))/Datastream").json["@iot.id"]?.int64Value == ds)
            // Manual HistoricalLocations: a later one moves the Thing, an earlier one does not.
            let loc2 = try await sta.post(
                "Locations", #"{"name":"l2","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[1,1]}}"#
            ).id
            let later = try await sta.post("HistoricalLocations", #"{"time":"2099-01-01T00:00:00Z","Thing":{"@iot.id":\#(thing.id)},"Locations":[{"@iot.id":\#(loc2)}]}"#)
            #expect(later.status == 201)
            #expect(try await sta.items("Things(\(thing.id))/Locations").compactMap { $0["@iot.id"]?.int64Value } == [loc2])
            _ = try await sta.post("HistoricalLocations", #"{"time":"2000-01-01T00:00:00Z","Thing":{"@iot.id":\#(thing.id)},"Locations":[{"@iot.id":\#(loc)}]}"#)
            #expect(try await sta.items("Things(\(thing.id))/Locations").compactMap { $0["@iot.id"]?.int64Value } == [loc2])
        }
    }

    @Test func patchChangesOnlyWhatIsGivenAndRefusesInlineEntities() async throws {
        try await withSTA { sta, _ in
            let thing = try await sta.deepInsertThing()
            let ds = try #require(try await sta.items("Things(\(thing))/Datastreams").first?["@iot.id"]?.int64Value)
            let ids: [String: Int64] = [
                "Things": thing,
                "Locations": try #require(try await sta.items("Locations").first?["@iot.id"]?.int64Value),
                "HistoricalLocations": try #require(try await sta.items("HistoricalLocations").first?["@iot.id"]?.int64Value),
                "Sensors": try #require(try await sta.items("Sensors").first?["@iot.id"]?.int64Value),
                "ObservedProperties": try #require(try await sta.items("ObservedProperties").first?["@iot.id"]?.int64Value),
                "FeaturesOfInterest": try #require(try await sta.items("FeaturesOfInterest").first?["@iot.id"]?.int64Value),
                "Datastreams": ds,
                "Observations": try #require(try await sta.items("Datastreams(\(ds))/Observations").first?["@iot.id"]?.int64Value),
            ]
            let cases: [(String, String, String)] = [
                ("Things", "description", #""changed""#), ("Locations", "location", #"{"type":"Point","coordinates":[-114.05,52.05]}"#),
                ("HistoricalLocations", "time", #""2015-07-01T00:00:00Z""#), ("Sensors", "metadata", #""http://example.org/new""#),
                ("ObservedProperties", "description", #""changed""#), ("FeaturesOfInterest", "feature", #"{"type":"Point","coordinates":[1,2]}"#),
                ("Datastreams", "description", #""changed""#), ("Datastreams", "unitOfMeasurement", #"{"name":"K","symbol":"K","definition":"k"}"#),
                ("Observations", "phenomenonTime", #""2015-07-01T00:00:00Z""#),
            ]
            for (set, key, value) in cases {
                let id = ids[set]!
                let before = try await sta.get("\(set)(\(id))").json
                let r = try await sta.patch("\(set)(\(id))", "{\"\(key)\":\(value)}")
                #expect(r.status == 200, "PATCH \(set).\(key): \(r.text)")
                let after = try await sta.get("\(set)(\(id))").json
                #expect(after[key] == (try JSONValue.parse(value)), "\(set).\(key)")
                for (k, v) in before.objectMembers ?? [] where k != key && !k.hasPrefix("@") && !k.hasSuffix("navigationLink") && k != "phenomenonTime" {
                    #expect(after[k] == v, "\(set).\(k) changed by a PATCH of \(key)")
                }
            }
            #expect(try await sta.patch("Things(\(thing))", #"{"Locations":[{"name":"new","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[0,0]}}]}"#).status == 400)
            #expect(try await sta.patch("Datastreams(\(ds))", #"{"Sensor":{"name":"s","description":"d","encodingType":"text/html","metadata":"m"}}"#).status == 400)
            #expect(try await sta.patch("Things(\(Int64.max))", #"{"name":"x"}"#).status == 404)
            // PUT replaces: mandatory properties are required, optional ones not given are cleared.
            #expect(try await sta.put("Things(\(thing))", #"{"name":"only a name"}"#).status == 400)
            #expect(try await sta.put("Things(\(thing))", #"{"name":"replaced","description":"whole"}"#).status == 200)
            let replaced = try await sta.get("Things(\(thing))").json
            #expect(replaced["name"] == .string("replaced"))
            #expect(replaced["properties"]?["reference"] == nil)
            // JSON-Patch.
            let jp = try await sta.call(.patch, "Things(\(thing))", #"[{"op":"add","path":"/properties","value":{}},{"op":"add","path":"/properties/key1","value":7},{"op":"replace","path":"/name","value":"patched"}]"#, contentType: "application/json-patch+json")
            #expect(jp.status == 200, "\(jp.text)")
            let patched = try await sta.get("Things(\(thing))").json
            #expect(patched["properties"]?["key1"] == .number("7"))
            #expect(patched["name"] == .string("patched"))
        }
    }

    @Test func deleteCascadesAsTheStandardSays() async throws {
        try await withSTA { sta, _ in
            let referenceProperties = try await sta.count("ObservedProperties?$top=1000")
            let thing = try await sta.deepInsertThing()
            #expect(try await sta.count("Observations") == 3)
            #expect(try await sta.delete("Things(\(thing))").status == 200)
            #expect(try await sta.get("Things(\(thing))").status == 404)
            // The station Sensor and the catalogue's ObservedProperties are there from the start.
            for (set, n) in [
                ("Datastreams", 0), ("Observations", 0), ("HistoricalLocations", 0), ("Locations", 1), ("Sensors", 3),
                ("ObservedProperties?$top=1000", referenceProperties + 2), ("FeaturesOfInterest", 1),
            ] {
                #expect(try await sta.count(set) == n, "\(set) after deleting the Thing")
            }
            let thing2 = try await sta.deepInsertThing(name: "again")
            let sensor = try #require(try await sta.items("Things(\(thing2))/Datastreams").first?["Sensor@iot.navigationLink"]?.stringValue)
            let sensorID = try #require(try await sta.get(String(sensor.split(separator: "/sta/v1.1/").last!)).json["@iot.id"]?.int64Value)
            #expect(try await sta.delete("Sensors(\(sensorID))").status == 200)
            #expect(try await sta.count("Things(\(thing2))/Datastreams") == 1)
            let foi = try #require(try await sta.items("FeaturesOfInterest").last?["@iot.id"]?.int64Value)
            #expect(try await sta.delete("FeaturesOfInterest(\(foi))").status == 200)
            #expect(try await sta.count("Observations") == 0)
            #expect(try await sta.count("Things(\(thing2))/Datastreams") == 1)
            for e in sets { #expect(try await sta.delete("\(e.setName)(\(Int64.max))").status == 404) }
            #expect(try await sta.call(.delete, "Things(\(thing2))", nil).status == 200)
            let unauthorised = STAClient(client: sta.client, auth: [:])
            #expect(try await unauthorised.post("Things", #"{"name":"x","description":"y"}"#).status == 401)
        }
    }
}

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
            let r = try await sta.post("Datastreams(\(datastreams[i / 3]))/Observations", #"{"phenomenonTime":"2015-03-\#(day)T00:00:00Z","result":\#(i + 1)}"#)
            #expect(r.status == 201)
        }
        return things
    }

    @Test func countsTopSkipAndNextLinks() async throws {
        try await withSTA { sta, _ in
            // The server starts with reference data: the parameter catalogue as ObservedProperties and the station Sensor.
            var before: [String: Int] = [:]
            for e in sets { before[e.setName] = Int(try await sta.get("\(e.setName)?$count=true&$top=0").json["@iot.count"]?.int64Value ?? -1) }
            #expect(before["Sensors"] == 1 && before["ObservedProperties"]! > 20 && before["Things"] == 0)
            let things = try await Self.fixture(sta)
            let added = [
                "Things": 2, "Locations": 2, "FeaturesOfInterest": 2, "ObservedProperties": 3, "HistoricalLocations": 4, "Sensors": 4, "Datastreams": 4,
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
            #expect(try await sta.items("Observations?$count=true&$top=1&$skip=2&$orderby=phenomenonTime%20asc&$filter=result%20gt%20'3'").first?["result"] == .number("6"))
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
            for e in ["1 add result mul 2 sub -1 eq 4", "6 div 2 sub result eq 2", "14 div (result add 1) mod 3 mul 3 eq 3", "1 add 2.0 mod (result add 1) eq 1",
                "not result lt 1 and not result gt 1"]
            {
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
                try await sta.items("Things?$orderby=name&$filter=\(f.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").compactMap { $0["name"]?.stringValue }
            }
            #expect(try await things("startswith(name,'thing') and endswith(name,'2')") == ["thing 2"])
            #expect(try await things("substringof('ing 1', name)") == ["thing 1"])
            #expect(try await things("length(name) eq 7 and indexof(name,'g') eq 4 and substring(name,6) eq '1'") == ["thing 1"])
            #expect(try await things("toupper(substring(name,0,5)) eq 'THING' and concat(trim(' a '),'b') eq 'ab'") == ["thing 1", "thing 2"])
            #expect(try await things("Datastreams/Observations/result gt 11") == ["thing 2"])
            #expect(try await things("properties/n eq 2") == ["thing 2"])
            #expect(try await things("Locations/name eq 'location 1'") == ["thing 2"])
            let locations: (String) async throws -> [String] = { f in
                try await sta.items("Locations?$orderby=name&$filter=\(f.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)").compactMap { $0["name"]?.stringValue }
            }
            #expect(try await locations("geo.distance(location, geography'POINT(-117.05 51.05)') lt 0.001") == ["location 1"])
            #expect(try await locations("st_within(location, geography'POLYGON((-118 50, -117.055 50, -117.055 52, -118 52, -118 50))')") == ["location 2"])
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
            #expect(try await sta.items("Observations?$select=id,result&$top=1").first?.objectMembers?.map(\.0) == ["@iot.selfLink", "@iot.id", "result"])
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

    @Test func nativeAndSensorThingsAreOneStore() async throws {
        try await withSTA(station: true) { sta, f in
            // A station registered through the native API is a Thing with its Location, Datastreams and derived ones.
            let things = try await sta.items("Things?$filter=properties/xanh/station%20eq%20'HN-NKT'")
            let thing = try #require(things.first?["@iot.id"]?.int64Value)
            #expect(try await sta.get("Things(\(thing))/Locations").json["value"].map { $0.text.contains("105.8005") } == true)
            let pm = try #require(
                try await sta.items("Things(\(thing))/Datastreams?$filter=properties/xanh/parameter%20eq%20'PM2.5'%20and%20properties/xanh/aggregate%20eq%20'none'")
                    .first?["@iot.id"]?.int64Value)
            let native = Fixture.observations([["station": "HN-NKT", "parameter": "PM2.5", "time": "2026-11-20T11:05:00+07:00", "value": 42.5]])
            try await sta.client.execute(uri: "/api/v1/observations", method: .post, headers: f.auth, body: native) { r in #expect(r.status == .ok || r.status == .accepted || r.status == .created) }
            let listed = try await sta.items("Datastreams(\(pm))/Observations")
            #expect(listed.map { $0["phenomenonTime"]?.stringValue } == ["2026-11-20T04:05:00Z"])
            #expect(listed.first?["result"] == .number("42.5"))
            let created = try await sta.post("Datastreams(\(pm))/Observations", #"{"phenomenonTime":"2026-11-20T04:10:00Z","result":47}"#)
            #expect(created.status == 201)
            let series = try await sta.client.execute(uri: "/api/v1/stations/HN-NKT/series?parameter=PM2.5&resolution=raw&from=2026-11-20", method: .get) { r in Fixture.json(r) }
            let values = (series["items"] as? [[String: Any]])?.compactMap { $0["value"] as? Double }
            #expect(values == [42.5, 47])
            // Derived Datastreams serve the rollups and the AQI once derived.
            try await f.services.deriver.drain()
            let hourly = try #require(
                try await sta.items("Things(\(thing))/Datastreams?$filter=properties/xanh/aggregate%20eq%20'hour_mean'%20and%20properties/xanh/parameter%20eq%20'PM2.5'")
                    .first?["@iot.id"]?.int64Value)
            let mean = try await sta.items("Datastreams(\(hourly))/Observations")
            #expect(mean.first?["result"]?.doubleValue == 44.75)
            #expect(mean.first?["phenomenonTime"] == .string("2026-11-20T04:00:00Z/2026-11-20T05:00:00Z"))
            #expect(try await sta.post("Datastreams(\(hourly))/Observations", #"{"result":1}"#).status == 400)
            #expect(try await sta.items("Datastreams?$filter=properties/xanh/aggregate%20eq%20'vn_aqi_hour'").count == 1)
            // A station deleted natively is deactivated, and stays readable.
            #expect(try await sta.items("ObservedProperties?$filter=properties/xanh/parameter%20eq%20'VN_AQI'").count == 1)
        }
    }
}
