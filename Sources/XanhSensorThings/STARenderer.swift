import Foundation
import XanhCore
import XanhSQL
import XanhStore

/// Runs collection queries and renders entities, expanding as asked.
struct Renderer {
    let conn: any SQLConnection
    let base: String
    var compiler: STACompiler
    let limits: Limits
    /// When the request's time budget runs out.
    let deadline: ContinuousClock.Instant
    /// Entities read so far, expanded ones included.
    var entities = 0
    /// Expansions read ahead for a whole page (see `render`).
    var readAhead: [ReadAheadKey: Page] = [:]

    struct Page {
        var records: [SQLRow]
        var count: Int?
        var hasMore: Bool
        /// Where the next page starts, when the page was read in an order a keyset continues.
        var next: Keyset? = nil
    }

    /// The `$filter` condition and the `ORDER BY` keys of a collection read (`single`: the Observations of one
    /// Datastream, read from its arm's view).
    mutating func clauses(_ e: STAEntity, _ o: STAOptions, single: Bool, parentDS: Int64?) throws -> (conditions: [String], order: [String]) {
        var conds: [String] = []
        if let f = o.filter {
            do { conds.append(try compiler.condition(f, e, "e")) } catch { throw STAError.from(error) }
        }
        var order: [String] = []
        do {
            for key in o.orderBy { order.append(try compiler.orderKey(key, e, "e", singleDatastream: single)) }
        } catch { throw STAError.from(error) }
        // A stable order: by id, which for Observations is (Datastream, time).
        if e == .observation {
            if parentDS == nil { order.append("e.datastream_id ASC") }
            if !order.contains(where: { $0.hasPrefix("e.t ") }) { order.append("e.t ASC") }
        } else {
            order.append("e.id ASC")
        }
        return (conds, order)
    }

    /// The page size a request asks for, within the limit.
    func pageSize(_ o: STAOptions) throws -> Int {
        if let t = o.top, t > limits.maxTop {
            throw STAError(.badRequest, "$top=\(t) is over the limit of \(limits.maxTop) (XANH_MAX_TOP); page with @iot.nextLink")
        }
        return o.top ?? limits.defaultTop
    }

    mutating func collection(_ e: STAEntity, _ conditions: [String], _ parentDS: Int64?, _ o: STAOptions) async throws -> Page {
        let (view, baseConds) = STAService.datastreamSource(e, conditions: conditions, parentDatastream: parentDS)
        let (filter, order) = try clauses(e, o, single: view != e.view, parentDS: parentDS)
        let conds = baseConds + filter
        let whereSQL = conds.isEmpty ? "" : " WHERE " + conds.joined(separator: " AND ")
        try checkBudget()
        let top = try pageSize(o)
        // Never read more rows than the response may still hold.
        let room = max(0, limits.maxEntities - entities)
        if o.orderBy.isEmpty, view == e.view, e == .datastream || e == .observation {
            return try await counted(try byArm(e, conds, o, top: top, room: room))
        }
        let keysetOrder = Keyset.order(of: order)
        let keyset = try Keyset.of(o, order: keysetOrder, entity: e)
        let pageConds = conds + (keyset?.condition().map { [$0] } ?? [])
        let pageWhere = pageConds.isEmpty ? "" : " WHERE " + pageConds.joined(separator: " AND ")
        let rows = try await conn.query(
            "SELECT e.* FROM \(view) e\(pageWhere) ORDER BY \(order.joined(separator: ", ")) LIMIT \(min(top, room) + 1) OFFSET \(keyset == nil ? o.skip : 0)",
            []
        ).records
        var count: Int?
        if o.count {
            count = await Int(try conn.scalar("SELECT count(*) FROM \(view) e\(whereSQL)").int64 ?? 0)
        }
        return try counted(Self.page(rows, top: top, count: count, order: keysetOrder, e))
    }

