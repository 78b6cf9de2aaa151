import XanhStore
import XanhSQL
import Foundation
import XanhCore

/// Translates `$filter` and `$orderby` into SQL over the SensorThings views. Literals are written into the SQL text
/// (numbers as parsed numbers, strings quoted with `''`), so fragments can be repeated without re-binding arguments.
///
/// One translation serves both engines; where their SQL differs the dialect decides. On PostgreSQL a JSON member
/// (`properties/a/b`) is a `jsonb` value: compared with a plain value, the plain value becomes `jsonb`, and used as a
/// number or text it goes through `sta_num` or `#>>`, which gives what SQLite's `json_extract` gives.
struct STACompiler {
    struct Value {
        enum Kind { case number, text, bool, json, time, interval, geometry, null, duration, unknown }
        var sql: String
        /// The end of a time or interval; equal to `sql` for an instant.
        var end: String
        var kind: Kind
        /// SQL that is true when a time value is an instant (not an interval).
        var instant: String
        var isLiteral: Bool

        init(_ sql: String, _ kind: Kind, end: String? = nil, instant: String = "TRUE", literal: Bool = false) {
            self.sql = sql
            self.end = end ?? sql
            self.kind = kind
            self.instant = instant
            self.isLiteral = literal
        }

        var isTime: Bool { kind == .time || kind == .interval }
    }

    let now: Double
    let dialect: SQLDialect
    private var aliases = 0

    init(now: Double, dialect: SQLDialect = .sqlite) {
        self.now = now
        self.dialect = dialect
    }

    var postgres: Bool { dialect.isPostgres }

    /// A value where a number is wanted (a JSON member on PostgreSQL is `jsonb`).
    func num(_ v: Value) -> String { postgres && v.kind == .unknown ? "sta_num(\(v.sql))" : v.sql }

    /// A value where text is wanted: numbers in their JSON text form.
    func text(_ v: Value) -> String {
        if v.kind == .number { return "sta_text(\(v.sql))" }
        if postgres && v.kind == .unknown { return "(\(v.sql) #>> '{}')" }
        return v.sql
    }

    /// A plain value as `jsonb`, to compare with a JSON member on PostgreSQL.
    func jsonb(_ v: Value) -> String {
        switch v.kind {
        case .unknown: return v.sql
        case .json: return "(\(v.sql))::jsonb"
        case .text where v.isLiteral: return "to_jsonb(\(v.sql)::text)"
        default: return "to_jsonb(\(v.sql))"
        }
    }

    /// A time (seconds since 1970) formatted as `strftime` would, UTC.
    func formatTime(_ t: String, sqlite: String, postgres pgFormat: String) -> String {
        postgres ? "to_char(to_timestamp(\(t)) AT TIME ZONE 'UTC', '\(pgFormat)')" : "strftime('\(sqlite)', \(t), 'unixepoch')"
    }

