import XanhStore
import XanhSQL
import Foundation
import XanhCore

/// PATCH, PUT and DELETE of SensorThings entities.
extension STAWriter {
    // MARK: update

    /// PATCH (merge) or PUT (replace). Links replace a to-one relation; inline new entities are refused.
    mutating func update(_ e: STAEntity, _ id: Int64, _ body: JSONValue, put: Bool) async throws {
        let members = try object(body, e.rawValue)
        guard let current = try await STAService.lookup(conn, e, id: id) else { throw STAError(.notFound, "\(e.setName)(\(id)) does not exist") }
        if put {
            for f in e.fields where f.mandatory && !f.readOnly && body[f.name] == nil && !(e == .observation && f.name != "result") {
                throw STAError(.badRequest, "PUT \(e.setName)(\(id)): '\(f.name)' is required (PUT replaces the whole entity)")
            }
        }
        for (key, v) in members {
            if let nav = e.navigation(key) {
                let items: [JSONValue]
                if case .array(let a) = v { items = a } else { items = [v] }
                for item in items where linkID(item) == nil {
                    throw STAError(.badRequest, "PATCH may link \(nav.name) by {\"@iot.id\": …} but not create new ones")
                }
            } else if key != "@iot.id" && key != "@iot.selfLink" && !key.contains("@iot.") && e.field(key) == nil {
                throw STAError(.badRequest, "'\(key)' is not a property of \(e.rawValue)")
            }
        }
        func text(_ key: String) async throws -> SQLValue? {
            guard let v = body[key] else { return put ? .null : nil }
            guard let s = v.stringValue else { throw STAError(.badRequest, "\(e.rawValue).\(key) must be a string") }
            return .text(s)
        }
        func props() async throws -> SQLValue? {
            guard body["properties"] != nil else { return put ? .null : nil }
            return nullable(try properties(body, e))
        }
        func set(_ table: String, _ assignments: [(String, SQLValue?)], key: String = "id", id: SQLValue) async throws {
            let given = assignments.compactMap { a in a.1.map { (a.0, $0) } }
            guard !given.isEmpty else { return }
            try await conn.execute(
                "UPDATE \(table) SET \(given.map { "\($0.0) = ?" }.joined(separator: ", ")) WHERE \(key) = ?", given.map(\.1) + [id])
        }
        switch e {
        case .thing:
            try await set(
                "stations",
                [("name", try text("name")), ("description", try text("description")), ("properties", try props()), ("updated_at", .int(now))],
                id: .int(id))
            if let locs = try array(body, "Locations") {
                var ids: [Int64] = []
                for l in locs { await ids.append(try linkOrCreate(l, .location, allowCreate: false)) }
                try await setLocations(thing: id, ids)
            }
            for d in try array(body, "Datastreams") ?? [] { try await attach(d, .datastream, key: "Thing", id: id) }
        case .location:
            let location = try await geometryUpdate(body, "location", .location, current)
            try await set(
                "sta_locations",
                [
                    ("name", try text("name")), ("description", try text("description")), ("encoding_type", try text("encodingType")),
                    ("location", location), ("properties", try props()),
                ],
                id: .int(id))
            for t in try array(body, "Things") ?? [] { try await setLocations(thing: try linkOrCreate(t, .thing, allowCreate: false), [id]) }
            for thing in try await conn.query("SELECT thing_id FROM sta_thing_locations WHERE location_id = ?", [.int(id)]).rows.compactMap({
                $0[0].int64
            }) {
                try await syncStation(thing: thing)
            }
        case .historicalLocation:
            var time: SQLValue?
            if let t = try self.time(body["time"], "HistoricalLocation.time") { time = .double(t.0) }
            var thing: SQLValue?
            if let t = body["Thing"] { thing = await .int(try linkOrCreate(t, .thing, allowCreate: false)) }
            try await set("sta_historical_locations", [("time", time), ("thing_id", thing)], id: .int(id))
            for l in try array(body, "Locations") ?? [] {
                try await conn.execute(
                    "INSERT INTO sta_hl_locations(hl_id, location_id) VALUES (?,?) ON CONFLICT DO NOTHING",
                    [.int(id), .int(try linkOrCreate(l, .location, allowCreate: false))])
            }
        case .datastream:
            guard let (arm, base) = STAIDs.datastream(id), arm == .raw else {
                throw STAError(.badRequest, "Datastream \(id) is derived from another Datastream; change that one instead")
            }
            var uom: SQLValue?
            if let u = body["unitOfMeasurement"] {
                guard u.objectMembers != nil else { throw STAError(.badRequest, "Datastream.unitOfMeasurement must be an object") }
                uom = .text(u.text)
            } else if put {
                uom = .null
            }
            var links: [(String, SQLValue?)] = []
            if let t = body["Thing"] { await links.append(("station_id", .int(try linkOrCreate(t, .thing, allowCreate: false)))) }
            if let s = body["Sensor"] { await links.append(("sensor_id", .int(try linkOrCreate(s, .sensor, allowCreate: false)))) }
            if let o = body["ObservedProperty"] {
                await links.append(("parameter", .text(try parameterCode(op: try linkOrCreate(o, .observedProperty, allowCreate: false)))))
            }
            do {
                try await set(
                    "series",
                    [
                        ("name", try text("name")), ("description", try text("description")), ("uom", uom),
                        ("observation_type", try text("observationType")), ("properties", try props()),
                    ] + links, id: .int(base))
            } catch let error as STAError {
                throw error
            } catch {
                throw STAError(.conflict, "the Thing already has a Datastream for that ObservedProperty (one series per station and parameter)")
            }
            for o in try array(body, "Observations") ?? [] { try await attach(o, .observation, key: "Datastream", id: id) }
        case .sensor:
            try await set(
                "sta_sensors",
                [
                    ("name", try text("name")), ("description", try text("description")), ("encoding_type", try text("encodingType")),
                    ("metadata", body["metadata"].map { .text($0.text) } ?? (put ? .null : nil)), await ("properties", try props()),
                ], id: .int(id))
            for d in try array(body, "Datastreams") ?? [] { try await attach(d, .datastream, key: "Sensor", id: id) }
        case .observedProperty:
            let name = try await text("name")
            try await set(
                "parameters",
                [
                    ("name_en", name), ("definition", try text("definition")), ("description", try text("description")), ("properties", try props()),
                ], id: .int(id))
            for d in try array(body, "Datastreams") ?? [] { try await attach(d, .datastream, key: "ObservedProperty", id: id) }
        case .featureOfInterest:
            let feature = try await geometryUpdate(body, "feature", .featureOfInterest, current)
            try await set(
                "sta_features",
                [
                    ("name", try text("name")), ("description", try text("description")), ("encoding_type", try text("encodingType")),
                    ("feature", feature), ("properties", try props()),
                ],
                id: .int(id))
        case .observation:
            try await updateObservation(id, current, body, put: put)
        }
    }