    /// A page of at most `top` of the rows read (one more than `top` says there are more), with the key it ends at.
    static func page(_ rows: [SQLRow], top: Int, count: Int?, order: Keyset.Order?, _ e: STAEntity) -> Page {
        let records = Array(rows.prefix(top))
        let hasMore = top > 0 && rows.count > top
        let next = hasMore ? order.flatMap { o in records.last.flatMap { Keyset.after($0, o, e) } } : nil
        return Page(records: records, count: count, hasMore: hasMore, next: next)
    }

    /// Adds a page's entities to the response's count; refuses the request once it passes the limit.
    mutating func counted(_ page: Page) throws -> Page {
        entities += page.records.count
        guard entities <= limits.maxEntities else {
            throw STAError(
                .badRequest,
                "the response would hold more than \(limits.maxEntities) entities (XANH_MAX_ENTITIES); ask for fewer ($top, inside $expand too)")
        }
        return page
    }

    /// Refuses to go on once the request's time budget is spent.
    func checkBudget() throws {
        guard ContinuousClock.now < deadline else {
            throw STAError(
                .badRequest,
                "the request took longer than its budget of \(JSONValue.formatNumber(limits.requestSeconds)) s (XANH_REQUEST_SECONDS); narrow it")
        }
    }

    /// The default (id) order over the union of Datastream or Observation arms: arm ids lie in increasing ranges, so
    /// the arms are read one after the other, each in its key order, instead of sorting the union on every page.
    mutating func byArm(_ e: STAEntity, _ conds: [String], _ o: STAOptions, top: Int, room: Int) async throws -> Page {
        let whereSQL = conds.isEmpty ? "" : " WHERE " + conds.joined(separator: " AND ")
        let keyset = try Keyset.of(o, order: .arms, entity: e)
        var skip = keyset == nil ? o.skip : 0
        var need = min(top, room) + 1
        var rows: [SQLRow] = []
        var total = 0
        for arm in STAIDs.Arm.allCases {
            let view = e == .datastream ? arm.datastreamView : arm.observationView
            let order = e == .datastream ? "e.base" : "e.base, e.t"
            let armConds = conds + (keyset?.condition(arm: arm).map { [$0] } ?? [])
            let armWhere = armConds.isEmpty ? "" : " WHERE " + armConds.joined(separator: " AND ")
            if skip > 0 || o.count {
                let n = await Int(try conn.scalar("SELECT count(*) FROM \(view) e\(whereSQL)").int64 ?? 0)
                total += n
                if skip >= n {
                    skip -= n
                    continue
                }
            }
            // An arm wholly before the page's key is only counted.
            if keyset?.passes(arm) == true { continue }
            guard need > 0 else { continue }
            // A Datastream's row computes its phenomenonTime from its Observations. On PostgreSQL (partitions) pick
            // the page's keys first (a select of keys alone does not compute it), then read those rows whole: OFFSET
            // would otherwise compute it for every skipped row too. SQLite computes it in microseconds and plans the
            // plain form better.
            let text =
                e == .datastream && conn.dialect.isPostgres
                ? "SELECT e.* FROM \(view) e WHERE e.base IN (SELECT e.base FROM \(view) e\(armWhere) ORDER BY e.base LIMIT \(need) OFFSET \(skip)) ORDER BY e.base"
                : "SELECT e.* FROM \(view) e\(armWhere) ORDER BY \(order) LIMIT \(need) OFFSET \(skip)"
            let got = try await conn.query(text, []).records
            skip = 0
            need -= got.count
            rows += got
            if need == 0 && !o.count { break }
        }
        return Self.page(rows, top: top, count: o.count ? total : nil, order: .arms, e)
    }

    func selfLink(_ e: STAEntity, _ rec: SQLRow) -> String { "\(base)/\(e.setName)(\(rec["id"].int64 ?? 0))" }