    mutating func newAlias() -> String {
        aliases += 1
        return "x\(aliases)"
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    static func number(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    // MARK: boolean conditions

    mutating func condition(_ e: STAExpr, _ entity: STAEntity, _ alias: String) throws(STAQueryError) -> String {
        switch e {
        case .binary(.and, let l, let r):
            return "(\(try condition(l, entity, alias)) AND \(try condition(r, entity, alias)))"
        case .binary(.or, let l, let r):
            return "(\(try condition(l, entity, alias)) OR \(try condition(r, entity, alias)))"
        case .not(let inner):
            return "(NOT \(try condition(inner, entity, alias)))"
        case .binary(let op, let l, let r) where op.isComparison:
            return try compare(op, l, r, entity, alias)
        default:
            let v = try value(e, entity, alias)
            switch v.kind {
            case .bool: return v.sql
            case .number: return "(\(v.sql) = 1)"
            case .unknown, .json:
                if postgres { return v.kind == .json ? "FALSE" : "(\(num(v)) = 1)" }
                return "(\(v.sql) = 1)"
            default: throw STAQueryError("$filter must be a condition, not a value")
            }
        }
    }

    /// A to-many navigation at the head of a path: compared as "any related entity matches".
    private func manyHead(_ e: STAExpr, _ entity: STAEntity) -> (STANavigation, [String])? {
        guard case .path(let p) = e, p.count > 1, let nav = entity.navigation(p[0]), nav.toMany else { return nil }
        return (nav, Array(p.dropFirst()))
    }

    mutating func compare(_ op: STABinaryOp, _ l: STAExpr, _ r: STAExpr, _ entity: STAEntity, _ alias: String) throws(STAQueryError) -> String {
        if let (nav, rest) = manyHead(l, entity) {
            let a = newAlias()
            let inner = try compare(op, .path(rest), r, nav.target, a)
            return "EXISTS (SELECT 1 FROM \(nav.target.view) \(a) WHERE \(nav.childCondition(child: a, parentID: "\(alias).id")) AND \(inner))"
        }
        if let (nav, rest) = manyHead(r, entity) {
            let a = newAlias()
            let inner = try compare(op, l, .path(rest), nav.target, a)
            return "EXISTS (SELECT 1 FROM \(nav.target.view) \(a) WHERE \(nav.childCondition(child: a, parentID: "\(alias).id")) AND \(inner))"
        }
        var lv = try value(l, entity, alias)
        var rv = try value(r, entity, alias)
        if lv.kind == .null || rv.kind == .null {
            let other = lv.kind == .null ? rv : lv
            switch op {
            case .eq: return "(\(other.sql) IS NULL)"
            case .ne: return "(\(other.sql) IS NOT NULL)"
            default: return "FALSE"
            }
        }
        // A time compared with a quoted time string.
        if lv.isTime, rv.kind == .text, rv.isLiteral, let t = STATime.parseTimeOrInterval(String(rv.sql.dropFirst().dropLast())) {
            rv = STACompiler.timeLiteral(t.0, t.1, interval: t.0 != t.1)
        }
        if rv.isTime, lv.kind == .text, lv.isLiteral, let t = STATime.parseTimeOrInterval(String(lv.sql.dropFirst().dropLast())) {
            lv = STACompiler.timeLiteral(t.0, t.1, interval: t.0 != t.1)
        }
        if lv.isTime && rv.isTime { return STACompiler.compareTimes(op, lv, rv) }
        // A number compared with a string compares their text forms (as the OGC tests expect).
        if postgres && (lv.kind == .unknown) != (rv.kind == .unknown) {
            return "(\(jsonb(lv)) \(STACompiler.sqlOperator(op)) \(jsonb(rv)))"
        }
        if lv.kind == .number && rv.kind == .text { lv = Value(text(lv), .text) }
        if rv.kind == .number && lv.kind == .text { rv = Value(text(rv), .text) }
        if lv.kind == .time && rv.kind == .text {
            lv = Value(formatTime(lv.sql, sqlite: "%Y-%m-%dT%H:%M:%SZ", postgres: #"YYYY-MM-DD"T"HH24:MI:SS"Z""#), .text)
        }
        if postgres {
            // Booleans are not numbers there; texts compare byte by byte, as on SQLite.
            if lv.kind == .bool && lv.isLiteral && rv.kind == .number { lv = Value(lv.sql == "TRUE" ? "1" : "0", .number) }
            if rv.kind == .bool && rv.isLiteral && lv.kind == .number { rv = Value(rv.sql == "TRUE" ? "1" : "0", .number) }
            if lv.kind == .text && rv.kind == .text { return "(\(lv.sql) COLLATE \"C\" \(STACompiler.sqlOperator(op)) \(rv.sql))" }
        }
        return "(\(lv.sql) \(STACompiler.sqlOperator(op)) \(rv.sql))"
    }

    static func sqlOperator(_ op: STABinaryOp) -> String {
        switch op {
        case .eq: return "="
        case .ne: return "<>"
        case .gt: return ">"
        case .ge: return ">="
        case .lt: return "<"
        case .le: return "<="
        default: return op.rawValue
        }
    }

    static func timeLiteral(_ a: Double, _ b: Double, interval: Bool) -> Value {
        interval
            ? Value(number(a), .interval, end: number(b), instant: "0", literal: true) : Value(number(a), .time, literal: true)
    }

    /// Instants as [t, t], intervals half-open [s, e); rules of the OGC/FROST tests (see the decision record).
    /// Each rule also carries a plain range condition on the start it implies, so an index on the start serves it.
    static func compareTimes(_ op: STABinaryOp, _ a: Value, _ b: Value) -> String {
        let (s1, e1, i1, s2, e2, i2) = (a.sql, a.end, a.instant, b.sql, b.end, b.instant)
        switch op {
        case .lt: return "(\(s1) <= \(s2) AND (CASE WHEN \(i1) THEN \(s1) < \(s2) ELSE \(e1) <= \(s2) END))"
        case .gt: return "(\(s1) >= \(s2) AND (CASE WHEN \(i2) THEN \(s2) < \(s1) ELSE \(e2) <= \(s1) END))"
        case .le: return "(\(s1) <= \(s2) AND \(e1) <= \(e2))"
        case .ge: return "(\(s1) >= \(s2) AND \(e1) >= \(e2))"
        case .eq: return "(\(s1) = \(s2) AND \(e1) = \(e2) AND (\(i1)) = (\(i2)))"
        case .ne: return "(NOT (\(s1) = \(s2) AND \(e1) = \(e2) AND (\(i1)) = (\(i2))))"
        default: return "FALSE"
        }
    }

    // MARK: values

    mutating func value(_ e: STAExpr, _ entity: STAEntity, _ alias: String) throws(STAQueryError) -> Value {
        switch e {
        case .literal(let l):
            switch l {
            case .null: return Value("NULL", .null, literal: true)
            case .bool(let b): return Value(b ? "TRUE" : "FALSE", .bool, literal: true)
            case .number(let d, _): return Value(STACompiler.number(d), .number, literal: true)
            case .string(let s): return Value(STACompiler.quote(s), .text, literal: true)
            case .time(let t): return STACompiler.timeLiteral(t, t, interval: false)
            case .interval(let a, let b): return STACompiler.timeLiteral(a, b, interval: true)
            case .duration(let d): return Value(STACompiler.number(d), .duration, literal: true)
            case .geometry(let g): return Value(STACompiler.quote(g.geoJSON.text), .geometry, literal: true)
            }
        case .path(let p): return try path(p, entity, alias)
        case .call(let name, let args): return try call(name, args, entity, alias)
        case .negate(let inner):
            let v = try value(inner, entity, alias)
            return Value("(-\(num(v)))", .number)
        case .not, .binary(.and, _, _), .binary(.or, _, _):
            return Value(try condition(e, entity, alias), .bool)
        case .binary(let op, let l, let r) where op.isComparison:
            return Value(try compare(op, l, r, entity, alias), .bool)
        case .binary(let op, let l, let r):
            let a = try value(l, entity, alias)
            let b = try value(r, entity, alias)
            if a.isTime, b.kind == .duration, op == .add || op == .sub {
                let sign = op == .add ? "+" : "-"
                return Value("(\(a.sql) \(sign) \(b.sql))", a.kind, end: "(\(a.end) \(sign) \(b.sql))", instant: a.instant)
            }
            if a.isTime, b.isTime, op == .sub { return Value("(\(a.sql) - \(b.sql))", .duration) }
            let (x, y) = (num(a), num(b))
            switch op {
            case .add: return Value("(\(x) + \(y))", .number)
            case .sub: return Value("(\(x) - \(y))", .number)
            case .mul: return Value("(\(x) * \(y))", .number)
            case .div: return Value("(CAST(\(x) AS \(postgres ? "double precision" : "REAL")) / \(y))", .number)
            case .mod: return Value("sta_mod(\(x), \(y))", .number)
            default: throw STAQueryError("operator \(op.rawValue) is not valid here")
            }
        }
    }

    mutating func path(_ p: [String], _ entity: STAEntity, _ alias: String) throws(STAQueryError) -> Value {
        guard let head = p.first else { throw STAQueryError("empty property path") }
        if head == "id" {
            guard p.count == 1 else { throw STAQueryError("'id' has no sub-properties") }
            return Value("\(alias).id", .number)
        }
        if let f = entity.field(head) {
            if p.count > 1 {
                guard f.kind == .json else { throw STAQueryError("\(entity.rawValue).\(head) has no sub-properties") }
                var jsonPath = "$"
                var keys: [String] = []
                for part in p.dropFirst() {
                    var name = Substring(part)
                    var indexes = ""
                    while let open = name.lastIndex(of: "["), name.hasSuffix("]") {
                        guard Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) != nil else {
                            throw STAQueryError("'\(part)' has an invalid array index")
                        }
                        indexes = String(name[open...]) + indexes
                        name = name[..<open]
                    }
                    jsonPath += (name.isEmpty ? "" : ".\"" + name.replacingOccurrences(of: "\"", with: "") + "\"") + indexes
                    if !name.isEmpty { keys.append(String(name)) }
                    if !indexes.isEmpty { keys += indexes.dropFirst().dropLast().components(separatedBy: "][") }
                }
                if postgres {
                    let array = "ARRAY[" + keys.map(STACompiler.quote).joined(separator: ", ") + "]::text[]"
                    return Value("((\(alias).\(f.columns[0]))::jsonb #> \(array))", .unknown)
                }
                return Value("json_extract(\(alias).\(f.columns[0]), \(STACompiler.quote(jsonPath)))", .unknown)
            }
            let c = "\(alias).\(f.columns[0])"
            switch f.kind {
            case .text: return Value(c, .text)
            case .number: return Value(c, .number)
            case .json: return Value(c, head == "location" || head == "feature" ? .geometry : .json)
            case .time: return Value(c, .time)
            case .interval:
                let end = "\(alias).\(f.columns[1])"
                return Value(c, .interval, end: end, instant: "(\(c) = \(end))")
            }
        }
        if let nav = entity.navigation(head) {
            guard p.count > 1 else { throw STAQueryError("the navigation '\(head)' must be followed by a property, e.g. \(head)/id") }
            let a = newAlias()
            let inner = try path(Array(p.dropFirst()), nav.target, a)
            let cond: String
            switch nav.link {
            case .one(let fk): cond = "\(a).id = \(alias).\(fk)"
            case .many: cond = nav.childCondition(child: a, parentID: "\(alias).id")
            }
            func wrap(_ sql: String) -> String { "(SELECT \(sql) FROM \(nav.target.view) \(a) WHERE \(cond) LIMIT 1)" }
            return Value(
                wrap(inner.sql), inner.kind, end: wrap(inner.end),
                instant: inner.instant == "TRUE" || inner.instant == "FALSE" ? inner.instant : wrap(inner.instant))
        }
        throw STAQueryError("'\(p.joined(separator: "/"))' is not a property or navigation of \(entity.rawValue)")
    }

    mutating func call(_ name: String, _ args: [STAExpr], _ entity: STAEntity, _ alias: String) throws(STAQueryError) -> Value {
        func arity(_ n: ClosedRange<Int>) throws(STAQueryError) {
            guard n.contains(args.count) else {
                throw STAQueryError(
                    "\(name)() takes \(n.lowerBound == n.upperBound ? "\(n.lowerBound)" : "\(n.lowerBound)–\(n.upperBound)") arguments")
            }
        }
        var v: [Value] = []
        for a in args { v.append(try value(a, entity, alias)) }
        func text(_ i: Int) -> String { self.text(v[i]) }
        func time(_ i: Int) throws(STAQueryError) -> String {
            guard v[i].isTime || v[i].kind == .unknown else { throw STAQueryError("\(name)() needs a date/time argument") }
            return num(v[i])
        }
        func geometry() throws(STAQueryError) -> String? {
            guard case .postgres(let postgis) = dialect else { return nil }
            guard let postgis else {
                throw STAQueryError(
                    "\(name)() needs PostGIS in the database (CREATE EXTENSION postgis); see docs/operations.md", notImplemented: true)
            }
            return postgis
        }
        switch name {
        case "substringof":
            try arity(2...2)
            return Value(postgres ? "(strpos(\(text(1)), \(text(0))) > 0)" : "(instr(\(text(1)), \(text(0))) > 0)", .bool)
        case "endswith":
            try arity(2...2)
            if postgres { return Value("(right(\(text(0)), length(\(text(1)))) = \(text(1)))", .bool) }
            return Value("(length(\(text(1))) = 0 OR substr(\(text(0)), -length(\(text(1)))) = \(text(1)))", .bool)
        case "startswith":
            try arity(2...2)
            return Value("(substr(\(text(0)), 1, length(\(text(1)))) = \(text(1)))", .bool)
        case "length":
            try arity(1...1)
            return Value("length(\(text(0)))", .number)
        case "indexof":
            try arity(2...2)
            return Value("(\(postgres ? "strpos" : "instr")(\(text(0)), \(text(1))) - 1)", .number)
        case "substring":
            try arity(2...3)
            let from = postgres ? "CAST(\(num(v[1])) AS integer)" : v[1].sql
            let count = args.count == 3 ? (postgres ? "CAST(\(num(v[2])) AS integer)" : v[2].sql) : ""
            return Value(args.count == 2 ? "substr(\(text(0)), (\(from)) + 1)" : "substr(\(text(0)), (\(from)) + 1, \(count))", .text)
        case "tolower":
            try arity(1...1)
            return Value("lower(\(text(0)))", .text)
        case "toupper":
            try arity(1...1)
            return Value("upper(\(text(0)))", .text)
        case "trim":
            try arity(1...1)
            return Value("trim(\(text(0)))", .text)
        case "concat":
            try arity(2...2)
            return Value("(\(text(0)) || \(text(1)))", .text)
        case "year", "month", "day", "hour", "minute", "second":
            try arity(1...1)
            if postgres {
                return Value("CAST(floor(extract(\(name) FROM to_timestamp(\(try time(0))) AT TIME ZONE 'UTC')) AS bigint)", .number)
            }
            let f = ["year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M", "second": "%S"][name, default: "%S"]
            return Value("CAST(strftime('\(f)', \(try time(0)), 'unixepoch') AS INTEGER)", .number)
        case "fractionalseconds":
            try arity(1...1)
            let t = try time(0)
            return Value(postgres ? "(\(t) - trunc(\(t)))" : "(\(t) - CAST(\(t) AS INTEGER))", .number)
        case "date":
            try arity(1...1)
            let t = try time(0)
            return Value(postgres ? "(CAST(trunc((\(t)) / 86400.0) AS bigint) * 86400)" : "(CAST(\(t) AS INTEGER) / 86400 * 86400)", .time)
        case "time":
            try arity(1...1)
            let t = try time(0)
            return Value(formatTime(t, sqlite: "%H:%M:%S", postgres: "HH24:MI:SS"), .text)
        case "totaloffsetminutes":
            try arity(1...1)
            _ = try time(0)
            return Value("0", .number)
        case "now":
            try arity(0...0)
            return STACompiler.timeLiteral(now, now, interval: false)
        case "mindatetime":
            try arity(0...0)
            return STACompiler.timeLiteral(-62_135_596_800, -62_135_596_800, interval: false)
        case "maxdatetime":
            try arity(0...0)
            return STACompiler.timeLiteral(253_402_300_799, 253_402_300_799, interval: false)
        case "round", "floor", "ceiling":
            try arity(1...1)
            return Value("sta_\(name == "ceiling" ? "ceil" : name)(\(num(v[0])))", .number)
        case "geo.length":
            try arity(1...1)
            if try geometry() != nil { return Value("sta_geo_num('geo.length', \(v[0].sql))", .number) }
            return Value("sta_geo('geo.length', \(v[0].sql))", .number)
        case "geo.distance":
            try arity(2...2)
            if try geometry() != nil { return Value("sta_geo_num('geo.distance', \(v[0].sql), \(v[1].sql))", .number) }
            return Value("sta_geo('geo.distance', \(v[0].sql), \(v[1].sql))", .number)
        case "geo.intersects", "st_equals", "st_disjoint", "st_touches", "st_within", "st_overlaps", "st_crosses", "st_intersects", "st_contains":
            try arity(2...2)
            if try geometry() != nil { return Value("coalesce(sta_geo_bool('\(name)', \(v[0].sql), \(v[1].sql)), FALSE)", .bool) }
            return Value("(sta_geo('\(name)', \(v[0].sql), \(v[1].sql)) = 1)", .bool)
        case "st_relate":
            try arity(3...3)
            guard case .literal(.string(let pattern)) = args[2], ["T********", "F********"].contains(pattern.uppercased()) else {
                throw STAQueryError("st_relate supports the patterns 'T********' and 'F********'", notImplemented: true)
            }
            if try geometry() != nil {
                return Value("coalesce(sta_geo_bool('st_relate', \(v[0].sql), \(v[1].sql), \(v[2].sql)), FALSE)", .bool)
            }
            return Value("(sta_geo('st_relate', \(v[0].sql), \(v[1].sql), \(v[2].sql)) = 1)", .bool)
        default:
            throw STAQueryError("the function \(name)() is not supported", notImplemented: true)
        }
    }

    /// An `$orderby` key. Within one Datastream an Observation's phenomenonTime starts a fixed shift from its key time
    /// `t` (0 raw, −1 h for an hourly mean), so ordering by `t` is the same order and walks the key instead of sorting.
    mutating func orderKey(_ o: STAOrder, _ entity: STAEntity, _ alias: String, singleDatastream: Bool = false) throws(STAQueryError) -> String {
        if singleDatastream, entity == .observation, o.expr == .path(["phenomenonTime"]) {
            return "\(alias).t" + (o.descending ? " DESC" : " ASC")
        }
        let v = try value(o.expr, entity, alias)
        return v.sql + (postgres && v.kind == .text ? " COLLATE \"C\"" : "") + (o.descending ? " DESC" : " ASC")
    }
}
