import Foundation
import XanhCore

/// Creates, updates and deletes SensorThings entities inside one transaction of the monitoring store.
struct STAWriter {
    let conn: any SQLConnection
    let catalogue: ParameterCatalogue
    let now: Int64

    static let measurement = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"

    // MARK: body helpers

    func object(_ v: JSONValue, _ what: String) throws -> [(String, JSONValue)] {
        guard let m = v.objectMembers else { throw STAError(400, "\(what) must be a JSON object") }
        return m
    }

    func string(_ body: JSONValue, _ key: String, _ e: STAEntity, required: Bool = true) throws -> String? {
        guard let v = body[key], !v.isNull else {
            if required { throw STAError(400, "\(e.rawValue): '\(key)' is required") }
            return nil
        }
        guard let s = v.stringValue else { throw STAError(400, "\(e.rawValue): '\(key)' must be a string") }
        return s
    }

    func json(_ body: JSONValue, _ key: String, _ e: STAEntity, required: Bool = true) throws -> String? {
        guard let v = body[key], !v.isNull else {
            if required { throw STAError(400, "\(e.rawValue): '\(key)' is required") }
            return nil
        }
        return v.text
    }

    /// User properties, without the `xanh` member the server adds.
    func properties(_ body: JSONValue, _ e: STAEntity) throws -> String? {
        guard let v = body["properties"], !v.isNull else { return nil }
        guard let m = v.objectMembers else { throw STAError(400, "\(e.rawValue): 'properties' must be a JSON object") }
        return JSONValue.object(m.filter { $0.0 != "xanh" }).text
    }

    func time(_ v: JSONValue?, _ what: String) throws -> (Double, Double)? {
        guard let v, !v.isNull else { return nil }
        guard let s = v.stringValue, let t = STATime.parseTimeOrInterval(s) else {
            throw STAError(400, "\(what) must be an ISO 8601 time with an offset (e.g. 2026-11-20T10:00:00Z) or an interval start/end")
        }
        return t
    }

    /// `{"@iot.id": n}` (whatever else it carries) is a link to an existing entity.
    func linkID(_ v: JSONValue) -> Int64?? {
        guard let idValue = v["@iot.id"] else { return .none }
        return .some(idValue.int64Value)
    }

    func exists(_ e: STAEntity, _ id: Int64) throws -> Bool { try STAService.lookup(conn, e, id: id) != nil }

    /// Resolves a nested entity: a link (checked to exist) or a new entity created now.
    mutating func linkOrCreate(_ v: JSONValue, _ e: STAEntity, allowCreate: Bool = true, link: [(String, JSONValue)] = []) throws -> Int64 {
        if let id = linkID(v) {
            guard let id, try exists(e, id) else { throw STAError(400, "\(e.rawValue) \(v["@iot.id"]!.text) does not exist") }
            return id
        }
        guard allowCreate else { throw STAError(400, "a PATCH may link \(e.setName) by {\"@iot.id\": …} but not create them") }
        var body = try object(v, e.rawValue)
        body.append(contentsOf: link)
        return try create(e, .object(body))
    }

    func array(_ body: JSONValue, _ key: String) throws -> [JSONValue]? {
        guard let v = body[key], !v.isNull else { return nil }
        guard case .array(let items) = v else { throw STAError(400, "'\(key)' must be an array") }
        return items
    }

    // MARK: create

    mutating func create(_ e: STAEntity, _ body: JSONValue) throws -> Int64 {
        _ = try object(body, e.rawValue)
        switch e {
        case .thing: return try createThing(body)
        case .location: return try createLocation(body)
        case .historicalLocation: return try createHistoricalLocation(body)
        case .datastream: return try createDatastream(body)
        case .sensor:
            let id = try insertSensor(body)
            for d in try array(body, "Datastreams") ?? [] { try attach(d, .datastream, key: "Sensor", id: id) }
            return id
        case .observedProperty: return try createObservedProperty(body)
        case .observation: return try createObservation(body)
        case .featureOfInterest:
            try conn.execute(
                "INSERT INTO sta_features(name, description, encoding_type, feature, properties) VALUES (?,?,?,?,?)",
                [
                    .text(try string(body, "name", e)!), .text(try string(body, "description", e)!),
                    .text(try string(body, "encodingType", e)!), .text(try geometryJSON(body, "feature", e)), nullable(try properties(body, e)),
                ])
            let id = conn.lastInsertID
            for o in try array(body, "Observations") ?? [] { try attach(o, .observation, key: "FeatureOfInterest", id: id) }
            return id
        }
    }

    /// Creates (or links and re-points) a child given inline in its parent's body.
    mutating func attach(_ v: JSONValue, _ e: STAEntity, key: String, id: Int64) throws {
        if let childID = linkID(v) {
            guard let childID else { throw STAError(400, "\(e.rawValue) @iot.id must be an integer") }
            try update(e, childID, .object([(key, .object([("@iot.id", .number(String(id)))]))]), put: false)
            return
        }
        var body = try object(v, e.rawValue)
        body.removeAll { $0.0 == key }
        body.append((key, .object([("@iot.id", .number(String(id)))])))
        _ = try create(e, .object(body))
    }

    func nullable(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }

    func geometryJSON(_ body: JSONValue, _ key: String, _ e: STAEntity) throws -> String {
        guard let v = body[key], !v.isNull else { throw STAError(400, "\(e.rawValue): '\(key)' is required") }
        let encoding = body["encodingType"]?.stringValue ?? ""
        if encoding.contains("geo+json") {
            do { _ = try Geometry.fromGeoJSON(v) } catch { throw STAError(400, "\(e.rawValue).\(key) is not valid GeoJSON: \(error.message)") }
        }
        return v.text
    }