    static func fieldValue(_ f: STAField, _ rec: SQLRow) -> JSONValue {
        let v = rec[f.columns[0]]
        switch f.kind {
        case .text: return v.text.map { .string($0) } ?? .null
        case .number:
            switch v {
            case .int(let i): return .number(String(i))
            case .double(let d): return .number(d)
            case .text(let s): return .string(s)
            case .null: return .null
            }
        case .json:
            guard let s = v.text else { return .null }
            return (try? JSONValue.parse(s)) ?? .string(s)
        case .time: return v.double.map { .string(STATime.format($0)) } ?? .null
        case .interval:
            guard let s = v.double else { return .null }
            let e = rec[f.columns[1]].double ?? s
            return .string(e == s ? STATime.format(s) : STATime.format(s) + "/" + STATime.format(e))
        }
    }

    /// A property, or a member inside a JSON property (`properties/a/b`); null when absent.
    static func propertyValue(_ f: STAField, _ rec: SQLRow, _ path: [String]) -> JSONValue {
        path.reduce(fieldValue(f, rec)) { v, key in v[key] ?? .null }
    }

    /// Groups `$expand` items by their first step (`Datastreams/Sensor,Datastreams/Thing` → one Datastreams item).
    static func group(_ items: [STAExpand]) -> [(String, STAOptions)] {
        var order: [String] = []
        var groups: [String: STAOptions] = [:]
        for item in items {
            let head = item.path[0]
            if groups[head] == nil {
                order.append(head)
                groups[head] = STAOptions()
            }
            if item.path.count == 1 {
                var o = item.options
                o.expand = (groups[head]?.expand ?? []) + o.expand
                groups[head] = o
            } else {
                groups[head, default: STAOptions()].expand.append(STAExpand(path: Array(item.path.dropFirst()), options: item.options))
            }
        }
        return order.map { ($0, groups[$0] ?? STAOptions()) }
    }

    /// Renders a page of entities. The Observations expanded under a page of Datastreams (the map page: every
    /// Datastream with its latest Observation) are read in one statement per arm instead of one per Datastream: on
    /// PostgreSQL a `LATERAL` join over the page's Datastreams (each statement there costs a round trip and the
    /// planning of a view over partitions), on SQLite, which has no `LATERAL`, a `UNION ALL` of the per-Datastream
    /// selects (each statement there costs a hop to a reader connection).
    mutating func render(_ e: STAEntity, _ records: [SQLRow], _ o: STAOptions) async throws -> [JSONValue] {
        if e == .datastream, records.count > 1 {
            for (name, options) in Self.group(o.expand) where name == "Observations" && !options.count && options.skipToken == nil {
                try await readAhead(observationsOf: records, options)
            }
        }
        var values: [JSONValue] = []
        values.reserveCapacity(records.count)
        for r in records { values.append(try await entity(e, r, o)) }
        return values
    }

    /// Where a page's read-ahead expansions wait to be rendered: by parent id and the expansion's options.
    struct ReadAheadKey: Hashable {
        var parent: Int64
        var options: String
    }

