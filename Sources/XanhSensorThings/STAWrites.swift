import XanhStore
import XanhSQL
import Foundation
import XanhCore

/// Creates, updates and deletes SensorThings entities inside one transaction of the monitoring store.
struct STAWriter {
    let conn: any SQLConnection
    let catalogue: ParameterCatalogue
    let now: Int64
    let limits: Limits
    /// Where observations are stored (the same path as every other way in).
    let source: any SensorThingsSource
    /// The stations the caller may write Observations for (nil: every station).
    var allowedStations: Set<String>? = nil
    /// Series already found inside the scope in this write (one lookup per series, not per Observation).
    var inScope: Set<Int64> = []
    /// The times an Observation may carry, as on every other path in.
    var window: ObservationWindow { ObservationWindow(now: now, limits: limits) }

    static let measurement = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"

    // MARK: body helpers

    func object(_ v: JSONValue, _ what: String) throws -> [(String, JSONValue)] {
        guard let m = v.objectMembers else { throw STAError(.badRequest, "\(what) must be a JSON object") }
        return m
    }

    func string(_ body: JSONValue, _ key: String, _ e: STAEntity, required: Bool = true) throws -> String? {
        guard let v = body[key], !v.isNull else {
            if required { throw STAError(.badRequest, "\(e.rawValue): '\(key)' is required") }
            return nil
        }
        guard let s = v.stringValue else { throw STAError(.badRequest, "\(e.rawValue): '\(key)' must be a string") }
        return s
    }

    /// A mandatory string member.
    func required(_ body: JSONValue, _ key: String, _ e: STAEntity) throws -> String {
        guard let s = try string(body, key, e) else { throw STAError(.badRequest, "\(e.rawValue): '\(key)' is required") }
        return s
    }

    /// A mandatory JSON member, as text.
    func requiredJSON(_ body: JSONValue, _ key: String, _ e: STAEntity) throws -> String {
        guard let s = try json(body, key, e) else { throw STAError(.badRequest, "\(e.rawValue): '\(key)' is required") }
        return s
    }

    func json(_ body: JSONValue, _ key: String, _ e: STAEntity, required: Bool = true) throws -> String? {
        guard let v = body[key], !v.isNull else {
            if required { throw STAError(.badRequest, "\(e.rawValue): '\(key)' is required") }
            return nil
        }
        return v.text
    }

    /// User properties, without the `xanh` member the server adds.
    func properties(_ body: JSONValue, _ e: STAEntity) throws -> String? {
        guard let v = body["properties"], !v.isNull else { return nil }
        guard let m = v.objectMembers else { throw STAError(.badRequest, "\(e.rawValue): 'properties' must be a JSON object") }
        return JSONValue.object(m.filter { $0.0 != "xanh" }).text
    }

    func time(_ v: JSONValue?, _ what: String) throws -> (Double, Double)? {
        guard let v, !v.isNull else { return nil }
        guard let s = v.stringValue, let t = STATime.parseTimeOrInterval(s) else {
            throw STAError(.badRequest, "\(what) must be an ISO 8601 time with an offset (e.g. 2026-11-20T10:00:00Z) or an interval start/end")
        }
        return t
    }

    /// `{"@iot.id": n}` (whatever else it carries) is a link to an existing entity.
    func linkID(_ v: JSONValue) -> Int64?? {
        guard let idValue = v["@iot.id"] else { return .none }
        return .some(idValue.int64Value)
    }

    func exists(_ e: STAEntity, _ id: Int64) async throws -> Bool { try await STAService.lookup(conn, e, id: id) != nil }

    /// Resolves a nested entity: a link (checked to exist) or a new entity created now.
    mutating func linkOrCreate(_ v: JSONValue, _ e: STAEntity, allowCreate: Bool = true, link: [(String, JSONValue)] = []) async throws -> Int64 {
        if let id = linkID(v) {
            guard let id, try await exists(e, id) else { throw STAError(.badRequest, "\(e.rawValue) \(v["@iot.id"]?.text ?? "") does not exist") }
            return id
        }
        guard allowCreate else { throw STAError(.badRequest, "a PATCH may link \(e.setName) by {\"@iot.id\": …} but not create them") }
        var body = try object(v, e.rawValue)
        body.append(contentsOf: link)
        return try await create(e, .object(body))
    }

