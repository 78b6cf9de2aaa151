import XanhStore
import XanhSQL
import Foundation
import XanhCore

/// Which property of a new child links it to the parent it is POSTed under (`Datastreams(5)/Observations`).
private let inverseLinks: [String: (key: String, many: Bool)] = [
    "Thing/Locations": ("Things", true), "Thing/HistoricalLocations": ("Thing", false), "Thing/Datastreams": ("Thing", false),
    "Location/Things": ("Locations", true), "Location/HistoricalLocations": ("Locations", true),
    "Datastream/Observations": ("Datastream", false), "Sensor/Datastreams": ("Sensor", false),
    "ObservedProperty/Datastreams": ("ObservedProperty", false), "FeatureOfInterest/Observations": ("FeatureOfInterest", false),
]

extension STAService {
    func parseBody(_ bytes: [UInt8]) throws -> JSONValue {
        do { return try JSONValue.parse(bytes: bytes) } catch { throw STAError(.badRequest, "the body is not valid JSON: \(error.description)") }
    }

    /// Runs a write in one transaction of the store.
    func write<T: Sendable>(
        allowedStations: Set<String>? = nil, _ body: @escaping @Sendable (inout STAWriter) async throws -> T
    ) async throws -> T {
        let catalogue = self.catalogue
        let now = clock()
        let limits = self.limits
        let source = store
        return try await store.staWrite { conn in
            var w = STAWriter(conn: conn, catalogue: catalogue, now: now, limits: limits, source: source, allowedStations: allowedStations)
            return try await body(&w)
        }
    }

    /// `POST` to a collection: 201 with the new entity's `Location`.
    /// `allowedStations`: the stations the caller may write Observations for (nil: every station).
    public func post(path: String, body: [UInt8], base: String, allowedStations: Set<String>? = nil) async throws -> STAResult {
        let segments = try Self.parsePath(path)
        if segments.count == 1, segments[0].name == "CreateObservations" {
            return try await createObservations(body: body, base: base, allowedStations: allowedStations)
        }
        let json = try parseBody(body)
        let (entity, id) = try await write(allowedStations: allowedStations) { w in try await self.create(&w, segments, json) }
        return .created(location: "\(base)/\(entity.setName)(\(id))", body: nil)
    }

    func create(_ w: inout STAWriter, _ segments: [Segment], _ json: JSONValue) async throws -> (STAEntity, Int64) {
        guard case .collection(let entity, _, _, _, let parent) = try await resolve(w.conn, segments) else {
            throw STAError(.methodNotAllowed, "POST goes to a collection, such as /Things or /Datastreams(1)/Observations")
        }
        var body = json
        if let parent {
            guard let inverse = inverseLinks["\(parent.entity.rawValue)/\(parent.navigation)"], var members = body.objectMembers else {
                throw STAError(.badRequest, "cannot create \(entity.setName) under \(parent.entity.rawValue)/\(parent.navigation)")
            }
            let link = JSONValue.object([("@iot.id", .number(String(parent.id)))])
            members.removeAll { $0.0 == inverse.key }
            members.append((inverse.key, inverse.many ? .array([link]) : link))
            body = .object(members)
        }
        return await (entity, try w.create(entity, body))
    }

    func entityPath(_ conn: any SQLConnection, _ path: String) async throws -> (STAEntity, Int64) {
        guard case .entity(let e, let rec) = try await resolve(conn, try Self.parsePath(path)), let id = rec["id"].int64 else {
            throw STAError(.notFound, "\(path) is not an entity")
        }
        return (e, id)
    }

    /// `PATCH` (merge, or JSON-Patch when `jsonPatch`) and `PUT` (replace): 200 with the entity.
    public func update(path: String, body: [UInt8], base: String, put: Bool, jsonPatch: Bool) async throws -> STAResult {
        let json = try parseBody(body)
        let now = Double(clock())
        let text = try await write { w in
            let (e, id) = try await self.entityPath(w.conn, path)
            if jsonPatch {
                guard let rec = try await Self.lookup(w.conn, e, id: id) else { throw STAError(.notFound, "\(path) does not exist") }
                var r = self.renderer(w.conn, base: base, now: now)
                let doc = try await r.entity(e, rec, STAOptions())
                let patched = try JSONPatch.apply(json, to: doc)
                let members = (patched.objectMembers ?? []).filter { !$0.0.contains("@iot.") && e.field($0.0).map { !$0.readOnly } ?? false }
                try await w.update(e, id, .object(members), put: false)
            } else {
                try await w.update(e, id, json, put: put)
            }
            guard let rec = try await Self.lookup(w.conn, e, id: id) else { return "" }
            var r = self.renderer(w.conn, base: base, now: now)
            return try await r.entity(e, rec, STAOptions()).text
        }
        return .changed(text)
    }