    /// Reads the Observations of each Datastream on a page, as `collection` would for each, in one statement per arm.
    mutating func readAhead(observationsOf datastreams: [SQLRow], _ o: STAOptions) async throws {
        let top = try pageSize(o)
        let room = max(0, limits.maxEntities - entities)
        let (filter, order) = try clauses(.observation, o, single: true, parentDS: 0)
        var byArm: [STAIDs.Arm: [(id: Int64, base: Int64)]] = [:]
        for rec in datastreams {
            guard let id = rec["id"].int64, let (arm, base) = STAIDs.datastream(id) else { continue }
            byArm[arm, default: []].append((id, base))
        }
        let key = o.queryString
        // The live map's question (each Datastream's latest Observation) is answered from each arm's key: one index
        // seek per Datastream for its latest time, in one statement per arm.
        let latestOnly = top == 1 && room >= 1 && o.skip == 0 && o.skipToken == nil && filter.isEmpty && order == ["e.t DESC"]
        for arm in STAIDs.Arm.allCases {
            guard let parents = byArm[arm], !parents.isEmpty else { continue }
            try checkBudget()
            if latestOnly {
                let rows = try await conn.query(arm.latestObservations(parents.map(\.base), postgres: conn.dialect.isPostgres), []).records
                var found: [Int64: SQLRow] = [:]
                for r in rows { if let b = r["base"].int64 { found[b] = r } }
                for p in parents {
                    let more = found[p.base]?["sta_more"].int64 == 1
                    readAhead[ReadAheadKey(parent: p.id, options: key)] = Page(
                        records: found[p.base].map { [$0] } ?? [], count: nil, hasMore: more,
                        next: more ? found[p.base].flatMap { Keyset.after($0, .time(descending: true), .observation) } : nil)
                }
                continue
            }
            let tail = "ORDER BY \(order.joined(separator: ", ")) LIMIT \(min(top, room) + 1) OFFSET \(o.skip)"
            var rows: [SQLRow] = []
            if conn.dialect.isPostgres {
                let values = parents.map { "(\($0.base))" }.joined(separator: ",")
                let conds = (["e.base = b.base"] + filter).joined(separator: " AND ")
                rows = try await conn.query(
                    """
                    SELECT x.* FROM (VALUES \(values)) AS b(base) CROSS JOIN LATERAL (SELECT e.* FROM \(arm.observationView) e \
                    WHERE \(conds) \(tail)) x
                    """, []
                ).records
            } else {
                // SQLite allows 500 terms in a compound select.
                for chunk in stride(from: 0, to: parents.count, by: 200) {
                    let selects = parents[chunk..<min(chunk + 200, parents.count)].map { p in
                        "SELECT * FROM (SELECT e.* FROM \(arm.observationView) e WHERE \((["e.base = \(p.base)"] + filter).joined(separator: " AND ")) \(tail))"
                    }
                    rows += try await conn.query(selects.joined(separator: " UNION ALL "), []).records
                }
            }
            var found: [Int64: [SQLRow]] = [:]
            for r in rows { if let b = r["base"].int64 { found[b, default: []].append(r) } }
            for p in parents {
                readAhead[ReadAheadKey(parent: p.id, options: key)] = Self.page(
                    found[p.base] ?? [], top: top, count: nil, order: Keyset.order(of: order), .observation)
            }
        }
    }