    func array(_ body: JSONValue, _ key: String) throws -> [JSONValue]? {
        guard let v = body[key], !v.isNull else { return nil }
        guard case .array(let items) = v else { throw STAError(.badRequest, "'\(key)' must be an array") }
        return items
    }

    // MARK: create

    mutating func create(_ e: STAEntity, _ body: JSONValue) async throws -> Int64 {
        _ = try object(body, e.rawValue)
        switch e {
        case .thing: return try await createThing(body)
        case .location: return try await createLocation(body)
        case .historicalLocation: return try await createHistoricalLocation(body)
        case .datastream: return try await createDatastream(body)
        case .sensor:
            let id = try await insertSensor(body)
            for d in try array(body, "Datastreams") ?? [] { try await attach(d, .datastream, key: "Sensor", id: id) }
            return id
        case .observedProperty: return try await createObservedProperty(body)
        case .observation: return try await createObservation(body)
        case .featureOfInterest:
            let id = try await conn.insert(
                "INSERT INTO sta_features(name, description, encoding_type, feature, properties) VALUES (?,?,?,?,?)",
                [
                    .text(try required(body, "name", e)), .text(try required(body, "description", e)),
                    .text(try required(body, "encodingType", e)), .text(try geometryJSON(body, "feature", e)), nullable(try properties(body, e)),
                ])
            for o in try array(body, "Observations") ?? [] { try await attach(o, .observation, key: "FeatureOfInterest", id: id) }
            return id
        }
    }

    /// Creates (or links and re-points) a child given inline in its parent's body.
    mutating func attach(_ v: JSONValue, _ e: STAEntity, key: String, id: Int64) async throws {
        if let childID = linkID(v) {
            guard let childID else { throw STAError(.badRequest, "\(e.rawValue) @iot.id must be an integer") }
            try await update(e, childID, .object([(key, .object([("@iot.id", .number(String(id)))]))]), put: false)
            return
        }
        var body = try object(v, e.rawValue)
        body.removeAll { $0.0 == key }
        body.append((key, .object([("@iot.id", .number(String(id)))])))
        _ = try await create(e, .object(body))
    }

    func nullable(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }

    func geometryJSON(_ body: JSONValue, _ key: String, _ e: STAEntity) throws -> String {
        guard let v = body[key], !v.isNull else { throw STAError(.badRequest, "\(e.rawValue): '\(key)' is required") }
        let encoding = body["encodingType"]?.stringValue ?? ""
        if encoding.contains("geo+json") {
            do { _ = try Geometry.fromGeoJSON(v) } catch {
                throw STAError(.badRequest, "\(e.rawValue).\(key) is not valid GeoJSON: \(error.message)")
            }
        }
        return v.text
    }