    mutating func createThing(_ body: JSONValue) throws -> Int64 {
        let name = try string(body, "name", .thing)!
        let description = try string(body, "description", .thing)!
        let xanh = body["properties"]?["xanh"]
        var kind = StationKind.other
        if let k = xanh?["kind"]?.stringValue {
            guard let sk = StationKind(rawValue: k) else {
                throw STAError(400, "Thing: properties.xanh.kind '\(k)' is not a station kind (\(StationKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            kind = sk
        }
        var province: SQLValue = .null
        if let p = xanh?["province"]?.stringValue {
            guard try !conn.scalar("SELECT 1 FROM provinces WHERE code = ?", [.text(p)]).isNull else {
                throw STAError(400, "Thing: properties.xanh.province '\(p)' is not an official provincial code")
            }
            province = .text(p)
        }
        var id = (try conn.scalar("SELECT coalesce(max(id), 0) + 1 FROM stations").int64) ?? 1
        var code = xanh?["station"]?.stringValue ?? "thing-\(id)"
        if xanh?["station"] != nil {
            guard try conn.scalar("SELECT 1 FROM stations WHERE code = ?", [.text(code)]).isNull else {
                throw STAError(409, "a station with code '\(code)' already exists")
            }
        } else {
            while try !conn.scalar("SELECT 1 FROM stations WHERE code = ?", [.text(code)]).isNull {
                id += 1
                code = "thing-\(id)"
            }
        }
        try conn.execute(
            """
            INSERT INTO stations(id, code, name, kind, province, active, created_at, updated_at, description, properties)
            VALUES (?,?,?,?,?,1,?,?,?,?)
            """,
            [.int(id), .text(code), .text(name), .text(kind.rawValue), province, .int(now), .int(now), .text(description), nullable(try properties(body, .thing))])
        if let locations = try array(body, "Locations") {
            var ids: [Int64] = []
            for l in locations { ids.append(try linkOrCreate(l, .location)) }
            try setLocations(thing: id, ids)
        }
        for d in try array(body, "Datastreams") ?? [] { try attach(d, .datastream, key: "Thing", id: id) }
        for h in try array(body, "HistoricalLocations") ?? [] { try attach(h, .historicalLocation, key: "Thing", id: id) }
        return id
    }

    /// Replaces a Thing's Locations, records a HistoricalLocation, and moves the station to a Point location.
    mutating func setLocations(thing: Int64, _ ids: [Int64], at time: Double? = nil, record: Bool = true) throws {
        try conn.execute("DELETE FROM sta_thing_locations WHERE thing_id = ?", [.int(thing)])
        for l in ids { try conn.execute("INSERT OR IGNORE INTO sta_thing_locations(thing_id, location_id) VALUES (?,?)", [.int(thing), .int(l)]) }
        if record, !ids.isEmpty {
            try conn.execute("INSERT INTO sta_historical_locations(thing_id, time) VALUES (?,?)", [.int(thing), .double(time ?? Double(now))])
            let hl = conn.lastInsertID
            for l in ids { try conn.execute("INSERT OR IGNORE INTO sta_hl_locations(hl_id, location_id) VALUES (?,?)", [.int(hl), .int(l)]) }
        }
        try syncStation(thing: thing)
    }

    /// The station's coordinates follow its Point Location (the first one), which becomes the station's location.
    func syncStation(thing: Int64) throws {
        let rows = try conn.query(
            """
            SELECT l.id, l.location FROM sta_locations l JOIN sta_thing_locations tl ON tl.location_id = l.id
            WHERE tl.thing_id = ? ORDER BY l.id
            """, [.int(thing)]
        ).rows
        for r in rows {
            guard let text = r[1].text, let v = try? JSONValue.parse(text), let g = try? Geometry.fromGeoJSON(v), case .point(let p) = g else { continue }
            try conn.execute("UPDATE sta_locations SET station_id = NULL WHERE station_id = ? AND id <> ?", [.int(thing), r[0]])
            try conn.execute("UPDATE sta_locations SET station_id = ? WHERE id = ?", [.int(thing), r[0]])
            try conn.execute("UPDATE stations SET latitude = ?, longitude = ?, updated_at = ? WHERE id = ?", [.double(p.y), .double(p.x), .int(now), .int(thing)])
            return
        }
    }

    mutating func createLocation(_ body: JSONValue) throws -> Int64 {
        try conn.execute(
            "INSERT INTO sta_locations(name, description, encoding_type, location, properties) VALUES (?,?,?,?,?)",
            [
                .text(try string(body, "name", .location)!), .text(try string(body, "description", .location)!),
                .text(try string(body, "encodingType", .location)!), .text(try geometryJSON(body, "location", .location)),
                nullable(try properties(body, .location)),
            ])
        let id = conn.lastInsertID
        for t in try array(body, "Things") ?? [] {
            let thing = try linkOrCreate(t, .thing)
            try setLocations(thing: thing, [id])
        }
        return id
    }

    mutating func createHistoricalLocation(_ body: JSONValue) throws -> Int64 {
        guard let (time, _) = try self.time(body["time"], "HistoricalLocation.time") else { throw STAError(400, "HistoricalLocation: 'time' is required") }
        guard let t = body["Thing"] else { throw STAError(400, "HistoricalLocation: 'Thing' is required") }
        let thing = try linkOrCreate(t, .thing)
        var locations: [Int64] = []
        for l in try array(body, "Locations") ?? [] { locations.append(try linkOrCreate(l, .location)) }
        let latest = try conn.scalar("SELECT max(time) FROM sta_historical_locations WHERE thing_id = ?", [.int(thing)]).double
        try conn.execute("INSERT INTO sta_historical_locations(thing_id, time) VALUES (?,?)", [.int(thing), .double(time)])
        let id = conn.lastInsertID
        for l in locations { try conn.execute("INSERT OR IGNORE INTO sta_hl_locations(hl_id, location_id) VALUES (?,?)", [.int(id), .int(l)]) }
        // A later HistoricalLocation moves the Thing; an earlier one only records history.
        if !locations.isEmpty, latest == nil || time > latest! { try setLocations(thing: thing, locations, record: false) }
        return id
    }

    mutating func insertSensor(_ body: JSONValue) throws -> Int64 {
        try conn.execute(
            "INSERT INTO sta_sensors(name, description, encoding_type, metadata, properties) VALUES (?,?,?,?,?)",
            [
                .text(try string(body, "name", .sensor)!), .text(try string(body, "description", .sensor)!),
                .text(try string(body, "encodingType", .sensor)!), .text(try json(body, "metadata", .sensor)!),
                nullable(try properties(body, .sensor)),
            ])
        return conn.lastInsertID
    }

    mutating func createObservedProperty(_ body: JSONValue) throws -> Int64 {
        let name = try string(body, "name", .observedProperty)!
        let definition = try string(body, "definition", .observedProperty)!
        let description = try string(body, "description", .observedProperty)!
        let id = (try conn.scalar("SELECT coalesce(max(id), 0) + 1 FROM parameters").int64) ?? 1
        try conn.execute(
            """
            INSERT INTO parameters(code, name_vi, name_en, unit, medium, aqi, circular10, aliases, id, definition, description, properties)
            VALUES (?,?,?,'','other',0,'','',?,?,?,?)
            """, [.text("op-\(id)"), .text(name), .text(name), .int(id), .text(definition), .text(description), nullable(try properties(body, .observedProperty))])
        for d in try array(body, "Datastreams") ?? [] { try attach(d, .datastream, key: "ObservedProperty", id: id) }
        return id
    }

    func parameterCode(op: Int64) throws -> String {
        guard let code = try conn.scalar("SELECT code FROM parameters WHERE id = ?", [.int(op)]).text else {
            throw STAError(400, "ObservedProperty \(op) does not exist")
        }
        if code == "VN_AQI" { throw STAError(400, "the VN_AQI ObservedProperty belongs to the derived AQI Datastreams") }
        return code
    }

    mutating func createDatastream(_ body: JSONValue) throws -> Int64 {
        let name = try string(body, "name", .datastream)!
        let description = try string(body, "description", .datastream)!
        guard let uom = body["unitOfMeasurement"], uom.objectMembers != nil else {
            throw STAError(400, "Datastream: 'unitOfMeasurement' is required and must be an object {name, symbol, definition}")
        }
        let observationType = try string(body, "observationType", .datastream)!
        guard let t = body["Thing"] else { throw STAError(400, "Datastream: 'Thing' is required") }
        guard let s = body["Sensor"] else { throw STAError(400, "Datastream: 'Sensor' is required") }
        guard let o = body["ObservedProperty"] else { throw STAError(400, "Datastream: 'ObservedProperty' is required") }
        let thing = try linkOrCreate(t, .thing)
        let sensor = try linkOrCreate(s, .sensor)
        let op = try linkOrCreate(o, .observedProperty)
        let code = try parameterCode(op: op)
        var interval: Int64 = 300
        if let i = body["properties"]?["xanh"]?["interval"] {
            guard let v = i.int64Value, (1...86_400).contains(v) else { throw STAError(400, "Datastream: properties.xanh.interval must be 1–86400 seconds") }
            interval = v
        }
        let existing = try conn.query("SELECT id, active FROM series WHERE station_id = ? AND parameter = ?", [.int(thing), .text(code)]).rows.first
        if let existing, existing[1].int64 == 1 {
            throw STAError(
                409, "Thing \(thing) already has Datastream \(existing[0].int64 ?? 0) for ObservedProperty \(op): a station has one series per parameter")
        }
        let values: [SQLValue] = [
            .int(interval), .text(name), .text(description), .text(uom.text), .text(observationType), nullable(try properties(body, .datastream)), .int(sensor),
        ]
        let id: Int64
        if let existing, let old = existing[0].int64 {
            try conn.execute(
                "UPDATE series SET active = 1, interval = ?, name = ?, description = ?, uom = ?, observation_type = ?, properties = ?, sensor_id = ? WHERE id = ?",
                values + [.int(old)])
            id = old
        } else {
            try conn.execute(
                """
                INSERT INTO series(interval, name, description, uom, observation_type, properties, sensor_id, station_id, parameter, active)
                VALUES (?,?,?,?,?,?,?,?,?,1)
                """, values + [.int(thing), .text(code)])
            id = conn.lastInsertID
        }
        for ob in try array(body, "Observations") ?? [] { try attach(ob, .observation, key: "Datastream", id: id) }
        return id
    }

    /// The FeatureOfInterest generated from the Thing's Location (GeoJSON preferred), reused while it exists.
    mutating func autoFeature(series: Int64) throws -> Int64 {
        guard let thing = try conn.scalar("SELECT station_id FROM series WHERE id = ?", [.int(series)]).int64 else {
            throw STAError(400, "Datastream \(series) does not exist")
        }
        let locs = try conn.query(
            """
            SELECT l.id FROM sta_locations l JOIN sta_thing_locations tl ON tl.location_id = l.id WHERE tl.thing_id = ?
            ORDER BY (l.encoding_type LIKE '%geo+json') DESC, l.id
            """, [.int(thing)]
        ).rows
        guard let loc = locs.first?[0].int64 else {
            throw STAError(400, "Observation: no FeatureOfInterest given and Thing \(thing) has no Location to derive one from")
        }
        if let f = try conn.scalar("SELECT id FROM sta_features WHERE location_id = ? ORDER BY id LIMIT 1", [.int(loc)]).int64 { return f }
        try conn.execute(
            """
            INSERT INTO sta_features(name, description, encoding_type, feature, location_id)
            SELECT name, description, encoding_type, location, id FROM sta_locations WHERE id = ?
            """, [.int(loc)])
        return conn.lastInsertID
    }

    func rawSeries(_ ds: Int64) throws -> Int64 {
        guard let (arm, base) = STAIDs.datastream(ds), try exists(.datastream, ds) else { throw STAError(400, "Datastream \(ds) does not exist") }
        guard arm == .raw else {
            throw STAError(400, "Datastream \(ds) is derived (\(arm)); its Observations are computed from Datastream \(base)")
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

    mutating func observationFields(_ body: JSONValue, series: Int64?, allowCreate: Bool) throws -> ObservationFields {
        var f = ObservationFields()
        f.phenomenon = try time(body["phenomenonTime"], "Observation.phenomenonTime")
        if let r = body["result"] {
            guard let d = r.doubleValue ?? r.stringValue.flatMap(Double.init), d.isFinite else {
                throw STAError(400, "Observation: 'result' must be a number (this server stores measurements, OM_Measurement)")
            }
            f.result = d
        }
        if let rt = body["resultTime"] { f.resultTime = .some(try time(rt, "Observation.resultTime")?.0) }
        if let vt = body["validTime"] { f.validTime = .some(try time(vt, "Observation.validTime")) }
        if let q = body["resultQuality"] { f.resultQuality = .some(q.isNull ? nil : q.text) }
        if let p = body["parameters"] {
            guard p.isNull || p.objectMembers != nil else { throw STAError(400, "Observation: 'parameters' must be a JSON object") }
            f.parameters = .some(p.isNull ? nil : p.text)
        }
        if let foi = body["FeatureOfInterest"] { f.feature = try linkOrCreate(foi, .featureOfInterest, allowCreate: allowCreate) }
        return f
    }

    func qcFlag(series: Int64, value: Double) throws -> QCFlag {
        let code = try conn.scalar("SELECT parameter FROM series WHERE id = ?", [.int(series)]).text ?? ""
        guard let p = catalogue.parameter(code: code) else { return .ok }
        return QualityControl.flag(value: value, status: .measuring, parameter: p)
    }

    /// Writes the row (upsert by series and time) and the SensorThings-only fields; returns the Observation id.
    mutating func storeObservation(series: Int64, _ f: ObservationFields, keepID: Int64? = nil) throws -> Int64 {
        let phen = f.phenomenon ?? (Double(now), Double(now))
        let t = Int64(phen.0.rounded(.down))
        guard t >= 0, t < STAIDs.observationShift else { throw STAError(400, "Observation: phenomenonTime must be between 1970 and 2106") }
        guard let value = f.result else { throw STAError(400, "Observation: 'result' is required") }
        try conn.ingest([ValidObservation(seriesID: series, t: t, value: value, status: .measuring, qc: try qcFlag(series: series, value: value))])
        var feature = f.feature
        let seriesFeature = try conn.scalar("SELECT foi_id FROM series WHERE id = ?", [.int(series)]).int64
        if feature == nil { feature = seriesFeature == nil ? try autoFeature(series: series) : seriesFeature }
        if seriesFeature == nil, let feature { try conn.execute("UPDATE series SET foi_id = ? WHERE id = ?", [.int(feature), .int(series)]) }
        let extraFOI: SQLValue = (feature == seriesFeature || seriesFeature == nil) ? .null : .int(feature!)
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
            try conn.execute("DELETE FROM sta_obs_extra WHERE series_id = ? AND t = ?", [.int(series), .int(t)])
            return encoded
        }
        try conn.execute(
            """
            INSERT INTO sta_obs_extra(sta_id, phen_end, result_time, valid_start, valid_end, result_quality, parameters, foi_id, series_id, t)
            VALUES (?,?,?,?,?,?,?,?,?,?)
            ON CONFLICT(series_id, t) DO UPDATE SET sta_id = coalesce(excluded.sta_id, sta_obs_extra.sta_id), phen_end = excluded.phen_end,
              result_time = excluded.result_time, valid_start = excluded.valid_start, valid_end = excluded.valid_end,
              result_quality = excluded.result_quality, parameters = excluded.parameters, foi_id = excluded.foi_id
            """, values + [.int(series), .int(t)])
        return try conn.scalar("SELECT sta_id FROM sta_obs_extra WHERE series_id = ? AND t = ?", [.int(series), .int(t)]).int64 ?? encoded
    }

    mutating func createObservation(_ body: JSONValue) throws -> Int64 {
        guard let d = body["Datastream"] else {
            if body["MultiDatastream"] != nil { throw STAError(400, "MultiDatastreams are not offered by this server; use one Datastream per parameter") }
            throw STAError(400, "Observation: 'Datastream' is required")
        }
        let series = try rawSeries(try linkOrCreate(d, .datastream))
        guard body["result"] != nil else { throw STAError(400, "Observation: 'result' is required") }
        return try storeObservation(series: series, try observationFields(body, series: series, allowCreate: true))
    }

    // MARK: update

    /// PATCH (merge) or PUT (replace). Links replace a to-one relation; inline new entities are refused.
    mutating func update(_ e: STAEntity, _ id: Int64, _ body: JSONValue, put: Bool) throws {
        let members = try object(body, e.rawValue)
        guard let current = try STAService.lookup(conn, e, id: id) else { throw STAError(404, "\(e.setName)(\(id)) does not exist") }
        if put {
            for f in e.fields where f.mandatory && !f.readOnly && body[f.name] == nil && !(e == .observation && f.name != "result") {
                throw STAError(400, "PUT \(e.setName)(\(id)): '\(f.name)' is required (PUT replaces the whole entity)")
            }
        }
        for (key, v) in members {
            if let nav = e.navigation(key) {
                let items: [JSONValue]
                if case .array(let a) = v { items = a } else { items = [v] }
                for item in items where linkID(item) == nil {
                    throw STAError(400, "PATCH may link \(nav.name) by {\"@iot.id\": …} but not create new ones")
                }
            } else if key != "@iot.id" && key != "@iot.selfLink" && !key.contains("@iot.") && e.field(key) == nil {
                throw STAError(400, "'\(key)' is not a property of \(e.rawValue)")
            }
        }
        func text(_ key: String) throws -> SQLValue? {
            guard let v = body[key] else { return put ? .null : nil }
            guard let s = v.stringValue else { throw STAError(400, "\(e.rawValue).\(key) must be a string") }
            return .text(s)
        }
        func props() throws -> SQLValue? {
            guard body["properties"] != nil else { return put ? .null : nil }
            return nullable(try properties(body, e))
        }
        func set(_ table: String, _ assignments: [(String, SQLValue?)], key: String = "id", id: SQLValue) throws {
            let given = assignments.compactMap { a in a.1.map { (a.0, $0) } }
            guard !given.isEmpty else { return }
            try conn.execute("UPDATE \(table) SET \(given.map { "\($0.0) = ?" }.joined(separator: ", ")) WHERE \(key) = ?", given.map(\.1) + [id])
        }
        switch e {
        case .thing:
            try set("stations", [("name", try text("name")), ("description", try text("description")), ("properties", try props()), ("updated_at", .int(now))], id: .int(id))
            if let locs = try array(body, "Locations") {
                var ids: [Int64] = []
                for l in locs { ids.append(try linkOrCreate(l, .location, allowCreate: false)) }
                try setLocations(thing: id, ids)
            }
            for d in try array(body, "Datastreams") ?? [] { try attach(d, .datastream, key: "Thing", id: id) }
        case .location:
            let location = try geometryUpdate(body, "location", .location, current)
            try set(
                "sta_locations",
                [("name", try text("name")), ("description", try text("description")), ("encoding_type", try text("encodingType")), ("location", location), ("properties", try props())],
                id: .int(id))
            for t in try array(body, "Things") ?? [] { try setLocations(thing: try linkOrCreate(t, .thing, allowCreate: false), [id]) }
            for thing in try conn.query("SELECT thing_id FROM sta_thing_locations WHERE location_id = ?", [.int(id)]).rows.compactMap({ $0[0].int64 }) {
                try syncStation(thing: thing)
            }
        case .historicalLocation:
            var time: SQLValue?
            if let t = try self.time(body["time"], "HistoricalLocation.time") { time = .double(t.0) }
            var thing: SQLValue?
            if let t = body["Thing"] { thing = .int(try linkOrCreate(t, .thing, allowCreate: false)) }
            try set("sta_historical_locations", [("time", time), ("thing_id", thing)], id: .int(id))
            for l in try array(body, "Locations") ?? [] {
                try conn.execute("INSERT OR IGNORE INTO sta_hl_locations(hl_id, location_id) VALUES (?,?)", [.int(id), .int(try linkOrCreate(l, .location, allowCreate: false))])
            }
        case .datastream:
            guard let (arm, base) = STAIDs.datastream(id), arm == .raw else {
                throw STAError(400, "Datastream \(id) is derived from another Datastream; change that one instead")
            }
            var uom: SQLValue?
            if let u = body["unitOfMeasurement"] {
                guard u.objectMembers != nil else { throw STAError(400, "Datastream.unitOfMeasurement must be an object") }
                uom = .text(u.text)
            } else if put {
                uom = .null
            }
            var links: [(String, SQLValue?)] = []
            if let t = body["Thing"] { links.append(("station_id", .int(try linkOrCreate(t, .thing, allowCreate: false)))) }
            if let s = body["Sensor"] { links.append(("sensor_id", .int(try linkOrCreate(s, .sensor, allowCreate: false)))) }
            if let o = body["ObservedProperty"] {
                links.append(("parameter", .text(try parameterCode(op: try linkOrCreate(o, .observedProperty, allowCreate: false)))))
            }
            do {
                try set(
                    "series",
                    [
                        ("name", try text("name")), ("description", try text("description")), ("uom", uom),
                        ("observation_type", try text("observationType")), ("properties", try props()),
                    ] + links, id: .int(base))
            } catch let error as STAError {
                throw error
            } catch {
                throw STAError(409, "the Thing already has a Datastream for that ObservedProperty (one series per station and parameter)")
            }
            for o in try array(body, "Observations") ?? [] { try attach(o, .observation, key: "Datastream", id: id) }
        case .sensor:
            try set(
                "sta_sensors",
                [
                    ("name", try text("name")), ("description", try text("description")), ("encoding_type", try text("encodingType")),
                    ("metadata", body["metadata"].map { .text($0.text) } ?? (put ? .null : nil)), ("properties", try props()),
                ], id: .int(id))
            for d in try array(body, "Datastreams") ?? [] { try attach(d, .datastream, key: "Sensor", id: id) }
        case .observedProperty:
            let name = try text("name")
            try set(
                "parameters",
                [
                    ("name_en", name), ("definition", try text("definition")), ("description", try text("description")), ("properties", try props()),
                ], id: .int(id))
            for d in try array(body, "Datastreams") ?? [] { try attach(d, .datastream, key: "ObservedProperty", id: id) }
        case .featureOfInterest:
            let feature = try geometryUpdate(body, "feature", .featureOfInterest, current)
            try set(
                "sta_features",
                [("name", try text("name")), ("description", try text("description")), ("encoding_type", try text("encodingType")), ("feature", feature), ("properties", try props())],
                id: .int(id))
        case .observation:
            try updateObservation(id, current, body, put: put)
        }
    }

    /// A new geometry, checked against the encodingType given with it or the stored one; nil when not given.
    func geometryUpdate(_ body: JSONValue, _ key: String, _ e: STAEntity, _ current: SQLRecord) throws -> SQLValue? {
        guard body[key] != nil else { return nil }
        var merged = try object(body, e.rawValue)
        if body["encodingType"] == nil, let enc = current["encoding_type"].text { merged.append(("encodingType", .string(enc))) }
        return .text(try geometryJSON(.object(merged), key, e))
    }

    mutating func updateObservation(_ id: Int64, _ current: SQLRecord, _ body: JSONValue, put: Bool) throws {
        guard let ds = current["datastream_id"].int64, let (arm, series) = STAIDs.datastream(ds), arm == .raw, let t = current["t"].int64 else {
            throw STAError(400, "Observation \(id) is derived; it changes when its source Datastream's values change")
        }
        var f = try observationFields(body, series: series, allowCreate: false)
        // Merge with what is stored (PATCH); PUT resets what it does not give.
        if f.phenomenon == nil, let s = current["phen_start"].double { f.phenomenon = (s, current["phen_end"].double ?? s) }
        if f.result == nil { f.result = current["result"].double }
        if !put {
            if f.resultTime == nil { f.resultTime = .some(current["result_time"].double) }
            if f.validTime == nil, let a = current["valid_start"].double, let b = current["valid_end"].double { f.validTime = .some((a, b)) }
            if f.resultQuality == nil { f.resultQuality = .some(try conn.scalar("SELECT result_quality FROM sta_obs_extra WHERE series_id = ? AND t = ?", [.int(series), .int(t)]).text) }
            if f.parameters == nil { f.parameters = .some(current["parameters"].text) }
        }
        if f.feature == nil { f.feature = current["foi_id"].int64 }
        var target = series
        if let d = body["Datastream"] { target = try rawSeries(try linkOrCreate(d, .datastream, allowCreate: false)) }
        let newT = Int64((f.phenomenon?.0 ?? Double(t)).rounded(.down))
        if target != series || newT != t {
            try deleteObservationRow(series: series, t: t)
        }
        _ = try storeObservation(series: target, f, keepID: id)
    }

    // MARK: delete

    func markDirty(series: Int64, t: Int64) throws {
        try conn.execute("INSERT INTO dirty(series_id, hour_end) VALUES (?,?)", [.int(series), .int(Timestamps.hourEnd(t))])
    }

    func deleteObservationRow(series: Int64, t: Int64) throws {
        try conn.execute("DELETE FROM observations WHERE series_id = ? AND t = ?", [.int(series), .int(t)])
        try conn.execute("DELETE FROM sta_obs_extra WHERE series_id = ? AND t = ?", [.int(series), .int(t)])
        try markDirty(series: series, t: t)
    }

    /// Deletes a series with its values and everything derived from it.
    func deleteSeries(_ ids: [Int64]) throws {
        guard !ids.isEmpty else { return }
        let list = ids.map(String.init).joined(separator: ",")
        for table in ["observations", "sta_obs_extra", "hourly", "daily", "hour_counts", "qc_overrides", "dirty", "exceedances", "station_events"] {
            try conn.execute("DELETE FROM \(table) WHERE series_id IN (\(list))", [])
        }
        try conn.execute("DELETE FROM series WHERE id IN (\(list))", [])
    }

    func seriesIDs(_ whereSQL: String, _ args: [SQLValue]) throws -> [Int64] {
        try conn.query("SELECT id FROM series WHERE \(whereSQL)", args).rows.compactMap { $0[0].int64 }
    }

    func delete(_ e: STAEntity, _ id: Int64) throws {
        guard let current = try STAService.lookup(conn, e, id: id) else { throw STAError(404, "\(e.setName)(\(id)) does not exist") }
        switch e {
        case .thing:
            try deleteSeries(try seriesIDs("station_id = ?", [.int(id)]))
            try conn.execute("DELETE FROM aqi WHERE station_id = ?", [.int(id)])
            try conn.execute("DELETE FROM aqi_latest WHERE station_id = ?", [.int(id)])
            try conn.execute("DELETE FROM station_events WHERE station_id = ?", [.int(id)])
            try conn.execute("DELETE FROM sta_hl_locations WHERE hl_id IN (SELECT id FROM sta_historical_locations WHERE thing_id = ?)", [.int(id)])
            try conn.execute("DELETE FROM sta_historical_locations WHERE thing_id = ?", [.int(id)])
            try conn.execute("DELETE FROM sta_thing_locations WHERE thing_id = ?", [.int(id)])
            try conn.execute("UPDATE sta_locations SET station_id = NULL WHERE station_id = ?", [.int(id)])
            try conn.execute("DELETE FROM stations WHERE id = ?", [.int(id)])
        case .location:
            try conn.execute(
                "DELETE FROM sta_historical_locations WHERE id IN (SELECT hl_id FROM sta_hl_locations WHERE location_id = ?)", [.int(id)])
            try conn.execute("DELETE FROM sta_hl_locations WHERE hl_id NOT IN (SELECT id FROM sta_historical_locations)", [])
            try conn.execute("DELETE FROM sta_thing_locations WHERE location_id = ?", [.int(id)])
            try conn.execute("UPDATE sta_features SET location_id = NULL WHERE location_id = ?", [.int(id)])
            try conn.execute("DELETE FROM sta_locations WHERE id = ?", [.int(id)])
        case .historicalLocation:
            try conn.execute("DELETE FROM sta_hl_locations WHERE hl_id = ?", [.int(id)])
            try conn.execute("DELETE FROM sta_historical_locations WHERE id = ?", [.int(id)])
        case .datastream:
            guard let (arm, base) = STAIDs.datastream(id), arm == .raw else {
                throw STAError(400, "Datastream \(id) is derived; delete its source Datastream instead")
            }
            try deleteSeries([base])
        case .sensor:
            try deleteSeries(try seriesIDs(id == 1 ? "sensor_id IS NULL OR sensor_id = ?" : "sensor_id = ?", [.int(id)]))
            try conn.execute("DELETE FROM sta_sensors WHERE id = ?", [.int(id)])
        case .observedProperty:
            guard let code = try conn.scalar("SELECT code FROM parameters WHERE id = ?", [.int(id)]).text else { return }
            if catalogue.parameter(code: code) != nil || code == "VN_AQI" {
                throw STAError(409, "ObservedProperty \(id) (\(code)) is reference data of the parameter catalogue and cannot be deleted")
            }
            try deleteSeries(try seriesIDs("parameter = ?", [.text(code)]))
            try conn.execute("DELETE FROM parameters WHERE id = ?", [.int(id)])
        case .observation:
            guard let ds = current["datastream_id"].int64, let (arm, series) = STAIDs.datastream(ds), arm == .raw, let t = current["t"].int64 else {
                throw STAError(400, "Observation \(id) is derived; it is removed with its source values")
            }
            try deleteObservationRow(series: series, t: t)
        case .featureOfInterest:
            for r in try conn.query("SELECT series_id, t FROM sta_obs_extra WHERE foi_id = ?", [.int(id)]).rows {
                if let s = r[0].int64, let t = r[1].int64 { try deleteObservationRow(series: s, t: t) }
            }
            for s in try seriesIDs("foi_id = ?", [.int(id)]) {
                for r in try conn.query(
                    "SELECT o.t FROM observations o LEFT JOIN sta_obs_extra e ON e.series_id = o.series_id AND e.t = o.t WHERE o.series_id = ? AND e.foi_id IS NULL",
                    [.int(s)]
                ).rows {
                    if let t = r[0].int64 { try deleteObservationRow(series: s, t: t) }
                }
            }
            try conn.execute("UPDATE series SET foi_id = NULL WHERE foi_id = ?", [.int(id)])
            try conn.execute("DELETE FROM sta_features WHERE id = ?", [.int(id)])
        }
    }
}

/// Which property of a new child links it to the parent it is POSTed under (`Datastreams(5)/Observations`).
private let inverseLinks: [String: (key: String, many: Bool)] = [
    "Thing/Locations": ("Things", true), "Thing/HistoricalLocations": ("Thing", false), "Thing/Datastreams": ("Thing", false),
    "Location/Things": ("Locations", true), "Location/HistoricalLocations": ("Locations", true),
    "Datastream/Observations": ("Datastream", false), "Sensor/Datastreams": ("Sensor", false),
    "ObservedProperty/Datastreams": ("ObservedProperty", false), "FeatureOfInterest/Observations": ("FeatureOfInterest", false),
]

extension STAService {
    func parseBody(_ bytes: [UInt8]) throws -> JSONValue {
        do { return try JSONValue.parse(bytes: bytes) } catch { throw STAError(400, "the body is not valid JSON: \(error.description)") }
    }

    /// Runs a write in one transaction of the store.
    func write<T: Sendable>(_ body: @escaping @Sendable (inout STAWriter) throws -> T) async throws -> T {
        let catalogue = self.catalogue
        let now = clock()
        return try await store.staWrite { conn in
            var w = STAWriter(conn: conn, catalogue: catalogue, now: now)
            return try body(&w)
        }
    }

    /// `POST` to a collection: 201 with the new entity's `Location`.
    public func post(path: String, body: [UInt8], base: String) async throws -> STAResponse {
        let segments = try Self.parsePath(path)
        if segments.count == 1, segments[0].name == "CreateObservations" { return try await createObservations(body: body, base: base) }
        let json = try parseBody(body)
        let (entity, id) = try await write { w in try self.create(&w, segments, json) }
        return STAResponse(status: 201, body: nil, location: "\(base)/\(entity.setName)(\(id))")
    }

    func create(_ w: inout STAWriter, _ segments: [Segment], _ json: JSONValue) throws -> (STAEntity, Int64) {
        guard case .collection(let entity, _, _, _, let parent) = try resolve(w.conn, segments) else {
            throw STAError(405, "POST goes to a collection, such as /Things or /Datastreams(1)/Observations")
        }
        var body = json
        if let parent {
            guard let inverse = inverseLinks["\(parent.entity.rawValue)/\(parent.navigation)"], var members = body.objectMembers else {
                throw STAError(400, "cannot create \(entity.setName) under \(parent.entity.rawValue)/\(parent.navigation)")
            }
            let link = JSONValue.object([("@iot.id", .number(String(parent.id)))])
            members.removeAll { $0.0 == inverse.key }
            members.append((inverse.key, inverse.many ? .array([link]) : link))
            body = .object(members)
        }
        return (entity, try w.create(entity, body))
    }

    func entityPath(_ conn: any SQLConnection, _ path: String) throws -> (STAEntity, Int64) {
        guard case .entity(let e, let rec) = try resolve(conn, try Self.parsePath(path)), let id = rec["id"].int64 else {
            throw STAError(404, "\(path) is not an entity")
        }
        return (e, id)
    }

    /// `PATCH` (merge, or JSON-Patch when `jsonPatch`) and `PUT` (replace): 200 with the entity.
    public func update(path: String, body: [UInt8], base: String, put: Bool, jsonPatch: Bool) async throws -> STAResponse {
        let json = try parseBody(body)
        let now = Double(clock())
        let text = try await write { w in
            let (e, id) = try self.entityPath(w.conn, path)
            if jsonPatch {
                guard let rec = try Self.lookup(w.conn, e, id: id) else { throw STAError(404, "\(path) does not exist") }
                var r = Renderer(conn: w.conn, base: base, compiler: STACompiler(now: now), defaultTop: self.defaultTop, maxTop: self.maxTop)
                let doc = try r.entity(e, rec, STAOptions())
                let patched = try JSONPatch.apply(json, to: doc)
                let members = (patched.objectMembers ?? []).filter { !$0.0.contains("@iot.") && e.field($0.0).map { !$0.readOnly } ?? false }
                try w.update(e, id, .object(members), put: false)
            } else {
                try w.update(e, id, json, put: put)
            }
            guard let rec = try Self.lookup(w.conn, e, id: id) else { return "" }
            var r = Renderer(conn: w.conn, base: base, compiler: STACompiler(now: now), defaultTop: self.defaultTop, maxTop: self.maxTop)
            return try r.entity(e, rec, STAOptions()).text
        }
        return STAResponse(status: 200, body: text)
    }

    /// `DELETE`: 200, with the standard's cascade.
    public func delete(path: String) async throws -> STAResponse {
        try await write { w in
            let (e, id) = try self.entityPath(w.conn, path)
            try w.delete(e, id)
        }
        return STAResponse(status: 200, body: nil)
    }

    /// `POST /CreateObservations`: 201 with one self link, or an "error …" string, per row.
    public func createObservations(body: [UInt8], base: String) async throws -> STAResponse {
        guard case .array(let groups) = try parseBody(body) else { throw STAError(400, "CreateObservations takes a JSON array") }
        let results = try await write { w -> [String] in
            var out: [String] = []
            for (gi, g) in groups.enumerated() {
                guard let ds = g["Datastream"]?["@iot.id"]?.int64Value else {
                    throw STAError(400, "CreateObservations[\(gi)]: 'Datastream' must be {\"@iot.id\": …} (MultiDatastreams are not offered)")
                }
                guard case .array(let components)? = g["components"], case .array(let rows)? = g["dataArray"] else {
                    throw STAError(400, "CreateObservations[\(gi)]: 'components' and 'dataArray' are required arrays")
                }
                let names = components.compactMap(\.stringValue)
                guard names.contains("phenomenonTime"), names.contains("result") else {
                    throw STAError(400, "CreateObservations[\(gi)]: components must include phenomenonTime and result")
                }
                let series = try w.rawSeries(ds)
                for (ri, row) in rows.enumerated() {
                    guard case .array(let cells) = row, cells.count == names.count else {
                        out.append("error: row \(ri) of group \(gi) must have \(names.count) values")
                        continue
                    }
                    var members: [(String, JSONValue)] = []
                    for (n, v) in zip(names, cells) {
                        if n == "FeatureOfInterest/id" { members.append(("FeatureOfInterest", .object([("@iot.id", v)]))) } else { members.append((n, v)) }
                    }
                    do {
                        let f = try w.observationFields(.object(members), series: series, allowCreate: false)
                        let id = try w.storeObservation(series: series, f)
                        out.append("\(base)/Observations(\(id))")
                    } catch let e as STAError {
                        out.append("error: row \(ri) of group \(gi): \(e.message)")
                    }
                }
            }
            return out
        }
        return STAResponse(status: 201, body: JSONValue.array(results.map { .string($0) }).text)
    }

    /// `POST $batch` with a JSON body (OData 4.01 JSON batch, as FROST-Server offers): requests run in order; those
    /// sharing an `atomicityGroup` run in one transaction; `$id` names a created entity in later URLs and bodies.
    public func batch(body: [UInt8], base: String) async throws -> STAResponse {
        guard let requests = try parseBody(body)["requests"], case .array(let items) = requests else {
            throw STAError(400, "a JSON batch is {\"requests\": [{\"id\", \"method\", \"url\", \"body\"?}, …]}")
        }
        var created: [String: String] = [:]
        var responses: [JSONValue] = []
        var i = 0
        while i < items.count {
            let group = items[i]["atomicityGroup"]?.stringValue
            var j = i + 1
            if let group { while j < items.count, items[j]["atomicityGroup"]?.stringValue == group { j += 1 } }
            let slice = Array(items[i..<j])
            i = j
            if group != nil {
                do {
                    let known = created
                    let out = try await write { w -> [(JSONValue, String?, String?)] in
                        var refs = known
                        var out: [(JSONValue, String?, String?)] = []
                        for r in slice {
                            let (resp, name, path) = try self.runWrite(&w, r, refs: refs, base: base)
                            if let name, let path { refs[name] = path }
                            out.append((resp, name, path))
                        }
                        return out
                    }
                    for (resp, name, path) in out {
                        if let name, let path { created[name] = path }
                        responses.append(resp)
                    }
                } catch {
                    let e = error as? STAError ?? STAError(500, "\(error)")
                    for r in slice { responses.append(Self.batchError(r, e)) }
                }
                continue
            }
            let r = slice[0]
            do {
                if (r["method"]?.stringValue ?? "").uppercased() == "GET" {
                    let (path, query) = Self.batchURL(r["url"]?.stringValue ?? "", refs: created, base: base)
                    let resp = try await get(path: path, query: query, base: base)
                    var m: [(String, JSONValue)] = [("id", r["id"] ?? .null), ("status", .number(String(resp.status)))]
                    if let b = resp.body { m.append(("body", (try? JSONValue.parse(b)) ?? .string(b))) }
                    responses.append(.object(m))
                } else {
                    let refs = created
                    let (resp, name, path) = try await write { w in try self.runWrite(&w, r, refs: refs, base: base) }
                    if let name, let path { created[name] = path }
                    responses.append(resp)
                }
            } catch {
                responses.append(Self.batchError(r, error as? STAError ?? STAError(500, "\(error)")))
            }
        }
        return STAResponse(status: 200, body: JSONValue.object([("responses", .array(responses))]).text)
    }

    static func batchError(_ r: JSONValue, _ e: STAError) -> JSONValue {
        .object([
            ("id", r["id"] ?? .null), ("status", .number(String(e.status))),
            ("body", .object([("code", .number(String(e.status))), ("type", .string("error")), ("message", .string(e.message))])),
        ])
    }

    /// The path (relative to the service root) and query of a batch URL: absolute, `/sta/v1.1/…`, relative, or `$id/…`.
    static func batchURL(_ url: String, refs: [String: String], base: String) -> (String, String) {
        var u = url
        if u.hasPrefix(base) { u = String(u.dropFirst(base.count)) }
        if let r = u.range(of: "/sta/v1.1") { u = String(u[r.upperBound...]) }
        while u.hasPrefix("/") { u.removeFirst() }
        if u.hasPrefix("$") {
            let name = String(u.dropFirst().prefix { $0 != "/" && $0 != "?" })
            if let path = refs[name] { u = path + u.dropFirst(1 + name.count) }
        }
        let parts = u.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        return (String(parts[0]), parts.count > 1 ? String(parts[1]) : "")
    }

    func runWrite(_ w: inout STAWriter, _ r: JSONValue, refs: [String: String], base: String) throws -> (JSONValue, String?, String?) {
        let method = (r["method"]?.stringValue ?? "").uppercased()
        let (path, _) = Self.batchURL(r["url"]?.stringValue ?? "", refs: refs, base: base)
        var bodyText = r["body"]?.text ?? "{}"
        for (name, p) in refs {
            if let open = p.firstIndex(of: "("), let id = Int64(p[p.index(after: open)...].dropLast()) {
                bodyText = bodyText.replacingOccurrences(of: "\"$\(name)\"", with: String(id))
            }
        }
        let body: JSONValue
        do { body = try JSONValue.parse(bodyText) } catch { throw STAError(400, "request \(r["id"]?.text ?? "?"): body is not valid JSON") }
        let id = r["id"] ?? .null
        switch method {
        case "POST":
            let (e, newID) = try create(&w, try Self.parsePath(path), body)
            let location = "\(e.setName)(\(newID))"
            return (.object([("id", id), ("status", .number("201")), ("location", .string("\(base)/\(location)"))]), r["id"]?.stringValue, location)
        case "PATCH", "PUT":
            let (e, eid) = try entityPath(w.conn, path)
            let isJSONPatch = (r["headers"]?["content-type"]?.stringValue ?? r["headers"]?["Content-Type"]?.stringValue ?? "").contains("json-patch")
            if isJSONPatch {
                guard let rec = try Self.lookup(w.conn, e, id: eid) else { throw STAError(404, "\(path) does not exist") }
                var rd = Renderer(conn: w.conn, base: base, compiler: STACompiler(now: Double(w.now)), defaultTop: defaultTop, maxTop: maxTop)
                let patched = try JSONPatch.apply(body, to: try rd.entity(e, rec, STAOptions()))
                try w.update(e, eid, .object((patched.objectMembers ?? []).filter { e.field($0.0).map { !$0.readOnly } ?? false }), put: false)
            } else {
                try w.update(e, eid, body, put: method == "PUT")
            }
            return (.object([("id", id), ("status", .number("200"))]), nil, nil)
        case "DELETE":
            let (e, eid) = try entityPath(w.conn, path)
            try w.delete(e, eid)
            return (.object([("id", id), ("status", .number("200"))]), nil, nil)
        default:
            throw STAError(400, "method '\(method)' is not allowed in a batch")
        }
    }
}

/// RFC 6902 JSON Patch (add, remove, replace, move, copy, test) on a JSON document.
enum JSONPatch {
    static func apply(_ ops: JSONValue, to doc: JSONValue) throws -> JSONValue {
        guard case .array(let list) = ops else { throw STAError(400, "a JSON Patch is an array of operations") }
        var d = doc
        for (i, op) in list.enumerated() {
            guard let name = op["op"]?.stringValue, let path = op["path"]?.stringValue else {
                throw STAError(400, "JSON Patch operation \(i) needs 'op' and 'path'")
            }
            let pointer = try parse(path)
            switch name {
            case "add", "replace":
                guard let v = op["value"] else { throw STAError(400, "JSON Patch operation \(i) (\(name)) needs a 'value'") }
                d = try set(d, pointer[...], v, replace: name == "replace")
            case "remove": d = try remove(d, pointer[...])
            case "move", "copy":
                guard let from = op["from"]?.stringValue else { throw STAError(400, "JSON Patch operation \(i) (\(name)) needs 'from'") }
                let fp = try parse(from)
                guard let v = get(d, fp[...]) else { throw STAError(400, "JSON Patch operation \(i): nothing at \(from)") }
                if name == "move" { d = try remove(d, fp[...]) }
                d = try set(d, pointer[...], v, replace: false)
            case "test":
                guard get(d, pointer[...]) == op["value"] else { throw STAError(400, "JSON Patch test failed at \(path)") }
            default: throw STAError(400, "JSON Patch operation '\(name)' is not defined")
            }
        }
        return d
    }

    static func parse(_ path: String) throws -> [String] {
        guard path.hasPrefix("/") else { throw STAError(400, "JSON Pointer '\(path)' must start with '/'") }
        return path.dropFirst().split(separator: "/", omittingEmptySubsequences: false).map {
            $0.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~")
        }
    }

    static func get(_ d: JSONValue, _ p: ArraySlice<String>) -> JSONValue? {
        guard let k = p.first else { return d }
        switch d {
        case .object(let m): return m.last(where: { $0.0 == k }).flatMap { get($0.1, p.dropFirst()) }
        case .array(let a): return Int(k).flatMap { $0 < a.count ? get(a[$0], p.dropFirst()) : nil }
        default: return nil
        }
    }

    static func set(_ d: JSONValue, _ p: ArraySlice<String>, _ v: JSONValue, replace: Bool) throws -> JSONValue {
        guard let k = p.first else { return v }
        switch d {
        case .object(var m):
            if let i = m.lastIndex(where: { $0.0 == k }) {
                m[i].1 = try set(m[i].1, p.dropFirst(), v, replace: replace)
            } else {
                guard p.count == 1, !replace else { throw STAError(400, "JSON Patch: nothing at '\(k)' to \(replace ? "replace" : "descend into")") }
                m.append((k, v))
            }
            return .object(m)
        case .array(var a):
            if p.count == 1, !replace {
                if k == "-" { a.append(v) } else if let i = Int(k), i <= a.count { a.insert(v, at: i) } else { throw STAError(400, "JSON Patch: bad index '\(k)'") }
                return .array(a)
            }
            guard let i = Int(k), i < a.count else { throw STAError(400, "JSON Patch: bad index '\(k)'") }
            a[i] = try set(a[i], p.dropFirst(), v, replace: replace)
            return .array(a)
        case .null where p.count == 1 && !replace:
            return .object([(k, v)])
        default:
            throw STAError(400, "JSON Patch: '\(k)' is not inside an object or array")
        }
    }

    static func remove(_ d: JSONValue, _ p: ArraySlice<String>) throws -> JSONValue {
        guard let k = p.first else { return .null }
        switch d {
        case .object(var m):
            guard let i = m.lastIndex(where: { $0.0 == k }) else { throw STAError(400, "JSON Patch: nothing at '\(k)' to remove") }
            if p.count == 1 { m.remove(at: i) } else { m[i].1 = try remove(m[i].1, p.dropFirst()) }
            return .object(m)
        case .array(var a):
            guard let i = Int(k), i < a.count else { throw STAError(400, "JSON Patch: bad index '\(k)'") }
            if p.count == 1 { a.remove(at: i) } else { a[i] = try remove(a[i], p.dropFirst()) }
            return .array(a)
        default: throw STAError(400, "JSON Patch: nothing at '\(k)' to remove")
        }
    }
}
