import Foundation

/// A province's outline for the portal's map, made once when its boundary is imported: the outer ring of each
/// polygon simplified with Douglas–Peucker, and islands too small to draw as a shape kept as dots (one per 0.1°
/// cell), so Hoàng Sa and Trường Sa stay on the map while the page stays small. Coordinates are longitude, latitude
/// in degrees, rounded to 0.001°.
public struct MapOutline: Sendable, Equatable {
    public var rings: [[Geometry.Point]]
    public var dots: [Geometry.Point]

    public init(rings: [[Geometry.Point]], dots: [Geometry.Point]) {
        self.rings = rings
        self.dots = dots
    }

    /// At most this many points per outline, however large the boundary (a bound on what is stored and drawn).
    public static let maxPoints = 20_000

    /// Simplifies a boundary: `tolerance` in degrees (0.01° ≈ 1.1 km); rings with an area under `minArea` square
    /// degrees become dots.
    public static func of(_ g: Geometry, tolerance: Double = 0.01, minArea: Double = 0.001) -> MapOutline {
        var outers: [[Geometry.Point]] = []
        func collect(_ g: Geometry) {
            switch g {
            case .polygon(let rings): if let r = rings.first { outers.append(r) }
            case .collection(let items): items.forEach(collect)
            case .point, .lineString: break
            }
        }
        collect(g)
        var rings: [[Geometry.Point]] = []
        var cells = Set<String>()
        var dots: [Geometry.Point] = []
        var total = 0
        // The largest first, so a bound on points drops the smallest shapes.
        for r in outers.sorted(by: { abs(area($0)) > abs(area($1)) }) {
            let simplified = simplify(r, tolerance: tolerance).map(rounded)
            if abs(area(r)) >= minArea, simplified.count >= 4, total + simplified.count <= maxPoints {
                rings.append(simplified)
                total += simplified.count
            } else if let c = centroid(r) {
                let key = "\(Int((c.x * 10).rounded())):\(Int((c.y * 10).rounded()))"
                if cells.insert(key).inserted, dots.count < maxPoints / 10 { dots.append(rounded(c)) }
            }
        }
        return MapOutline(rings: rings, dots: dots)
    }

    static func rounded(_ p: Geometry.Point) -> Geometry.Point { Geometry.Point((p.x * 1000).rounded() / 1000, (p.y * 1000).rounded() / 1000) }

    /// Shoelace area in square degrees (signed).
    static func area(_ r: [Geometry.Point]) -> Double {
        guard r.count >= 3 else { return 0 }
        var s = 0.0
        for i in r.indices {
            let a = r[i]
            let b = r[(i + 1) % r.count]
            s += a.x * b.y - b.x * a.y
        }
        return s / 2
    }

    static func centroid(_ r: [Geometry.Point]) -> Geometry.Point? {
        guard !r.isEmpty else { return nil }
        let n = Double(r.count)
        return Geometry.Point(r.reduce(0) { $0 + $1.x } / n, r.reduce(0) { $0 + $1.y } / n)
    }

    /// Douglas–Peucker with an explicit stack (no recursion depth to bound).
    static func simplify(_ pts: [Geometry.Point], tolerance: Double) -> [Geometry.Point] {
        guard pts.count > 2 else { return pts }
        var keep = [Bool](repeating: false, count: pts.count)
        keep[0] = true
        keep[pts.count - 1] = true
        var stack = [(0, pts.count - 1)]
        while let (a, b) = stack.popLast() {
            guard b > a + 1 else { continue }
            var best = -1.0
            var index = a
            for i in (a + 1)..<b {
                let d = Geometry.segmentDistance(pts[i], pts[a], pts[b])
                if d > best {
                    best = d
                    index = i
                }
            }
            if best > tolerance {
                keep[index] = true
                stack.append((a, index))
                stack.append((index, b))
            }
        }
        return pts.indices.filter { keep[$0] }.map { pts[$0] }
    }

    // MARK: stored form

    /// `{"rings":[[[lon,lat],…],…],"dots":[[lon,lat],…]}`.
    public var json: String {
        func p(_ p: Geometry.Point) -> String { "[\(Self.number(p.x)),\(Self.number(p.y))]" }
        let r = rings.map { "[" + $0.map(p).joined(separator: ",") + "]" }.joined(separator: ",")
        return #"{"rings":[\#(r)],"dots":[\#(dots.map(p).joined(separator: ","))]}"#
    }

    static func number(_ d: Double) -> String {
        let s = String(format: "%.3f", d)
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return String(t)
    }

    /// Reads the stored form; nil when it is not one (an outline is drawn or left out, never a failure).
    public static func parse(_ text: String) -> MapOutline? {
        guard text.utf8.count <= 4_000_000, let v = try? JSONValue.parse(bytes: Array(text.utf8)) else { return nil }
        func point(_ v: JSONValue) -> Geometry.Point? {
            guard case .array(let a) = v, a.count == 2, let x = a[0].doubleValue, let y = a[1].doubleValue, x.isFinite, y.isFinite else {
                return nil
            }
            return Geometry.Point(x, y)
        }
        guard case .array(let rs)? = v["rings"], case .array(let ds)? = v["dots"] else { return nil }
        let rings = rs.compactMap { r -> [Geometry.Point]? in
            guard case .array(let ps) = r else { return nil }
            return ps.compactMap(point)
        }
        return MapOutline(rings: rings, dots: ds.compactMap(point))
    }
}