    /// A new geometry, checked against the encodingType given with it or the stored one; nil when not given.
    func geometryUpdate(_ body: JSONValue, _ key: String, _ e: STAEntity, _ current: SQLRow) async throws -> SQLValue? {
        guard body[key] != nil else { return nil }
        var merged = try object(body, e.rawValue)
        if body["encodingType"] == nil, let enc = current["encoding_type"].text { merged.append(("encodingType", .string(enc))) }
        return .text(try geometryJSON(.object(merged), key, e))
    }

    mutating func updateObservation(_ id: Int64, _ current: SQLRow, _ body: JSONValue, put: Bool) async throws {
        guard let ds = current["datastream_id"].int64, let (arm, series) = STAIDs.datastream(ds), arm == .raw, let t = current["t"].int64 else {
            throw STAError(.badRequest, "Observation \(id) is derived; it changes when its source Datastream's values change")
        }
        var f = try await observationFields(body, series: series, allowCreate: false)
        // Merge with what is stored (PATCH); PUT resets what it does not give.
        if f.phenomenon == nil, let s = current["phen_start"].double { f.phenomenon = (s, current["phen_end"].double ?? s) }
        if f.result == nil { f.result = current["result"].double }
        if !put {
            if f.resultTime == nil { f.resultTime = .some(current["result_time"].double) }
            if f.validTime == nil, let a = current["valid_start"].double, let b = current["valid_end"].double { f.validTime = .some((a, b)) }
            if f.resultQuality == nil {
                f.resultQuality = await .some(
                    try conn.scalar("SELECT result_quality FROM sta_obs_extra WHERE series_id = ? AND t = ?", [.int(series), .int(t)]).text)
            }
            if f.parameters == nil { f.parameters = .some(current["parameters"].text) }
        }
        if f.feature == nil { f.feature = current["foi_id"].int64 }
        var target = series
        if let d = body["Datastream"] { target = try await rawSeries(try linkOrCreate(d, .datastream, allowCreate: false)) }
        let newT = Int64((f.phenomenon?.0 ?? Double(t)).rounded(.down))
        if target != series || newT != t {
            try await deleteObservationRow(series: series, t: t)
        }
        _ = try await storeObservation(series: target, f, keepID: id)
    }

    // MARK: delete

    func markDirty(series: Int64, t: Int64) async throws {
        try await conn.execute("INSERT INTO dirty(series_id, hour_end) VALUES (?,?)", [.int(series), .int(Timestamps.hourEnd(t))])
    }

    func deleteObservationRow(series: Int64, t: Int64) async throws {
        try await conn.execute("DELETE FROM observations WHERE series_id = ? AND t = ?", [.int(series), .int(t)])
        try await conn.execute("DELETE FROM sta_obs_extra WHERE series_id = ? AND t = ?", [.int(series), .int(t)])
        try await markDirty(series: series, t: t)
    }