    mutating func entity(_ e: STAEntity, _ rec: SQLRow, _ o: STAOptions) async throws -> JSONValue {
        let id = rec["id"].int64 ?? 0
        let link = "\(base)/\(e.setName)(\(id))"
        let selected = o.select.map(Set.init)
        let expands = Self.group(o.expand)
        for (name, _) in expands where e.navigation(name) == nil {
            throw STAError(.badRequest, "$expand: '\(name)' is not a navigation property of \(e.rawValue)")
        }
        if let selected {
            for s in selected where s != "id" && s != "@iot.selfLink" && e.field(s) == nil && e.navigation(s) == nil {
                throw STAError(.badRequest, "$select: '\(s)' is not a property of \(e.rawValue)")
            }
        }
        var m: [(String, JSONValue)] = []
        if selected?.contains("id") ?? true {
            m.append(("@iot.selfLink", .string(link)))
            m.append(("@iot.id", .number(String(id))))
        } else if selected?.contains("@iot.selfLink") == true {
            m.append(("@iot.selfLink", .string(link)))
        }
        for f in e.fields where selected?.contains(f.name) ?? true {
            let v = Self.fieldValue(f, rec)
            if v.isNull && !f.mandatory && selected == nil { continue }
            m.append((f.name, v))
        }
        for nav in e.navigations {
            if let (_, options) = expands.first(where: { $0.0 == nav.name }) {
                switch nav.link {
                case .one(let fk):
                    try checkBudget()
                    if let fkID = rec[fk].int64, let child = try await STAService.lookup(conn, nav.target, id: fkID) {
                        _ = try counted(Page(records: [child], count: nil, hasMore: false))
                        await m.append((nav.name, try entity(nav.target, child, options)))
                    } else {
                        m.append((nav.name, .null))
                    }
                case .many:
                    let page: Page
                    if let read = readAhead.removeValue(forKey: ReadAheadKey(parent: id, options: options.queryString)) {
                        page = try counted(read)
                    } else {
                        page = try await collection(
                            nav.target, [nav.childCondition(child: "e", parentID: String(id))], e == .datastream ? id : nil, options)
                    }
                    if let c = page.count { m.append(("\(nav.name)@iot.count", .number(String(c)))) }
                    let values = try await render(nav.target, page.records, options)
                    m.append((nav.name, .array(values)))
                    if page.hasMore {
                        m.append(
                            (
                                "\(nav.name)@iot.nextLink",
                                .string(
                                    Self.nextLink(
                                        base: base, path: "\(e.setName)(\(id))/\(nav.name)", query: options.queryString,
                                        skip: options.skip + page.records.count, after: page.next))
                            )
                        )
                    }
                }
            } else if selected?.contains(nav.name) ?? true {
                m.append(("\(nav.name)@iot.navigationLink", .string("\(link)/\(nav.name)")))
            }
        }
        return .object(m)
    }

    static let dataArrayDefault = ["id", "phenomenonTime", "result", "resultTime", "resultQuality", "validTime", "parameters"]

    func dataArray(_ page: Page, _ o: STAOptions, next: String?) throws -> JSONValue {
        let components = o.select ?? Self.dataArrayDefault
        for c in components where c != "id" && STAEntity.observation.field(c) == nil {
            throw STAError(.badRequest, "$select: '\(c)' is not a property of Observation")
        }
        guard o.expand.isEmpty else { throw STAError(.badRequest, "$expand is not allowed with $resultFormat=dataArray") }
        var groups: [(Int64, [JSONValue])] = []
        for rec in page.records {
            let ds = rec["datastream_id"].int64 ?? 0
            let row = JSONValue.array(
                components.map { c -> JSONValue in
                    guard c != "id", let f = STAEntity.observation.field(c) else { return .number(String(rec["id"].int64 ?? 0)) }
                    return Self.fieldValue(f, rec)
                })
            if groups.last?.0 == ds { groups[groups.count - 1].1.append(row) } else { groups.append((ds, [row])) }
        }
        var m: [(String, JSONValue)] = []
        if let c = page.count { m.append(("@iot.count", .number(String(c)))) }
        m.append(
            (
                "value",
                .array(
                    groups.map { ds, rows in
                        .object([
                            ("Datastream@iot.navigationLink", .string("\(base)/Datastreams(\(ds))")),
                            ("components", .array(components.map { .string($0) })),
                            ("dataArray@iot.count", .number(String(rows.count))),
                            ("dataArray", .array(rows)),
                        ])
                    })
            ))
        if let next { m.append(("@iot.nextLink", .string(next))) }
        return .object(m)
    }

    /// The same request continued after the page's last key (`$skiptoken`) or, in an order no keyset continues, with
    /// `$skip` advanced; other options are kept as the client sent them.
    static func nextLink(base: String, path: String, query: String, skip: Int, after: Keyset?) -> String {
        var parts = query.split(separator: "&").map(String.init).filter {
            let key = STAOptions.percentDecode(String($0.split(separator: "=", maxSplits: 1).first ?? ""))
            return key != "$skip" && key != "$skiptoken"
        }
        parts.append(after.map { "$skiptoken=\($0.token)" } ?? "$skip=\(skip)")
        return "\(base)/\(path)?" + parts.joined(separator: "&")
    }
}
