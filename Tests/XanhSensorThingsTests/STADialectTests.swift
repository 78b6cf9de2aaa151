import Testing
import XanhCore
import XanhSQL
@testable import XanhSensorThings

/// The `$filter` translation in each engine's SQL. What the SQL returns is asserted by the API suites, which run on
/// both engines; here, what only the translation decides.
@Suite struct STADialectTests {
    func sql(_ filter: String, _ entity: STAEntity = .thing, _ dialect: SQLDialect) throws -> String {
        var c = STACompiler(now: 0, dialect: dialect)
        return try c.condition(try STAFilterParser.parse(filter), entity, "e")
    }

    @Test func jsonMembersAreJSONOnPostgreSQLAndJSONExtractOnSQLite() throws {
        let pg = try sql("properties/xanh/list[1] eq 2", .thing, .postgres(postgis: nil))
        #expect(pg == "(((e.properties)::jsonb #> ARRAY['xanh', 'list', '1']::text[]) = to_jsonb(2))")
        let lite = try sql("properties/xanh/list[1] eq 2", .thing, .sqlite)
        #expect(lite == #"(json_extract(e.properties, '$."xanh"."list"[1]') = 2)"#)
        // Used as text or as a number, a member is converted the way json_extract would hand it over.
        #expect(try sql("length(properties/a) eq 3", .thing, .postgres(postgis: nil)).contains("#>> '{}'"))
        #expect(try sql("properties/a add 1 gt 3", .thing, .postgres(postgis: nil)).contains("sta_num("))
    }

    @Test func textComparesByteByByteAndTimesFormatInUTC() throws {
        #expect(try sql("name gt 'b'", .thing, .postgres(postgis: nil)) == #"(e.name COLLATE "C" > 'b')"#)
        #expect(try sql("name gt 'b'", .thing, .sqlite) == "(e.name > 'b')")
        let year = try sql("year(phenomenonTime) eq 2015", .observation, .postgres(postgis: nil))
        #expect(year.contains("extract(year FROM to_timestamp(e.phen_start) AT TIME ZONE 'UTC')"))
        #expect(try sql("year(phenomenonTime) eq 2015", .observation, .sqlite).contains("strftime('%Y', e.phen_start, 'unixepoch')"))
    }

    @Test func geometryNeedsPostGISOnPostgreSQL() throws {
        let filter = "st_within(location, geography'POINT(0 0)')"
        do {
            _ = try sql(filter, .location, .postgres(postgis: nil))
            Issue.record("a geospatial function without PostGIS must be refused")
        } catch let e as STAQueryError {
            #expect(e.notImplemented, "501, not 400")
            #expect(e.message.contains("PostGIS"))
        }
        #expect(try sql(filter, .location, .postgres(postgis: "public")).hasPrefix("coalesce(sta_geo_bool('st_within', e.location,"))
        #expect(try sql(filter, .location, .sqlite).hasPrefix("(sta_geo('st_within', e.location,"))
    }
}