    /// Deletes a series with its values and everything derived from it.
    func deleteSeries(_ ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        let list = ids.map(String.init).joined(separator: ",")
        for table in ["observations", "sta_obs_extra", "hourly", "daily", "hour_counts", "qc_overrides", "dirty", "exceedances", "station_events"] {
            try await conn.execute("DELETE FROM \(table) WHERE series_id IN (\(list))", [])
        }
        try await conn.execute("DELETE FROM series WHERE id IN (\(list))", [])
    }

    func seriesIDs(_ whereSQL: String, _ args: [SQLValue]) async throws -> [Int64] {
        try await conn.query("SELECT id FROM series WHERE \(whereSQL)", args).rows.compactMap { $0[0].int64 }
    }

    func delete(_ e: STAEntity, _ id: Int64) async throws {
        guard let current = try await STAService.lookup(conn, e, id: id) else { throw STAError(.notFound, "\(e.setName)(\(id)) does not exist") }
        switch e {
        case .thing:
            try await deleteSeries(try seriesIDs("station_id = ?", [.int(id)]))
            try await conn.execute("DELETE FROM aqi WHERE station_id = ?", [.int(id)])
            try await conn.execute("DELETE FROM aqi_latest WHERE station_id = ?", [.int(id)])
            try await conn.execute("DELETE FROM station_events WHERE station_id = ?", [.int(id)])
            try await conn.execute(
                "DELETE FROM sta_hl_locations WHERE hl_id IN (SELECT id FROM sta_historical_locations WHERE thing_id = ?)", [.int(id)])
            try await conn.execute("DELETE FROM sta_historical_locations WHERE thing_id = ?", [.int(id)])
            try await conn.execute("DELETE FROM sta_thing_locations WHERE thing_id = ?", [.int(id)])
            try await conn.execute("UPDATE sta_locations SET station_id = NULL WHERE station_id = ?", [.int(id)])
            try await conn.execute("DELETE FROM stations WHERE id = ?", [.int(id)])
        case .location:
            try await conn.execute(
                "DELETE FROM sta_historical_locations WHERE id IN (SELECT hl_id FROM sta_hl_locations WHERE location_id = ?)", [.int(id)])
            try await conn.execute("DELETE FROM sta_hl_locations WHERE hl_id NOT IN (SELECT id FROM sta_historical_locations)", [])
            try await conn.execute("DELETE FROM sta_thing_locations WHERE location_id = ?", [.int(id)])
            try await conn.execute("UPDATE sta_features SET location_id = NULL WHERE location_id = ?", [.int(id)])
            try await conn.execute("DELETE FROM sta_locations WHERE id = ?", [.int(id)])
        case .historicalLocation:
            try await conn.execute("DELETE FROM sta_hl_locations WHERE hl_id = ?", [.int(id)])
            try await conn.execute("DELETE FROM sta_historical_locations WHERE id = ?", [.int(id)])
        case .datastream:
            guard let (arm, base) = STAIDs.datastream(id), arm == .raw else {
                throw STAError(.badRequest, "Datastream \(id) is derived; delete its source Datastream instead")
            }
            try await deleteSeries([base])
        case .sensor:
            try await deleteSeries(try seriesIDs(id == 1 ? "sensor_id IS NULL OR sensor_id = ?" : "sensor_id = ?", [.int(id)]))
            try await conn.execute("DELETE FROM sta_sensors WHERE id = ?", [.int(id)])
        case .observedProperty:
            guard let code = try await conn.scalar("SELECT code FROM parameters WHERE id = ?", [.int(id)]).text else { return }
            if catalogue.parameter(code: code) != nil || code == "VN_AQI" {
                throw STAError(.conflict, "ObservedProperty \(id) (\(code)) is reference data of the parameter catalogue and cannot be deleted")
            }
            try await deleteSeries(try seriesIDs("parameter = ?", [.text(code)]))
            try await conn.execute("DELETE FROM parameters WHERE id = ?", [.int(id)])
        case .observation:
            guard let ds = current["datastream_id"].int64, let (arm, series) = STAIDs.datastream(ds), arm == .raw, let t = current["t"].int64 else {
                throw STAError(.badRequest, "Observation \(id) is derived; it is removed with its source values")
            }
            try await deleteObservationRow(series: series, t: t)
        case .featureOfInterest:
            for r in try await conn.query("SELECT series_id, t FROM sta_obs_extra WHERE foi_id = ?", [.int(id)]).rows {
                if let s = r[0].int64, let t = r[1].int64 { try await deleteObservationRow(series: s, t: t) }
            }
            for s in try await seriesIDs("foi_id = ?", [.int(id)]) {
                for r in try await conn.query(
                    "SELECT o.t FROM observations o LEFT JOIN sta_obs_extra e ON e.series_id = o.series_id AND e.t = o.t WHERE o.series_id = ? AND e.foi_id IS NULL",
                    [.int(s)]
                ).rows {
                    if let t = r[0].int64 { try await deleteObservationRow(series: s, t: t) }
                }
            }
            try await conn.execute("UPDATE series SET foi_id = NULL WHERE foi_id = ?", [.int(id)])
            try await conn.execute("DELETE FROM sta_features WHERE id = ?", [.int(id)])
        }
    }
}