    /// `DELETE`: 200, with the standard's cascade.
    public func delete(path: String) async throws -> STAResult {
        try await write { w in
            let (e, id) = try await self.entityPath(w.conn, path)
            try await w.delete(e, id)
        }
        return .changed(nil)
    }

    /// `POST /CreateObservations`: 201 with one self link, or an "error …" string, per row.
    public func createObservations(body: [UInt8], base: String, allowedStations: Set<String>? = nil) async throws -> STAResult {
        guard case .array(let groups) = try parseBody(body) else { throw STAError(.badRequest, "CreateObservations takes a JSON array") }
        let results = try await write(allowedStations: allowedStations) { w -> [String] in
            var out: [String] = []
            for (gi, g) in groups.enumerated() {
                guard let ds = g["Datastream"]?["@iot.id"]?.int64Value else {
                    throw STAError(.badRequest, "CreateObservations[\(gi)]: 'Datastream' must be {\"@iot.id\": …} (MultiDatastreams are not offered)")
                }
                guard case .array(let components)? = g["components"], case .array(let rows)? = g["dataArray"] else {
                    throw STAError(.badRequest, "CreateObservations[\(gi)]: 'components' and 'dataArray' are required arrays")
                }
                let names = components.compactMap(\.stringValue)
                guard names.contains("phenomenonTime"), names.contains("result") else {
                    throw STAError(.badRequest, "CreateObservations[\(gi)]: components must include phenomenonTime and result")
                }
                let series = try await w.rawSeries(ds)
                // A group for a station outside the caller's scope refuses the whole request (403), not row by row.
                try await w.checkScope(series: series)
                if Set(names).isSubset(of: ["phenomenonTime", "result"]) {
                    // The usual shape (a logger's readings): one native ingest for the group.
                    let t = names.firstIndex(of: "phenomenonTime") ?? 0
                    let r = names.firstIndex(of: "result") ?? 0
                    // A row of the wrong length is nil here, answered below and not stored.
                    let cells = rows.map { row -> (time: JSONValue?, result: JSONValue?)? in
                        guard case .array(let c) = row, c.count == names.count else { return nil }
                        return (c[t], c[r])
                    }
                    var stored = try await w.storeObservations(series: series, cells.compactMap { $0 }).makeIterator()
                    for (ri, cell) in cells.enumerated() {
                        switch cell == nil ? nil : stored.next() {
                        case .success(let id)?: out.append("\(base)/Observations(\(id))")
                        case .failure(let e)?: out.append("error: row \(ri) of group \(gi): \(e.message)")
                        case nil: out.append("error: row \(ri) of group \(gi) must have \(names.count) values")
                        }
                    }
                    continue
                }
                for (ri, row) in rows.enumerated() {
                    guard case .array(let cells) = row, cells.count == names.count else {
                        out.append("error: row \(ri) of group \(gi) must have \(names.count) values")
                        continue
                    }
                    var members: [(String, JSONValue)] = []
                    for (n, v) in zip(names, cells) {
                        if n == "FeatureOfInterest/id" {
                            members.append(("FeatureOfInterest", .object([("@iot.id", v)])))
                        } else {
                            members.append((n, v))
                        }
                    }
                    do {
                        let f = try await w.observationFields(.object(members), series: series, allowCreate: false)
                        let id = try await w.storeObservation(series: series, f)
                        out.append("\(base)/Observations(\(id))")
                    } catch let e as STAError {
                        out.append("error: row \(ri) of group \(gi): \(e.message)")
                    }
                }
            }
            return out
        }
        return .created(location: nil, body: JSONValue.array(results.map { .string($0) }).text)
    }

