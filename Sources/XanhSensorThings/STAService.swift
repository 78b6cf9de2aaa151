import XanhStore
import XanhSQL
import Foundation
import XanhCore

/// Why a request was refused: a bad query or body, a missing entity, a conflict with stored data, or something the
/// service does not offer. The HTTP layer gives each its status; a JSON batch answers with the same codes inside its
/// body, as the standard's batch format does.
public struct STAError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case badRequest, forbidden, notFound, methodNotAllowed, conflict, notImplemented, internalError
    }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }
    public var description: String { message }

    /// The code the standard (OData, HTTP) gives the kind.
    public var code: Int {
        switch kind {
        case .badRequest: return 400
        case .forbidden: return 403
        case .notFound: return 404
        case .methodNotAllowed: return 405
        case .conflict: return 409
        case .notImplemented: return 501
        case .internalError: return 500
        }
    }

    static func from(_ e: STAQueryError) -> STAError { STAError(e.notImplemented ? .notImplemented : .badRequest, e.message) }
}

/// What a request gave: a JSON document, a property's raw `$value`, nothing (a null property), a created entity, or
/// the outcome of a change.
public enum STAResult: Sendable, Equatable {
    /// A JSON document (an entity, a collection, a property, the service root, a batch's responses).
    case document(String)
    /// A property's `$value` as plain text.
    case value(String)
    /// The property is null: nothing to send.
    case empty
    /// Created: where the new entity is, and a body when the request asks for one (the self links of a data array).
    case created(location: String?, body: String?)
    /// Changed or deleted; the entity as it now is, when the request returns it.
    case changed(String?)

    /// The code the standard gives the result (HTTP, and inside a JSON batch).
    public var code: Int {
        switch self {
        case .document, .value, .changed: return 200
        case .empty: return 204
        case .created: return 201
        }
    }

    /// The body, if any.
    public var body: String? {
        switch self {
        case .document(let s), .value(let s): return s
        case .empty: return nil
        case .created(_, let b), .changed(let b): return b
        }
    }
}

/// The SensorThings API 1.1 over the monitoring store. Reads and writes compose SQL here and run it through
/// `SQLConnection`, so both engines share one translation.
public struct STAService: Sendable {
    public let store: any SensorThingsSource
    public let catalogue: ParameterCatalogue
    public let clock: @Sendable () -> Int64
    /// Page sizes, expansion, response size and time (docs/operations.md, "Limits").
    public var limits: Limits

    public init(store: any SensorThingsSource, catalogue: ParameterCatalogue, limits: Limits = Limits(), clock: @escaping @Sendable () -> Int64) {
        self.store = store
        self.catalogue = catalogue
        self.limits = limits
        self.clock = clock
    }

    /// A renderer over one connection, bounded by the service's limits from now on.
    func renderer(_ conn: any SQLConnection, base: String, now: Double) -> Renderer {
        Renderer(
            conn: conn, base: base, compiler: STACompiler(now: now, dialect: conn.dialect), limits: limits,
            deadline: .now + .milliseconds(Int64(limits.requestSeconds * 1000)))
    }

    /// The body as text, unless it is larger than the response limit.
    func bounded(_ v: JSONValue) throws -> String {
        let text = v.text
        guard text.utf8.count <= limits.maxResponseBytes else {
            throw STAError(
                .badRequest,
                "the response would be \(text.utf8.count) bytes, over the limit of \(limits.maxResponseBytes) (XANH_MAX_RESPONSE_BYTES); ask for fewer entities ($top, $select, $expand)"
            )
        }
        return text
    }

    /// Refuses `$expand` paths deeper than the limit, counting nested `$expand`s inside options.
    func checkExpandDepth(_ o: STAOptions) throws {
        func depth(_ items: [STAExpand]) -> Int { items.map { $0.path.count + depth($0.options.expand) }.max() ?? 0 }
        let d = depth(o.expand)
        guard d <= limits.maxExpandDepth else {
            throw STAError(.badRequest, "$expand goes \(d) levels deep, over the limit of \(limits.maxExpandDepth) (XANH_MAX_EXPAND_DEPTH)")
        }
    }

    public static let conformance = [
        "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
        "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
        "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
        "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
        "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
        "https://fraunhoferiosb.github.io/FROST-Server/extensions/JsonBatchRequest.html",
    ]

    /// `GET /sta/v1.1`
    public func root(base: String) -> STAResult {
        let sets = STAEntity.allCases.map { e in JSONValue.object([("name", .string(e.setName)), ("url", .string("\(base)/\(e.setName)"))]) }
        let doc = JSONValue.object([
            ("value", .array(sets)),
            ("serverSettings", .object([("conformance", .array(Self.conformance.map { .string($0) }))])),
        ])
        return .document(doc.text)
    }

    // MARK: paths