    mutating func createThing(_ body: JSONValue) async throws -> Int64 {
        let name = try required(body, "name", .thing)
        let description = try required(body, "description", .thing)
        let xanh = body["properties"]?["xanh"]
        var kind = StationKind.other
        if let k = xanh?["kind"]?.stringValue {
            guard let sk = StationKind(rawValue: k) else {
                throw STAError(
                    .badRequest,
                    "Thing: properties.xanh.kind '\(k)' is not a station kind (\(StationKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            kind = sk
        }
        var province: SQLValue = .null
        if let p = xanh?["province"]?.stringValue {
            guard try await !conn.scalar("SELECT 1 FROM provinces WHERE code = ?", [.text(p)]).isNull else {
                throw STAError(.badRequest, "Thing: properties.xanh.province '\(p)' is not an official provincial code")
            }
            province = .text(p)
        }
        var id = await (try conn.scalar("SELECT coalesce(max(id), 0) + 1 FROM stations").int64) ?? 1
        var code = xanh?["station"]?.stringValue ?? "thing-\(id)"
        if xanh?["station"] != nil {
            guard try await conn.scalar("SELECT 1 FROM stations WHERE code = ?", [.text(code)]).isNull else {
                throw STAError(.conflict, "a station with code '\(code)' already exists")
            }
        } else {
            while try await !conn.scalar("SELECT 1 FROM stations WHERE code = ?", [.text(code)]).isNull {
                id += 1
                code = "thing-\(id)"
            }
        }
        try await conn.execute(
            """
            INSERT INTO stations(id, code, name, kind, province, active, created_at, updated_at, description, properties)
            VALUES (?,?,?,?,?,1,?,?,?,?)
            """,
            [
                .int(id), .text(code), .text(name), .text(kind.rawValue), province, .int(now), .int(now), .text(description),
                nullable(try properties(body, .thing)),
            ])
        if let locations = try array(body, "Locations") {
            var ids: [Int64] = []
            for l in locations { await ids.append(try linkOrCreate(l, .location)) }
            try await setLocations(thing: id, ids)
        }
        for d in try array(body, "Datastreams") ?? [] { try await attach(d, .datastream, key: "Thing", id: id) }
        for h in try array(body, "HistoricalLocations") ?? [] { try await attach(h, .historicalLocation, key: "Thing", id: id) }
        return id
    }

    /// Replaces a Thing's Locations, records a HistoricalLocation, and moves the station to a Point location.
    mutating func setLocations(thing: Int64, _ ids: [Int64], at time: Double? = nil, record: Bool = true) async throws {
        try await conn.execute("DELETE FROM sta_thing_locations WHERE thing_id = ?", [.int(thing)])
        for l in ids {
            try await conn.execute(
                "INSERT INTO sta_thing_locations(thing_id, location_id) VALUES (?,?) ON CONFLICT DO NOTHING", [.int(thing), .int(l)])
        }
        if record, !ids.isEmpty {
            let hl = try await conn.insert(
                "INSERT INTO sta_historical_locations(thing_id, time) VALUES (?,?)", [.int(thing), .double(time ?? Double(now))])
            for l in ids {
                try await conn.execute("INSERT INTO sta_hl_locations(hl_id, location_id) VALUES (?,?) ON CONFLICT DO NOTHING", [.int(hl), .int(l)])
            }
        }
        try await syncStation(thing: thing)
    }

    /// The station's coordinates follow its Point Location (the first one), which becomes the station's location.
    func syncStation(thing: Int64) async throws {
        let rows = try await conn.query(
            """
            SELECT l.id, l.location FROM sta_locations l JOIN sta_thing_locations tl ON tl.location_id = l.id
            WHERE tl.thing_id = ? ORDER BY l.id
            """, [.int(thing)]
        ).rows
        for r in rows {
            guard let text = r[1].text, let v = try? JSONValue.parse(text), let g = try? Geometry.fromGeoJSON(v), case .point(let p) = g else {
                continue
            }
            try await conn.execute("UPDATE sta_locations SET station_id = NULL WHERE station_id = ? AND id <> ?", [.int(thing), r[0]])
            try await conn.execute("UPDATE sta_locations SET station_id = ? WHERE id = ?", [.int(thing), r[0]])
            try await conn.execute(
                "UPDATE stations SET latitude = ?, longitude = ?, updated_at = ? WHERE id = ?", [.double(p.y), .double(p.x), .int(now), .int(thing)])
            return
        }
    }

    mutating func createLocation(_ body: JSONValue) async throws -> Int64 {
        let id = try await conn.insert(
            "INSERT INTO sta_locations(name, description, encoding_type, location, properties) VALUES (?,?,?,?,?)",
            [
                .text(try required(body, "name", .location)), .text(try required(body, "description", .location)),
                .text(try required(body, "encodingType", .location)), .text(try geometryJSON(body, "location", .location)),
                nullable(try properties(body, .location)),
            ])
        for t in try array(body, "Things") ?? [] {
            let thing = try await linkOrCreate(t, .thing)
            try await setLocations(thing: thing, [id])
        }
        return id
    }

    mutating func createHistoricalLocation(_ body: JSONValue) async throws -> Int64 {
        guard let (time, _) = try self.time(body["time"], "HistoricalLocation.time") else {
            throw STAError(.badRequest, "HistoricalLocation: 'time' is required")
        }
        guard let t = body["Thing"] else { throw STAError(.badRequest, "HistoricalLocation: 'Thing' is required") }
        let thing = try await linkOrCreate(t, .thing)
        var locations: [Int64] = []
        for l in try array(body, "Locations") ?? [] { await locations.append(try linkOrCreate(l, .location)) }
        let latest = try await conn.scalar("SELECT max(time) FROM sta_historical_locations WHERE thing_id = ?", [.int(thing)]).double
        let id = try await conn.insert("INSERT INTO sta_historical_locations(thing_id, time) VALUES (?,?)", [.int(thing), .double(time)])
        for l in locations {
            try await conn.execute("INSERT INTO sta_hl_locations(hl_id, location_id) VALUES (?,?) ON CONFLICT DO NOTHING", [.int(id), .int(l)])
        }
        // A later HistoricalLocation moves the Thing; an earlier one only records history.
        if !locations.isEmpty, time > latest ?? -.infinity { try await setLocations(thing: thing, locations, record: false) }
        return id
    }

    mutating func insertSensor(_ body: JSONValue) async throws -> Int64 {
        return try await conn.insert(
            "INSERT INTO sta_sensors(name, description, encoding_type, metadata, properties) VALUES (?,?,?,?,?)",
            [
                .text(try required(body, "name", .sensor)), .text(try required(body, "description", .sensor)),
                .text(try required(body, "encodingType", .sensor)), .text(try requiredJSON(body, "metadata", .sensor)),
                nullable(try properties(body, .sensor)),
            ])
    }

    mutating func createObservedProperty(_ body: JSONValue) async throws -> Int64 {
        let name = try required(body, "name", .observedProperty)
        let definition = try required(body, "definition", .observedProperty)
        let description = try required(body, "description", .observedProperty)
        let id = await (try conn.scalar("SELECT coalesce(max(id), 0) + 1 FROM parameters").int64) ?? 1
        try await conn.execute(
            """
            INSERT INTO parameters(code, name_vi, name_en, unit, medium, aqi, circular10, aliases, id, definition, description, properties)
            VALUES (?,?,?,'','other',0,'','',?,?,?,?)
            """,
            [
                .text("op-\(id)"), .text(name), .text(name), .int(id), .text(definition), .text(description),
                nullable(try properties(body, .observedProperty)),
            ])
        for d in try array(body, "Datastreams") ?? [] { try await attach(d, .datastream, key: "ObservedProperty", id: id) }
        return id
    }

    func parameterCode(op: Int64) async throws -> String {
        guard let code = try await conn.scalar("SELECT code FROM parameters WHERE id = ?", [.int(op)]).text else {
            throw STAError(.badRequest, "ObservedProperty \(op) does not exist")
        }
        if code == "VN_AQI" { throw STAError(.badRequest, "the VN_AQI ObservedProperty belongs to the derived AQI Datastreams") }
        return code
    }

    mutating func createDatastream(_ body: JSONValue) async throws -> Int64 {
        let name = try required(body, "name", .datastream)
        let description = try required(body, "description", .datastream)
        guard let uom = body["unitOfMeasurement"], uom.objectMembers != nil else {
            throw STAError(.badRequest, "Datastream: 'unitOfMeasurement' is required and must be an object {name, symbol, definition}")
        }
        let observationType = try required(body, "observationType", .datastream)
        guard let t = body["Thing"] else { throw STAError(.badRequest, "Datastream: 'Thing' is required") }
        guard let s = body["Sensor"] else { throw STAError(.badRequest, "Datastream: 'Sensor' is required") }
        guard let o = body["ObservedProperty"] else { throw STAError(.badRequest, "Datastream: 'ObservedProperty' is required") }
        let thing = try await linkOrCreate(t, .thing)
        let sensor = try await linkOrCreate(s, .sensor)
        let op = try await linkOrCreate(o, .observedProperty)
        let code = try await parameterCode(op: op)
        var interval: Int64 = 300
        if let i = body["properties"]?["xanh"]?["interval"] {
            guard let v = i.int64Value, (1...86_400).contains(v) else {
                throw STAError(.badRequest, "Datastream: properties.xanh.interval must be 1–86400 seconds")
            }
            interval = v
        }
        let existing = try await conn.query("SELECT id, active FROM series WHERE station_id = ? AND parameter = ?", [.int(thing), .text(code)]).rows
            .first
        if let existing, existing[1].int64 == 1 {
            throw STAError(
                .conflict,
                "Thing \(thing) already has Datastream \(existing[0].int64 ?? 0) for ObservedProperty \(op): a station has one series per parameter")
        }
        let values: [SQLValue] = [
            .int(interval), .text(name), .text(description), .text(uom.text), .text(observationType), nullable(try properties(body, .datastream)),
            .int(sensor),
        ]
        let id: Int64
        if let existing, let old = existing[0].int64 {
            try await conn.execute(
                "UPDATE series SET active = 1, interval = ?, name = ?, description = ?, uom = ?, observation_type = ?, properties = ?, sensor_id = ? WHERE id = ?",
                values + [.int(old)])
            id = old
        } else {
            id = try await conn.insert(
                """
                INSERT INTO series(interval, name, description, uom, observation_type, properties, sensor_id, station_id, parameter, active)
                VALUES (?,?,?,?,?,?,?,?,?,1)
                """, values + [.int(thing), .text(code)])
        }
        for ob in try array(body, "Observations") ?? [] { try await attach(ob, .observation, key: "Datastream", id: id) }
        return id
    }

    /// The FeatureOfInterest generated from the Thing's Location (GeoJSON preferred), reused while it exists.
    mutating func autoFeature(series: Int64) async throws -> Int64 {
        guard let thing = try await conn.scalar("SELECT station_id FROM series WHERE id = ?", [.int(series)]).int64 else {
            throw STAError(.badRequest, "Datastream \(series) does not exist")
        }
        let locs = try await conn.query(
            """
            SELECT l.id FROM sta_locations l JOIN sta_thing_locations tl ON tl.location_id = l.id WHERE tl.thing_id = ?
            ORDER BY (l.encoding_type LIKE '%geo+json') DESC, l.id
            """, [.int(thing)]
        ).rows
        guard let loc = locs.first?[0].int64 else {
            throw STAError(.badRequest, "Observation: no FeatureOfInterest given and Thing \(thing) has no Location to derive one from")
        }
        if let f = try await conn.scalar("SELECT id FROM sta_features WHERE location_id = ? ORDER BY id LIMIT 1", [.int(loc)]).int64 { return f }
        return try await conn.insert(
            """
            INSERT INTO sta_features(name, description, encoding_type, feature, location_id)
            SELECT name, description, encoding_type, location, id FROM sta_locations WHERE id = ?
            """, [.int(loc)])
    }

    func rawSeries(_ ds: Int64) async throws -> Int64 {
        guard let (arm, base) = STAIDs.datastream(ds), try await exists(.datastream, ds) else {
            throw STAError(.badRequest, "Datastream \(ds) does not exist")
        }
        guard arm == .raw else {
            throw STAError(.badRequest, "Datastream \(ds) is derived (\(arm)); its Observations are computed from Datastream \(base)")
        }
        return base
    }

    struct ObservationFields {
        var phenomenon: (Double, Double)?
        var result: Double?
        var resultTime: Double??
        var validTime: (Double, Double)??
        var resultQuality: String??
        var parameters: String??
        var feature: Int64?
    }

    mutating func observationFields(_ body: JSONValue, series: Int64?, allowCreate: Bool) async throws -> ObservationFields {
        var f = ObservationFields()
        f.phenomenon = try time(body["phenomenonTime"], "Observation.phenomenonTime")
        if let r = body["result"] { f.result = try Self.result(r) }
        if let rt = body["resultTime"] { f.resultTime = .some(try time(rt, "Observation.resultTime")?.0) }
        if let vt = body["validTime"] { f.validTime = .some(try time(vt, "Observation.validTime")) }
        if let q = body["resultQuality"] { f.resultQuality = .some(q.isNull ? nil : q.text) }
        if let p = body["parameters"] {
            guard p.isNull || p.objectMembers != nil else { throw STAError(.badRequest, "Observation: 'parameters' must be a JSON object") }
            f.parameters = .some(p.isNull ? nil : p.text)
        }
        if let foi = body["FeatureOfInterest"] { f.feature = try await linkOrCreate(foi, .featureOfInterest, allowCreate: allowCreate) }
        return f
    }

    /// An Observation's result: a number (this server stores measurements).
    static func result(_ r: JSONValue) throws -> Double {
        guard let d = r.doubleValue ?? r.stringValue.flatMap(Double.init), d.isFinite else {
            throw STAError(.badRequest, "Observation: 'result' must be a number (this server stores measurements, OM_Measurement)")
        }
        return d
    }

    /// The catalogue's parameter of a series, for its QC range (nil: a parameter the catalogue does not know).
    func parameter(series: Int64) async throws -> Parameter? {
        let code = try await conn.scalar("SELECT parameter FROM series WHERE id = ?", [.int(series)]).text ?? ""
        return catalogue.parameter(code: code)
    }

    /// The row an Observation stores: its time inside the window every path in keeps, its result flagged as the native
    /// ingest flags it.
    func valid(series: Int64, phenomenon: (Double, Double)?, result: Double?, parameter: Parameter?) throws -> ValidObservation {
        let start = phenomenon?.0 ?? Double(now)
        guard start >= 0, start < Double(STAIDs.observationShift) else {
            throw STAError(.badRequest, "Observation: phenomenonTime must be between 1970 and 2106")
        }
        let t = Int64(start.rounded(.down))
        if let reason = window.refusal(t, as: Timestamps.format(t)) { throw STAError(.badRequest, "Observation: phenomenonTime: \(reason)") }
        guard let value = result else { throw STAError(.badRequest, "Observation: 'result' is required") }
        let qc = parameter.map { QualityControl.flag(value: value, status: .measuring, parameter: $0) } ?? .ok
        return ValidObservation(seriesID: series, t: t, value: value, status: .measuring, qc: qc)
    }

    /// An Observation's FeatureOfInterest: the one `given`, else the series', else one derived from its Thing's
    /// Location; the first a series gets is kept on it. Answers the series' own as it was before too.
    mutating func feature(of series: Int64, given: Int64? = nil) async throws -> (feature: Int64, series: Int64?) {
        let stored = try await conn.scalar("SELECT foi_id FROM series WHERE id = ?", [.int(series)]).int64
        let feature: Int64
        if let known = given ?? stored { feature = known } else { feature = try await autoFeature(series: series) }
        if stored == nil { try await conn.execute("UPDATE series SET foi_id = ? WHERE id = ?", [.int(feature), .int(series)]) }
        return (feature, stored)
    }

    /// Observations of one Datastream that carry only `phenomenonTime` and `result` (a `CreateObservations` group), stored
    /// with one call of the native ingest instead of one per row: each row is checked as `storeObservation` checks it
    /// and answers its id or its error, in order; SensorThings-only fields left by earlier writes at those times go.
    mutating func storeObservations(series: Int64, _ rows: [(time: JSONValue?, result: JSONValue?)]) async throws -> [Result<Int64, STAError>] {
        try await checkScope(series: series)
        do { _ = try await feature(of: series) } catch let e as STAError { return rows.map { _ in .failure(e) } }
        let parameter = try await parameter(series: series)
        var out: [Result<Int64, STAError>] = []
        var valid: [ValidObservation] = []
        out.reserveCapacity(rows.count)
        valid.reserveCapacity(rows.count)
        for row in rows {
            do {
                let v = try self.valid(
                    series: series, phenomenon: try time(row.time, "Observation.phenomenonTime"), result: try row.result.map(Self.result),
                    parameter: parameter)
                valid.append(v)
                out.append(.success(STAIDs.observationID(series: series, t: v.t)))
            } catch let e as STAError {
                out.append(.failure(e))
            }
        }
        guard let first = valid.first?.t else { return out }
        try await source.staIngest(valid, conn)
        let (low, high) = valid.reduce((first, first)) { (min($0.0, $1.t), max($0.1, $1.t)) }
        let extras =
            try await conn.scalar(
                "SELECT count(*) FROM sta_obs_extra WHERE series_id = ? AND t >= ? AND t <= ?", [.int(series), .int(low), .int(high)]
            ).int64 ?? 0
        if extras > 0 {
            for chunk in stride(from: 0, to: valid.count, by: 500) {
                let times = valid[chunk..<min(valid.count, chunk + 500)].map { SQLValue.int($0.t) }
                try await conn.execute(
                    "DELETE FROM sta_obs_extra WHERE series_id = ? AND t IN (\(Array(repeating: "?", count: times.count).joined(separator: ",")))",
                    [.int(series)] + times)
            }
        }
        return out
    }

    /// Writes the row (upsert by series and time) and the SensorThings-only fields; returns the Observation id.
    /// Refuses Observations of a series whose station lies outside the caller's scope.
    mutating func checkScope(series: Int64) async throws {
        guard let allowed = allowedStations, !inScope.contains(series) else { return }
        let code = try await conn.scalar("SELECT st.code FROM series s JOIN stations st ON st.id = s.station_id WHERE s.id = ?", [.int(series)]).text
        guard let code, allowed.contains(code) else {
            throw STAError(
                .forbidden, "this key may not write Observations for station \(code ?? "?"): it is outside the key's scope; nothing was stored")
        }
        inScope.insert(series)
    }

    mutating func storeObservation(series: Int64, _ f: ObservationFields, keepID: Int64? = nil) async throws -> Int64 {
        try await checkScope(series: series)
        let phen = f.phenomenon ?? (Double(now), Double(now))
        let row = try valid(series: series, phenomenon: phen, result: f.result, parameter: try await parameter(series: series))
        let t = row.t
        try await source.staIngest([row], conn)
        let (feature, seriesFeature) = try await self.feature(of: series, given: f.feature)
        let extraFOI: SQLValue = seriesFeature.flatMap { feature == $0 ? nil : .int(feature) } ?? .null
        let encoded = STAIDs.observationID(series: series, t: t)
        let staID: SQLValue = keepID.map { $0 == encoded ? .null : .int($0) } ?? .null
        let phenEnd: SQLValue = phen.1 != phen.0 || phen.0 != Double(t) ? .double(phen.1) : .null
        let resultTime: SQLValue = (f.resultTime ?? nil).map { .double($0) } ?? .null
        let valid = f.validTime ?? nil
        let values: [SQLValue] = [
            staID, phenEnd, resultTime, valid.map { .double($0.0) } ?? .null, valid.map { .double($0.1) } ?? .null,
            nullable(f.resultQuality ?? nil), nullable(f.parameters ?? nil), extraFOI,
        ]
        if values.allSatisfy(\.isNull) {
            try await conn.execute("DELETE FROM sta_obs_extra WHERE series_id = ? AND t = ?", [.int(series), .int(t)])
            return encoded
        }
        try await conn.execute(
            """
            INSERT INTO sta_obs_extra(sta_id, phen_end, result_time, valid_start, valid_end, result_quality, parameters, foi_id, series_id, t)
            VALUES (?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(series_id, t) DO UPDATE SET sta_id = coalesce(excluded.sta_id, sta_obs_extra.sta_id), phen_end = excluded.phen_end,
              result_time = excluded.result_time, valid_start = excluded.valid_start, valid_end = excluded.valid_end,
              result_quality = excluded.result_quality, parameters = excluded.parameters, foi_id = excluded.foi_id
            """, values + [.int(series), .int(t)])
        return try await conn.scalar("SELECT sta_id FROM sta_obs_extra WHERE series_id = ? AND t = ?", [.int(series), .int(t)]).int64 ?? encoded
    }

    mutating func createObservation(_ body: JSONValue) async throws -> Int64 {
        guard let d = body["Datastream"] else {
            if body["MultiDatastream"] != nil {
                throw STAError(.badRequest, "MultiDatastreams are not offered by this server; use one Datastream per parameter")
            }
            throw STAError(.badRequest, "Observation: 'Datastream' is required")
        }
        let series = try await rawSeries(try linkOrCreate(d, .datastream))
        guard body["result"] != nil else { throw STAError(.badRequest, "Observation: 'result' is required") }
        return try await storeObservation(series: series, try observationFields(body, series: series, allowCreate: true))
    }
}
