import Testing
import XanhCore
import XanhSensorThings

@Suite struct SensorThingsQueryTests {
    @Test func precedenceFollowsTheStandard() throws {
        // `not` binds a whole comparison; and binds tighter than or; mul before add.
        let e = try STAFilterParser.parse("not result lt 1 and not result gt 1 or 1 add result mul 2 eq 4")
        let lt = STAExpr.binary(.lt, .path(["result"]), .literal(.number(1, text: "1")))
        let gt = STAExpr.binary(.gt, .path(["result"]), .literal(.number(1, text: "1")))
        let arithmetic = STAExpr.binary(
            .add, .literal(.number(1, text: "1")), .binary(.mul, .path(["result"]), .literal(.number(2, text: "2"))))
        #expect(e == .binary(.or, .binary(.and, .not(lt), .not(gt)), .binary(.eq, arithmetic, .literal(.number(4, text: "4")))))
    }

    @Test func literalsAsClientsSendThem() throws {
        #expect(try STAFilterParser.parse("name eq 'it''s'") == .binary(.eq, .path(["name"]), .literal(.string("it's"))))
        #expect(
            try STAFilterParser.parse("phenomenonTime gt 2016-01-01T07:00Z")
                == .binary(.gt, .path(["phenomenonTime"]), .literal(.time(1_451_631_600))))
        #expect(try STAFilterParser.parse("time ge 2015-03-01T01:00:00.5+01:00") == .binary(.ge, .path(["time"]), .literal(.time(1_425_168_000.5))))
        #expect(
            try STAFilterParser.parse("phenomenonTime eq 2016-01-01T07:00:00Z/2016-01-01T08:00:00Z")
                == .binary(.eq, .path(["phenomenonTime"]), .literal(.interval(1_451_631_600, 1_451_635_200))))
        #expect(try STAFilterParser.parse("@iot.id eq 3") == .binary(.eq, .path(["id"]), .literal(.number(3, text: "3"))))
        #expect(STATime.parseDuration("P1DT1H30M") == 91_800)
        #expect(STATime.parse("2015-03-01T00:00:00") == nil, "a time without an offset is ambiguous")
        #expect(STATime.format(1_425_168_000.5) == "2015-03-01T00:00:00.500Z")
        #expect(throws: STAQueryError.self) { try STAFilterParser.parse("result gt") }
        #expect(throws: STAQueryError.self) { try STAFilterParser.parse("name eq 'open") }
    }

    @Test func optionsAndNestedExpand() throws {
        let o = try STAOptions.parse(
            query:
                "%24top=5&$skip=10&$count=true&$select=name,id&$expand=Datastreams($top=1;$orderby=name+desc;$expand=Observations($filter=result%20gt%201)),Thing&$orderby=name%20DESC,id"
        )
        #expect(o.top == 5 && o.skip == 10 && o.count)
        #expect(o.select == ["name", "id"])
        #expect(o.orderBy.map(\.descending) == [true, false])
        #expect(o.expand.map(\.path) == [["Datastreams"], ["Thing"]])
        #expect(o.expand[0].options.top == 1)
        #expect(o.expand[0].options.orderBy.first?.descending == true)
        #expect(o.expand[0].options.expand.first?.options.filter != nil)
        #expect(!o.queryString.contains("$skip"), "next links replace $skip")
        #expect(throws: STAQueryError.self) { try STAOptions.parse(query: "$top=-1") }
        #expect(throws: STAQueryError.self) { try STAOptions.parse(query: "$count=maybe") }
        let unsupported = #expect(throws: STAQueryError.self) { try STAOptions.parse(query: "$apply=groupby") }
        #expect(unsupported?.notImplemented == true)
    }

    @Test func planarGeometry() throws {
        let square = try Geometry.parseWKT("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))")
        let inside = Geometry.point(.init(5, 5))
        let edge = Geometry.point(.init(10, 5))
        let outside = try Geometry.parseWKT("SRID=4326;POINT(13 14)")
        #expect(inside.within(square) && square.intersects(inside))
        #expect(edge.touches(square))
        #expect(!edge.within(square), "a point on the boundary touches but is not within")
        #expect(!outside.intersects(square))
        #expect(outside.distance(square) == 5)
        let line = try Geometry.parseWKT("LINESTRING(-5 5, 15 5)")
        #expect(line.crosses(square))
        #expect(line.length == 20)
        #expect(Geometry.evaluate("st_contains", square, inside) == 1)
        #expect(Geometry.evaluate("st_disjoint", square, outside) == 1)
        #expect(Geometry.evaluate("st_relate", square, inside, pattern: "T********") == 1)
        #expect(Geometry.evaluate("st_relate", square, inside, pattern: "0********") == nil)
        // GeoJSON Feature or bare geometry.
        let feature = try JSONValue.parse(#"{"type":"Feature","geometry":{"type":"Point","coordinates":[5,5]},"properties":{}}"#)
        #expect(try Geometry.fromGeoJSON(feature) == inside)
    }

    @Test func jsonKeepsNumbersAndOrder() throws {
        let text = #"{"b":-50,"a":[1.50,2e3,true,null],"c":{"x":"é\n"}}"#
        let v = try JSONValue.parse(text)
        #expect(v.text == #"{"b":-50,"a":[1.50,2e3,true,null],"c":{"x":"é\n"}}"#)
        #expect(v["b"]?.int64Value == -50)
        #expect(throws: JSONValue.ParseError.self) { try JSONValue.parse(#"{"a":1,}"#) }
        #expect(JSONValue.formatNumber(10) == "10" && JSONValue.formatNumber(10.25) == "10.25")
    }
    @Test func filtersAreBoundedInDepthAndSize() {
        #expect(throws: STAQueryError.self) { try STAFilterParser.parse(String(repeating: "not ", count: 5000) + "true") }
        #expect(throws: STAQueryError.self) {
            try STAFilterParser.parse(String(repeating: "(", count: 500) + "1" + String(repeating: ")", count: 500))
        }
        #expect(throws: STAQueryError.self) { try STAFilterParser.parse(Array(repeating: "result gt 1", count: 2000).joined(separator: " and ")) }
        #expect(throws: STAQueryError.self) { try STAFilterParser.parse("result eq 1e999") }
        #expect((try? STAFilterParser.parse(Array(repeating: "result gt 1", count: 50).joined(separator: " and "))) != nil)
    }

    @Test func leapSecondsAreRefused() {
        #expect(STATime.parse("2016-12-31T23:59:60Z") == nil)
    }
}