    struct Segment: Equatable {
        var name: String
        var id: Int64?
        /// `Things(x)` with an id that is not an integer: never found.
        var badID: Bool = false
    }

    static func parsePath(_ path: String) throws(STAError) -> [Segment] {
        var out: [Segment] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            let s = STAOptions.percentDecode(String(raw))
            if let open = s.firstIndex(of: "("), s.hasSuffix(")") {
                let idText = s[s.index(after: open)..<s.index(before: s.endIndex)]
                let id = Int64(idText)
                out.append(Segment(name: String(s[..<open]), id: id, badID: id == nil))
            } else {
                out.append(Segment(name: s, id: nil))
            }
        }
        return out
    }

    /// The entity and navigation a collection path hangs from (`Datastreams(5)/Observations`).
    struct Parent {
        var entity: STAEntity
        var id: Int64
        var navigation: String
    }

    /// Where a path leads.
    indirect enum Target {
        case collection(STAEntity, conditions: [String], parentDatastream: Int64?, parentPath: String, parent: Parent?)
        case entity(STAEntity, SQLRow)
        case property(STAEntity, SQLRow, STAField, sub: [String])
        case ref(Target)
        case value(Target)
    }

    static func datastreamSource(_ entity: STAEntity, conditions: [String], parentDatastream: Int64?) -> (view: String, conditions: [String]) {
        if entity == .observation, let ds = parentDatastream, let (arm, base) = STAIDs.datastream(ds) {
            return (arm.observationView, ["e.base = \(base)"])
        }
        return (entity.view, conditions)
    }

    /// One entity by id (within the conditions a navigation path sets), or nil.
    static func lookup(_ conn: any SQLConnection, _ entity: STAEntity, id: Int64, conditions: [String] = []) async throws -> SQLRow? {
        var view = entity.view
        var conds = conditions
        switch entity {
        case .datastream:
            guard let (arm, base) = STAIDs.datastream(id) else { return nil }
            view = arm.datastreamView
            conds.append("e.base = \(base)")
        case .observation:
            if let moved = try await conn.query("SELECT series_id, t FROM sta_obs_extra WHERE sta_id = ?", [.int(id)]).rows.first,
                let s = moved[0].int64, let t = moved[1].int64
            {
                view = STAIDs.Arm.raw.observationView
                conds.append("e.base = \(s) AND e.t = \(t)")
            } else {
                guard let (ds, t) = STAIDs.observation(id), let (arm, base) = STAIDs.datastream(ds) else { return nil }
                view = arm.observationView
                conds.append("e.base = \(base) AND e.t = \(t) AND e.id = \(id)")
            }
        default:
            conds.append("e.id = \(id)")
        }
        return try await conn.query("SELECT e.* FROM \(view) e WHERE \(conds.joined(separator: " AND "))", []).records.first
    }

    func resolve(_ conn: any SQLConnection, _ segments: [Segment]) async throws -> Target {
        guard let first = segments.first, let entity = STAEntity.fromSet(first.name) else {
            throw STAError(.notFound, "'\(segments.first?.name ?? "")' is not an entity set of this service")
        }
        var target: Target = .collection(entity, conditions: [], parentDatastream: nil, parentPath: entity.setName, parent: nil)
        var path = entity.setName
        var rest = segments[...]
        if first.badID { throw STAError(.notFound, "no \(entity.rawValue) with id \(first.name)") }
        if let id = first.id {
            guard let rec = try await Self.lookup(conn, entity, id: id) else { throw STAError(.notFound, "\(entity.setName)(\(id)) does not exist") }
            target = .entity(entity, rec)
            path += "(\(id))"
        }
        rest = rest.dropFirst()
        while let seg = rest.popFirst() {
            switch target {
            case .entity(let e, let rec):
                if seg.name == "$ref" {
                    guard rest.isEmpty else { throw STAError(.notFound, "$ref must end the path") }
                    return .ref(target)
                }
                if let nav = e.navigation(seg.name) {
                    let id = rec["id"].int64 ?? 0
                    switch nav.link {
                    case .one(let fk):
                        guard let fkID = rec[fk].int64, let child = try await Self.lookup(conn, nav.target, id: fkID) else {
                            throw STAError(.notFound, "\(path)/\(seg.name) does not exist")
                        }
                        if seg.id != nil || seg.badID { throw STAError(.notFound, "\(seg.name) is a single entity; it takes no id") }
                        target = .entity(nav.target, child)
                        path = "\(nav.target.setName)(\(fkID))"
                    case .many:
                        let conds = [nav.childCondition(child: "e", parentID: String(id))]
                        let parentDS = e == .datastream ? id : nil
                        if seg.badID { throw STAError(.notFound, "no \(nav.target.rawValue) with id \(seg.name)") }
                        if let cid = seg.id {
                            let (_, scoped) = Self.datastreamSource(nav.target, conditions: conds, parentDatastream: parentDS)
                            let within = nav.target == .observation && parentDS != nil ? [] : scoped
                            guard let child = try await Self.lookup(conn, nav.target, id: cid, conditions: within),
                                parentDS == nil || nav.target != .observation || child["datastream_id"].int64 == parentDS
                            else { throw STAError(.notFound, "\(path)/\(seg.name)(\(cid)) does not exist") }
                            target = .entity(nav.target, child)
                            path = "\(nav.target.setName)(\(cid))"
                        } else {
                            target = .collection(
                                nav.target, conditions: conds, parentDatastream: parentDS, parentPath: "\(path)/\(seg.name)",
                                parent: Parent(entity: e, id: id, navigation: nav.name))
                        }
                    }
                    continue
                }
                if let f = e.field(seg.name) {
                    target = .property(e, rec, f, sub: [])
                    continue
                }
                throw STAError(.notFound, "'\(seg.name)' is not a property or navigation of \(e.rawValue)")
            case .collection(let e, let conds, let parentDS, let parentPath, _):
                if seg.name == "$ref" {
                    guard rest.isEmpty else { throw STAError(.notFound, "$ref must end the path") }
                    return .ref(target)
                }
                throw STAError(
                    .notFound,
                    "'\(seg.name)' cannot follow the collection \(parentPath) (\(e.setName)\(conds.isEmpty && parentDS == nil ? "" : " of a parent"))"
                )
            case .property(let e, let rec, let f, let sub):
                if seg.name == "$value" {
                    guard rest.isEmpty else { throw STAError(.notFound, "$value must end the path") }
                    return .value(target)
                }
                guard f.kind == .json else { throw STAError(.notFound, "\(e.rawValue).\(f.name) has no sub-properties") }
                target = .property(e, rec, f, sub: sub + [seg.name])
            case .ref, .value:
                throw STAError(.notFound, "nothing can follow $ref or $value")
            }
        }
        return target
    }

    // MARK: GET

    public func get(path: String, query: String, base: String) async throws -> STAResult {
        let segments = try Self.parsePath(path)
        if segments.isEmpty { return root(base: base) }
        let options: STAOptions
        do { options = try STAOptions.parse(query: query) } catch { throw STAError.from(error) }
        try checkExpandDepth(options)
        let now = Double(clock())
        return try await store.staRead { conn in
            let target = try await self.resolve(conn, segments)
            var r = self.renderer(conn, base: base, now: now)
            switch target {
            case .entity(let e, let rec):
                return await .document(try self.bounded(try r.entity(e, rec, options)))
            case .collection(let e, let conds, let parentDS, let parentPath, _):
                let page = try await r.collection(e, conds, parentDS, options)
                let next =
                    page.hasMore
                    ? Renderer.nextLink(base: base, path: parentPath, query: query, skip: options.skip + page.records.count, after: page.next) : nil
                if options.resultFormat == "dataArray" {
                    guard e == .observation else { throw STAError(.badRequest, "$resultFormat=dataArray applies to Observations") }
                    return .document(try self.bounded(try r.dataArray(page, options, next: next)))
                }
                var members: [(String, JSONValue)] = []
                if let c = page.count { members.append(("@iot.count", .number(String(c)))) }
                members.append(("value", .array(try await r.render(e, page.records, options))))
                if let next { members.append(("@iot.nextLink", .string(next))) }
                return .document(try self.bounded(JSONValue.object(members)))
            case .property(_, let rec, let f, let sub):
                let v = Renderer.propertyValue(f, rec, sub)
                if v.isNull { return .empty }
                return .document(JSONValue.object([((sub.last ?? f.name), v)]).text)
            case .value(.property(_, let rec, let f, let sub)):
                let v = Renderer.propertyValue(f, rec, sub)
                if v.isNull { return .empty }
                let text: String
                if case .string(let s) = v { text = s } else { text = v.text }
                return .value(text)
            case .ref(.entity(let e, let rec)):
                return .document(JSONValue.object([("@iot.selfLink", .string(r.selfLink(e, rec)))]).text)
            case .ref(.collection(let e, let conds, let parentDS, let parentPath, _)):
                var o = options
                o.select = ["id"]
                let page = try await r.collection(e, conds, parentDS, o)
                var members: [(String, JSONValue)] = []
                if let c = page.count { members.append(("@iot.count", .number(String(c)))) }
                members.append(("value", .array(page.records.map { .object([("@iot.selfLink", .string(r.selfLink(e, $0)))]) })))
                if page.hasMore {
                    members.append(
                        (
                            "@iot.nextLink",
                            .string(
                                Renderer.nextLink(
                                    base: base, path: parentPath + "/$ref", query: query, skip: options.skip + page.records.count, after: page.next))
                        ))
                }
                return .document(try self.bounded(JSONValue.object(members)))
            default:
                throw STAError(.notFound, "not found")
            }
        }
    }
}
