/// Planar geometry for the SensorThings geospatial functions (`geo.distance`, `geo.intersects`, `st_within`, …).
/// Coordinates are compared in their own units, as FROST-Server does, so a distance between WGS 84 points is in degrees.
public indirect enum Geometry: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var x: Double
        public var y: Double
        public init(_ x: Double, _ y: Double) {
            self.x = x
            self.y = y
        }
    }

    case point(Point)
    case lineString([Point])
    /// Outer ring first, then holes; rings are closed.
    case polygon([[Point]])
    case collection([Geometry])

    public struct ParseError: Error, Sendable { public var message: String }

    // MARK: reading

    /// A GeoJSON geometry, or a Feature whose geometry is used.
    public static func fromGeoJSON(_ v: JSONValue) throws(ParseError) -> Geometry {
        guard let type = v["type"]?.stringValue else { throw ParseError(message: "GeoJSON needs a 'type'") }
        if type == "Feature" {
            guard let g = v["geometry"] else { throw ParseError(message: "a GeoJSON Feature needs a 'geometry'") }
            return try fromGeoJSON(g)
        }
        if type == "GeometryCollection" {
            guard case .array(let items)? = v["geometries"] else { throw ParseError(message: "a GeometryCollection needs 'geometries'") }
            var out: [Geometry] = []
            for item in items { out.append(try fromGeoJSON(item)) }
            return .collection(out)
        }
        guard let coords = v["coordinates"] else { throw ParseError(message: "a GeoJSON \(type) needs 'coordinates'") }
        func point(_ c: JSONValue) throws(ParseError) -> Point {
            guard case .array(let a) = c, a.count >= 2, let x = a[0].doubleValue, let y = a[1].doubleValue else {
                throw ParseError(message: "a position must be [x, y]")
            }
            return Point(x, y)
        }
        func points(_ c: JSONValue) throws(ParseError) -> [Point] {
            guard case .array(let a) = c else { throw ParseError(message: "expected an array of positions") }
            var out: [Point] = []
            for p in a { out.append(try point(p)) }
            return out
        }
        func rings(_ c: JSONValue) throws(ParseError) -> [[Point]] {
            guard case .array(let a) = c else { throw ParseError(message: "expected an array of rings") }
            var out: [[Point]] = []
            for r in a { out.append(try points(r)) }
            return out
        }
        func array(_ c: JSONValue) throws(ParseError) -> [JSONValue] {
            guard case .array(let a) = c else { throw ParseError(message: "expected an array") }
            return a
        }
        switch type {
        case "Point": return .point(try point(coords))
        case "LineString": return .lineString(try points(coords))
        case "Polygon": return .polygon(try rings(coords))
        case "MultiPoint": return .collection(try points(coords).map { .point($0) })
        case "MultiLineString":
            var out: [Geometry] = []
            for l in try array(coords) { out.append(.lineString(try points(l))) }
            return .collection(out)
        case "MultiPolygon":
            var out: [Geometry] = []
            for p in try array(coords) { out.append(.polygon(try rings(p))) }
            return .collection(out)
        default: throw ParseError(message: "GeoJSON type '\(type)' is not supported")
        }
    }

    /// Well-known text: POINT, LINESTRING, POLYGON, MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, with an optional `SRID=4326;`.
    public static func parseWKT(_ text: String) throws(ParseError) -> Geometry {
        var s = text.trimmingSpaces
        if s.uppercased().hasPrefix("SRID="), let semi = s.firstIndex(of: ";") { s = String(s[s.index(after: semi)...]) }
        guard let open = s.firstIndex(of: "("), s.hasSuffix(")") else { throw ParseError(message: "'\(text)' is not well-known text") }
        let kind = s[..<open].trimmingCharacters().uppercased()
        let body = String(s[open...])
        func numbers(_ p: Substring) throws(ParseError) -> Point {
            let parts = p.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Double($0) }
            guard parts.count >= 2 else { throw ParseError(message: "'\(p)' is not a coordinate pair") }
            return Point(parts[0], parts[1])
        }
        func list(_ t: String) throws(ParseError) -> [Point] {
            let inner = t.trimmingSpaces.dropFirst().dropLast()
            var out: [Point] = []
            for p in inner.split(separator: ",") {
                out.append(try numbers(Substring(String(p.filter { $0 != "(" && $0 != ")" }).trimmingSpaces)))
            }
            return out
        }
        func groups(_ t: String) throws(ParseError) -> [String] {
            let inner = String(t.trimmingSpaces.dropFirst().dropLast())
            guard let parts = Text.splitTopLevel(inner, by: ",") else { throw ParseError(message: "unbalanced parentheses in '\(inner)'") }
            return parts
        }
        switch kind {
        case "POINT": return .point(try numbers(Substring(body.dropFirst().dropLast())))
        case "LINESTRING": return .lineString(try list(body))
        case "POLYGON":
            var rings: [[Point]] = []
            for g in try groups(body) { rings.append(try list(g)) }
            return .polygon(rings)
        case "MULTIPOINT": return .collection(try list(body).map { .point($0) })
        case "MULTILINESTRING":
            var out: [Geometry] = []
            for g in try groups(body) { out.append(.lineString(try list(g))) }
            return .collection(out)
        case "MULTIPOLYGON":
            var out: [Geometry] = []
            for g in try groups(body) {
                var rings: [[Point]] = []
                for r in try groups(g) { rings.append(try list(r)) }
                out.append(.polygon(rings))
            }
            return .collection(out)
        default: throw ParseError(message: "WKT type '\(kind)' is not supported")
        }
    }

    /// The GeoJSON text of this geometry.
    public var geoJSON: JSONValue {
        func pos(_ p: Point) -> JSONValue { .array([.number(p.x), .number(p.y)]) }
        switch self {
        case .point(let p): return .object([("type", .string("Point")), ("coordinates", pos(p))])
        case .lineString(let l): return .object([("type", .string("LineString")), ("coordinates", .array(l.map(pos)))])
        case .polygon(let r): return .object([("type", .string("Polygon")), ("coordinates", .array(r.map { .array($0.map(pos)) }))])
        case .collection(let g): return .object([("type", .string("GeometryCollection")), ("geometries", .array(g.map(\.geoJSON)))])
        }
    }

    // MARK: parts

    var parts: [Geometry] {
        if case .collection(let g) = self { return g.flatMap(\.parts) }
        return [self]
    }

    var dimension: Int {
        parts.map { g -> Int in
            switch g {
            case .point: return 0
            case .lineString: return 1
            case .polygon: return 2
            case .collection: return 0
            }
        }.max() ?? 0
    }

    var vertices: [Point] {
        parts.flatMap { g -> [Point] in
            switch g {
            case .point(let p): return [p]
            case .lineString(let l): return l
            case .polygon(let r): return r.flatMap { $0 }
            case .collection: return []
            }
        }
    }

    var segments: [(Point, Point)] {
        parts.flatMap { g -> [(Point, Point)] in
            switch g {
            case .point: return []
            case .lineString(let l): return l.count < 2 ? [] : (0..<l.count - 1).map { (l[$0], l[$0 + 1]) }
            case .polygon(let rings): return rings.flatMap { r in r.count < 2 ? [] : (0..<r.count - 1).map { (r[$0], r[$0 + 1]) } }
            case .collection: return []
            }
        }
    }

    var polygons: [[[Point]]] {
        parts.compactMap { if case .polygon(let r) = $0 { return r } else { return nil } }
    }

    // MARK: predicates

    /// 1 strictly inside, 0 on the boundary, -1 outside (of any polygon part).
    func locate(_ p: Point) -> Int {
        var best = -1
        for rings in polygons {
            guard let outer = rings.first else { continue }
            if rings.contains(where: { Geometry.onRing(p, $0) }) {
                best = max(best, 0)
                continue
            }
            if Geometry.inRing(p, outer), !rings.dropFirst().contains(where: { Geometry.inRing(p, $0) }) { return 1 }
        }
        return best
    }

    static func inRing(_ p: Point, _ ring: [Point]) -> Bool {
        var inside = false
        var j = ring.count - 1
        for i in 0..<ring.count {
            let a = ring[i]
            let b = ring[j]
            if (a.y > p.y) != (b.y > p.y), p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }

    static func onRing(_ p: Point, _ ring: [Point]) -> Bool {
        guard ring.count >= 2 else { return false }
        return (0..<ring.count - 1).contains { segmentDistance(p, ring[$0], ring[$0 + 1]) < 1e-12 }
    }

    static func cross(_ o: Point, _ a: Point, _ b: Point) -> Double { (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x) }

    /// Whether two segments share a point; `proper` when they cross at a single interior point.
    static func segmentsIntersect(_ p1: Point, _ p2: Point, _ q1: Point, _ q2: Point) -> (any: Bool, proper: Bool) {
        let d1 = cross(q1, q2, p1)
        let d2 = cross(q1, q2, p2)
        let d3 = cross(p1, p2, q1)
        let d4 = cross(p1, p2, q2)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return (true, true) }
        let touching =
            segmentDistance(p1, q1, q2) < 1e-12 || segmentDistance(p2, q1, q2) < 1e-12 || segmentDistance(q1, p1, p2) < 1e-12
            || segmentDistance(q2, p1, p2) < 1e-12
        return (touching, false)
    }

    static func segmentDistance(_ p: Point, _ a: Point, _ b: Point) -> Double {
        let dx = b.x - a.x
        let dy = b.y - a.y
        let len = dx * dx + dy * dy
        var t = len == 0 ? 0 : ((p.x - a.x) * dx + (p.y - a.y) * dy) / len
        t = min(1, max(0, t))
        let cx = a.x + t * dx - p.x
        let cy = a.y + t * dy - p.y
        return (cx * cx + cy * cy).squareRoot()
    }

    func covers(_ p: Point) -> Bool {
        if locate(p) >= 0 { return true }
        if vertices.contains(p) { return true }
        return segments.contains { Geometry.segmentDistance(p, $0.0, $0.1) < 1e-12 }
    }

    public func intersects(_ o: Geometry) -> Bool {
        if o.vertices.contains(where: { covers($0) }) || vertices.contains(where: { o.covers($0) }) { return true }
        for s in segments {
            for t in o.segments where Geometry.segmentsIntersect(s.0, s.1, t.0, t.1).any { return true }
        }
        return false
    }

    func properCrossing(_ o: Geometry) -> Bool {
        for s in segments {
            for t in o.segments where Geometry.segmentsIntersect(s.0, s.1, t.0, t.1).proper { return true }
        }
        return false
    }

    /// Every point of self lies in o (closed), with no edge of self crossing o's boundary.
    public func within(_ o: Geometry) -> Bool {
        guard vertices.allSatisfy({ o.covers($0) }) else { return false }
        if o.dimension == 2 {
            if self == o { return true }
            // The interiors must meet: a vertex or an edge midpoint strictly inside (OGC: a boundary point is not within).
            let midpoints = segments.map { Point(($0.0.x + $0.1.x) / 2, ($0.0.y + $0.1.y) / 2) }
            guard (vertices + midpoints).contains(where: { o.locate($0) == 1 }) else { return false }
            return !properCrossing(o) && !(dimension == 2 && o.vertices.contains { locate($0) == 1 })
        }
        // Against a line or a point: every vertex on it and every segment's midpoint too.
        return segments.allSatisfy { o.covers(Point(($0.0.x + $0.1.x) / 2, ($0.0.y + $0.1.y) / 2)) }
    }

    public func touches(_ o: Geometry) -> Bool {
        guard intersects(o), !properCrossing(o) else { return false }
        if vertices.contains(where: { o.locate($0) == 1 }) || o.vertices.contains(where: { locate($0) == 1 }) { return false }
        if dimension == 0 && o.dimension == 0 { return false }
        if dimension == 0 { return vertices.allSatisfy { o.locate($0) == 0 || o.isEndpoint($0) } }
        if o.dimension == 0 { return o.vertices.allSatisfy { locate($0) == 0 || isEndpoint($0) } }
        return true
    }

    func isEndpoint(_ p: Point) -> Bool {
        parts.contains { if case .lineString(let l) = $0 { return l.first == p || l.last == p } else { return false } }
    }

    public func equalsTopologically(_ o: Geometry) -> Bool { within(o) && o.within(self) }

    public func overlaps(_ o: Geometry) -> Bool {
        dimension == o.dimension && intersects(o) && !within(o) && !o.within(self) && !touches(o)
    }

    public func crosses(_ o: Geometry) -> Bool {
        guard intersects(o), !within(o), !o.within(self) else { return false }
        if dimension == 1 && o.dimension == 1 { return properCrossing(o) }
        return dimension != o.dimension && !touches(o)
    }

    public func distance(_ o: Geometry) -> Double {
        if intersects(o) { return 0 }
        var best = Double.infinity
        for p in vertices {
            for s in o.segments { best = min(best, Geometry.segmentDistance(p, s.0, s.1)) }
            for q in o.vertices { best = min(best, ((p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y)).squareRoot()) }
        }
        for q in o.vertices {
            for s in segments { best = min(best, Geometry.segmentDistance(q, s.0, s.1)) }
        }
        return best
    }

    public var length: Double {
        segments.reduce(0) { $0 + (($1.1.x - $1.0.x) * ($1.1.x - $1.0.x) + ($1.1.y - $1.0.y) * ($1.1.y - $1.0.y)).squareRoot() }
    }

    /// Evaluates a SensorThings geospatial function by name; nil when the name is unknown.
    /// `relate` supports the interior-intersects pattern `T********` and its complement `F********`.
    public static func evaluate(_ function: String, _ a: Geometry, _ b: Geometry?, pattern: String? = nil) -> Double? {
        guard let b else { return function == "geo.length" ? a.length : nil }
        func bool(_ v: Bool) -> Double { v ? 1 : 0 }
        switch function {
        case "geo.distance": return a.distance(b)
        case "geo.intersects", "st_intersects": return bool(a.intersects(b))
        case "st_equals": return bool(a.equalsTopologically(b))
        case "st_disjoint": return bool(!a.intersects(b))
        case "st_touches": return bool(a.touches(b))
        case "st_within": return bool(a.within(b))
        case "st_contains": return bool(b.within(a))
        case "st_overlaps": return bool(a.overlaps(b))
        case "st_crosses": return bool(a.crosses(b))
        case "st_relate":
            let interiors = a.intersects(b) && !a.touches(b)
            switch pattern?.uppercased() {
            case "T********": return bool(interiors)
            case "F********": return bool(!interiors)
            default: return nil
            }
        default: return nil
        }
    }
}

extension Substring {
    func trimmingCharacters() -> String { String(self).trimmingSpaces }
}