    /// `POST $batch` with a JSON body (OData 4.01 JSON batch, as FROST-Server offers): requests run in order; those
    /// sharing an `atomicityGroup` run in one transaction; `$id` names a created entity in later URLs and bodies.
    public func batch(body: [UInt8], base: String) async throws -> STAResult {
        guard let requests = try parseBody(body)["requests"], case .array(let items) = requests else {
            throw STAError(.badRequest, "a JSON batch is {\"requests\": [{\"id\", \"method\", \"url\", \"body\"?}, …]}")
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
                            let (resp, name, path) = try await self.runWrite(&w, r, refs: refs, base: base)
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
                    let e = error as? STAError ?? STAError(.internalError, "\(error)")
                    for r in slice { responses.append(Self.batchError(r, e)) }
                }
                continue
            }
            let r = slice[0]
            do {
                if (r["method"]?.stringValue ?? "").uppercased() == "GET" {
                    let (path, query) = Self.batchURL(r["url"]?.stringValue ?? "", refs: created, base: base)
                    let resp = try await get(path: path, query: query, base: base)
                    var m: [(String, JSONValue)] = [("id", r["id"] ?? .null), ("status", .number(String(resp.code)))]
                    if let b = resp.body { m.append(("body", (try? JSONValue.parse(b)) ?? .string(b))) }
                    responses.append(.object(m))
                } else {
                    let refs = created
                    let (resp, name, path) = try await write { w in try await self.runWrite(&w, r, refs: refs, base: base) }
                    if let name, let path { created[name] = path }
                    responses.append(resp)
                }
            } catch {
                responses.append(Self.batchError(r, error as? STAError ?? STAError(.internalError, "\(error)")))
            }
        }
        return .document(JSONValue.object([("responses", .array(responses))]).text)
    }

    static func batchError(_ r: JSONValue, _ e: STAError) -> JSONValue {
        .object([
            ("id", r["id"] ?? .null), ("status", .number(String(e.code))),
            ("body", .object([("code", .number(String(e.code))), ("type", .string("error")), ("message", .string(e.message))])),
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

    func runWrite(_ w: inout STAWriter, _ r: JSONValue, refs: [String: String], base: String) async throws -> (JSONValue, String?, String?) {
        let method = (r["method"]?.stringValue ?? "").uppercased()
        let (path, _) = Self.batchURL(r["url"]?.stringValue ?? "", refs: refs, base: base)
        var bodyText = r["body"]?.text ?? "{}"
        for (name, p) in refs {
            if let open = p.firstIndex(of: "("), let id = Int64(p[p.index(after: open)...].dropLast()) {
                bodyText = bodyText.replacingOccurrences(of: "\"$\(name)\"", with: String(id))
            }
        }
        let body: JSONValue
        do { body = try JSONValue.parse(bodyText) } catch { throw STAError(.badRequest, "request \(r["id"]?.text ?? "?"): body is not valid JSON") }
        let id = r["id"] ?? .null
        switch method {
        case "POST":
            let (e, newID) = try await create(&w, try Self.parsePath(path), body)
            let location = "\(e.setName)(\(newID))"
            return (.object([("id", id), ("status", .number("201")), ("location", .string("\(base)/\(location)"))]), r["id"]?.stringValue, location)
        case "PATCH", "PUT":
            let (e, eid) = try await entityPath(w.conn, path)
            let isJSONPatch = (r["headers"]?["content-type"]?.stringValue ?? r["headers"]?["Content-Type"]?.stringValue ?? "").contains("json-patch")
            if isJSONPatch {
                guard let rec = try await Self.lookup(w.conn, e, id: eid) else { throw STAError(.notFound, "\(path) does not exist") }
                var rd = renderer(w.conn, base: base, now: Double(w.now))
                let patched = try await JSONPatch.apply(body, to: try rd.entity(e, rec, STAOptions()))
                try await w.update(e, eid, .object((patched.objectMembers ?? []).filter { e.field($0.0).map { !$0.readOnly } ?? false }), put: false)
            } else {
                try await w.update(e, eid, body, put: method == "PUT")
            }
            return (.object([("id", id), ("status", .number("200"))]), nil, nil)
        case "DELETE":
            let (e, eid) = try await entityPath(w.conn, path)
            try await w.delete(e, eid)
            return (.object([("id", id), ("status", .number("200"))]), nil, nil)
        default:
            throw STAError(.badRequest, "method '\(method)' is not allowed in a batch")
        }
    }
}
