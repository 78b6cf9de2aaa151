import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhSensorThings
import XanhServices
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

func withSTA(station: Bool = false, _ body: @escaping @Sendable (STAClient, Fixture) async throws -> Void) async throws {
    let f = try await Fixture(station: station)
    try await f.test { client in try await body(STAClient(client: client, auth: [.authorization: "Bearer \(f.key)"]), f) }
}

let staSets = STAEntity.allCases

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
                #expect(value.compactMap { $0["name"]?.stringValue } == staSets.map(\.setName))
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
            for e in staSets {
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
                "Observations",
                #"{"result":1,"Datastream":{"@iot.id":\#(ds)},"FeatureOfInterest":{"name":"f","description":"d","feature":{"type":"Point","coordinates":[1,2]}}}"#
            )
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
                "Locations",
                #"{"name":"l","description":"d","encodingType":"application/vnd.geo+json","location":{"type":"Point","coordinates":[-114.05,51.05]}}"#
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
            let o1 = try await sta.post(
                "Observations",
                #"{"phenomenonTime":"2015-03-02T00:00:00Z","resultTime":"2015-03-02T00:00:01.5Z","result":-50,"Datastream":{"@iot.id":\#(ds)}}"#)
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
            let later = try await sta.post(
                "HistoricalLocations", #"{"time":"2099-01-01T00:00:00Z","Thing":{"@iot.id":\#(thing.id)},"Locations":[{"@iot.id":\#(loc2)}]}"#)
            #expect(later.status == 201)
            #expect(try await sta.items("Things(\(thing.id))/Locations").compactMap { $0["@iot.id"]?.int64Value } == [loc2])
            _ = try await sta.post(
                "HistoricalLocations", #"{"time":"2000-01-01T00:00:00Z","Thing":{"@iot.id":\#(thing.id)},"Locations":[{"@iot.id":\#(loc)}]}"#)
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
                for (k, v) in before.objectMembers ?? []
                where k != key && !k.hasPrefix("@") && !k.hasSuffix("navigationLink") && k != "phenomenonTime" {
                    #expect(after[k] == v, "\(set).\(k) changed by a PATCH of \(key)")
                }
            }
            #expect(
                try await sta.patch(
                    "Things(\(thing))",
                    #"{"Locations":[{"name":"new","description":"d","encodingType":"application/geo+json","location":{"type":"Point","coordinates":[0,0]}}]}"#
                ).status == 400)
            #expect(
                try await sta.patch("Datastreams(\(ds))", #"{"Sensor":{"name":"s","description":"d","encodingType":"text/html","metadata":"m"}}"#)
                    .status == 400)
            #expect(try await sta.patch("Things(\(Int64.max))", #"{"name":"x"}"#).status == 404)
            // PUT replaces: mandatory properties are required, optional ones not given are cleared.
            #expect(try await sta.put("Things(\(thing))", #"{"name":"only a name"}"#).status == 400)
            #expect(try await sta.put("Things(\(thing))", #"{"name":"replaced","description":"whole"}"#).status == 200)
            let replaced = try await sta.get("Things(\(thing))").json
            #expect(replaced["name"] == .string("replaced"))
            #expect(replaced["properties"]?["reference"] == nil)
            // JSON-Patch.
            let jp = try await sta.call(
                .patch, "Things(\(thing))",
                #"[{"op":"add","path":"/properties","value":{}},{"op":"add","path":"/properties/key1","value":7},{"op":"replace","path":"/name","value":"patched"}]"#,
                contentType: "application/json-patch+json")
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
            for e in staSets { #expect(try await sta.delete("\(e.setName)(\(Int64.max))").status == 404) }
            #expect(try await sta.call(.delete, "Things(\(thing2))", nil).status == 200)
            let unauthorised = STAClient(client: sta.client, auth: [:])
            #expect(try await unauthorised.post("Things", #"{"name":"x","description":"y"}"#).status == 401)
        }
    }
}