/// Draws provinces and stations as one inline SVG, projected equirectangularly (longitude scaled by the cosine of
/// the view's middle latitude), in whole SVG units. The view is the bounding box of what it is asked to frame.
public struct MapView: Sendable {
    public struct Area: Sendable {
        public var code: String
        public var name: String
        public var outline: MapOutline
        public var href: String
        /// A choropleth's colour (the page's default without one).
        public var fill: String?
        public init(code: String, name: String, outline: MapOutline, href: String, fill: String? = nil) {
            self.code = code
            self.name = name
            self.outline = outline
            self.href = href
            self.fill = fill
        }
    }
    public struct Marker: Sendable {
        public var code: String
        public var label: String
        public var lon: Double
        public var lat: Double
        public var color: String
        /// No current value: drawn grey, hollow.
        public var stale: Bool
        public var href: String
        public init(code: String, label: String, lon: Double, lat: Double, color: String, stale: Bool, href: String) {
            self.code = code
            self.label = label
            self.lon = lon
            self.lat = lat
            self.color = color
            self.stale = stale
            self.href = href
        }
    }

    public var minLon: Double
    public var maxLon: Double
    public var minLat: Double
    public var maxLat: Double
    /// SVG units per degree of latitude.
    let scale: Double

    /// Frames the given points with a margin (a fraction of the span); a span of at least `minSpan` degrees.
    public init(framing points: [Geometry.Point], margin: Double = 0.04, minSpan: Double = 0.3) {
        let xs = points.map(\.x).filter(\.isFinite)
        let ys = points.map(\.y).filter(\.isFinite)
        var (x0, x1, y0, y1) = (xs.min() ?? 102, xs.max() ?? 117, ys.min() ?? 7, ys.max() ?? 23.4)
        if x1 - x0 < minSpan { (x0, x1) = ((x0 + x1) / 2 - minSpan / 2, (x0 + x1) / 2 + minSpan / 2) }
        if y1 - y0 < minSpan { (y0, y1) = ((y0 + y1) / 2 - minSpan / 2, (y0 + y1) / 2 + minSpan / 2) }
        let mx = (x1 - x0) * margin
        let my = (y1 - y0) * margin
        (minLon, maxLon, minLat, maxLat) = (x0 - mx, x1 + mx, y0 - my, y1 + my)
        // About 600 units across the longer side.
        scale = 600 / max(maxLat - minLat, (maxLon - minLon) * Self.cosine((minLat + maxLat) / 2))
    }

    static func cosine(_ lat: Double) -> Double { cos(lat * .pi / 180) }

    var kx: Double { scale * Self.cosine((minLat + maxLat) / 2) }
    public var width: Int { Int(((maxLon - minLon) * kx).rounded(.up)) }
    public var height: Int { Int(((maxLat - minLat) * scale).rounded(.up)) }

    func x(_ lon: Double) -> Int { Int(((lon - minLon) * kx).rounded()) }
    func y(_ lat: Double) -> Int { Int(((maxLat - lat) * scale).rounded()) }

    /// A path of relative moves between whole units (points that round onto the last one are skipped).
    func path(_ outline: MapOutline) -> String {
        var out = ""
        for ring in outline.rings {
            var last: (Int, Int)?
            for p in ring {
                let q = (x(p.x), y(p.y))
                if let l = last {
                    if l == q { continue }
                    out += "l\(q.0 - l.0) \(q.1 - l.1)"
                } else {
                    out += "M\(q.0) \(q.1)"
                }
                last = q
            }
            out += "z"
        }
        return out
    }

    /// The SVG: each area a link to its page with its name as a title, the focused one highlighted, dots for small
    /// islands, then the markers (grey and hollow without a current value), each a link with its label.
    public func svg(areas: [Area], focus: String?, markers: [Marker], label: String) -> String {
        let esc = Markup.escape
        var out =
            ##"<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 \##(width) \##(height)" role="group" aria-label="\##(esc(label))">"##
        out += ##"<rect width="\##(width)" height="\##(height)" fill="#dcebf2"/>"##
        let dotRadius = max(1, Double(width) / 400)
        for a in areas {
            let cls = a.code == focus ? "area focus" : "area"
            out +=
                ##"<a href="\##(esc(a.href))" aria-label="\##(esc(a.name))"><path class="\##(cls)"\##(a.fill.map { " style=\"fill:\(esc($0))\"" } ?? "") d="\##(path(a.outline))"><title>\##(esc(a.name))</title></path>"##
            for d in a.outline.dots {
                out += ##"<circle class="island" cx="\##(x(d.x))" cy="\##(y(d.y))" r="\##(Self.number(dotRadius))"/>"##
            }
            out += "</a>"
        }
        let r = max(4, Double(width) / 90)
        // Grey ones first, so a current value is never hidden under a stale one.
        for m in markers.sorted(by: { $0.stale && !$1.stale }) where m.lon.isFinite && m.lat.isFinite {
            let style = m.stale ? ##"fill="#ffffff" stroke="#6b7570" stroke-width="2""## : ##"fill="\##(m.color)" stroke="#1d2b24" stroke-width="1""##
            out +=
                ##"<a href="\##(esc(m.href))" aria-label="\##(esc(m.label))"><circle class="marker" data-station="\##(esc(m.code))" data-stale="\##(m.stale ? 1 : 0)" cx="\##(x(m.lon))" cy="\##(y(m.lat))" r="\##(Self.number(r))" \##(style) vector-effect="non-scaling-stroke"><title>\##(esc(m.label))</title></circle></a>"##
        }
        return out + "</svg>"
    }

    static func number(_ d: Double) -> String { MapOutline.number(d) }
}
