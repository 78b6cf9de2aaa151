import Crypto
import Foundation
import Hummingbird
import Mustache
import XanhCore
import XanhServices
import XanhStore

/// The public pages: every station with its current VN_AQI, a page per station with 48 hours of AQI, the alerts and
/// the green-growth indicators. Vietnamese by default, English with `?lang=en`; the words come from `Labels/`, the
/// markup from `Templates/`, and each page's model is a type of its own (`PageModels.swift`). No external assets.
/// The templates and the pages' words, loaded once for every controller that renders pages.
struct Pages: Sendable {
    let library: MustacheLibrary
    let labels: PageLabels
    /// The database holds the demo's synthetic data: every page says so.
    var demo = false
    /// Parsed province outlines and rendered indicator pages, per application (so per store).
    let caches = PageCaches()

    static func load(demo: Bool = false) async throws -> Pages {
        guard let dir = Bundle.module.url(forResource: "Templates", withExtension: nil) else {
            throw Problem(status: .internalServerError, detail: "templates missing from the XanhHTTP bundle")
        }
        return Pages(library: try await MustacheLibrary(directory: dir.path), labels: try PageLabels.load(), demo: demo)
    }

    /// A page as an HTML answer, with an `ETag` of its content and `Cache-Control: no-cache` (a browser revalidates and
    /// gets 304 while nothing changed; pages change as data arrives).
    func response(_ template: String, _ model: some Sendable, status: HTTPResponse.Status = .ok) -> Response {
        response(html: library.render(model, withTemplate: template) ?? "", status: status)
    }

    func response(html: String, status: HTTPResponse.Status = .ok) -> Response {
        let tag = Crypto.SHA256.hash(data: Data(html.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
        return Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .eTag: "\"\(tag)\"", .cacheControl: "no-cache"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// 304 when the browser already holds this page (`If-None-Match` names its ETag).
    static func notModified(_ request: Request, _ response: Response) -> Response {
        guard response.status == .ok, let tag = response.headers[.eTag], let held = request.headers[.ifNoneMatch],
            held.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == tag || $0.trimmingCharacters(in: .whitespaces) == "*"
            })
        else { return response }
        return Response(status: .notModified, headers: [.eTag: tag, .cacheControl: "no-cache"])
    }
}

/// Pages answer what the policy refuses (403, 429) as pages too; the API and SensorThings keep their JSON problems.
struct PageErrorsMiddleware: RouterMiddleware {
    let web: WebController

    static func isPage(_ route: String) -> Bool {
        !route.hasPrefix("/api/") && !route.hasPrefix("/sta/") && route != "/health" && route != "/metrics" && route != "/openapi.json"
            && route != "NotFound"
    }

    func handle(
        _ request: Request, context: AppRequestContext, next: (Request, AppRequestContext) async throws -> Response
    ) async throws -> Response {
        guard let route = context.endpointPath, Self.isPage(route) else { return try await next(request, context) }
        do {
            return try await next(request, context)
        } catch {
            return web.errorPage(error, request, context)
        }
    }
}

/// What the pages keep between requests, each entry with what it was made from.
final class PageCaches: Sendable {
    let outlines = Locked<(raw: [String: String], parsed: [String: MapOutline])?>(nil)
    /// Rendered indicator pages by language, year, province and mapped indicator, for one data version.
    let indicators = Locked<(version: String, pages: [String: String])>(("", [:]))
}

struct WebController {
    let services: AppServices
    let labels: PageLabels

    let pages: Pages

    init(services: AppServices, pages: Pages) {
        self.services = services
        self.pages = pages
        labels = pages.labels
    }

    func register(on router: Router<AppRequestContext>) {
        @Sendable func page(_ template: String, _ model: some Sendable) -> Response { pages.response(template, model) }
        router.get("/") { request, context in try await htmlErrors(request, context) { page("index", try await index(Self.language(request))) } }
        router.get("provinces/{code}") { request, context in
            try await htmlErrors(request, context) {
                page("index", try await index(Self.language(request), province: try context.parameters.require("code")))
            }
        }
        router.get("water") { request, context in
            try await htmlErrors(request, context) { page("water", try await waterPage(Self.language(request))) }
        }
        router.get("disasters") { request, context in
            try await htmlErrors(request, context) { page("disasters", try await disasterPage(Self.language(request), unit: request.query("unit"))) }
        }
        // The one script the pages have ("near me"), from this server (the CSP allows scripts from 'self' only).
        router.get("assets/near-me.js") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/javascript; charset=utf-8", .cacheControl: "public, max-age=86400"],
                body: .init(byteBuffer: ByteBuffer(string: Self.nearMeScript)))
        }
        // The province filter's form: to the province's page, or home when none is chosen.
        router.get("provinces") { request, _ in
            let lang = Self.language(request).rawValue
            let code = request.query("code") ?? ""
            let ok = !code.isEmpty && code.utf8.count <= 8 && code.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
            return Response(status: .seeOther, headers: [.location: ok ? "/provinces/\(code)?lang=\(lang)" : "/?lang=\(lang)"])
        }
        router.get("stations/{code}") { request, context in
            try await htmlErrors(request, context) {
                page(
                    "station",
                    try await station(
                        try context.parameters.require("code"), Self.language(request), parameter: request.query("parameter"),
                        range: try request.enumQuery("range", default: ChartRange.week)))
            }
        }
        router.get("alerts") { request, context in try await htmlErrors(request, context) { page("alerts", try await alerts(Self.language(request))) }
        }
        router.get("indicators") { request, context in
            try await htmlErrors(request, context) {
                let year = try request.intQuery("year", default: Timestamps.localYear(services.clock()) - 1, range: 1990...2100)
                return pages.response(
                    html: try await indicators(Self.language(request), year: year, unit: request.query("unit"), indicator: request.query("indicator"))
                )
            }
        }
        router.get("indicators/methods") { request, context in
            try await htmlErrors(request, context) { page("methods", try indicatorMethods(Self.language(request))) }
        }
        router.get("workspace") { request, context in
            try await htmlErrors(request, context) { page("workspace", try await workspace(Self.language(request))) }
        }
        registerPlans(on: router)
        registerAlertPages(on: router)
        registerQualityPages(on: router)
        registerAdminPages(on: router)
        registerReportingPages(on: router)
        registerPlanWorkPages(on: router)
        registerUserPages(on: router)
        registerRulePages(on: router)
        registerRegistryPages(on: router)
        registerFacilityPages(on: router)
        registerSettingsPages(on: router)
        registerLeaderPage(on: router)
    }

    /// Runs a page's handler; a problem it meets is answered as a page in the page's language, with the problem's
    /// status and a way back, instead of the API's JSON.
    func htmlErrors(_ request: Request, _ context: AppRequestContext, _ body: () async throws -> Response) async throws -> Response {
        do {
            return Pages.notModified(request, try await body())
        } catch {
            return errorPage(error, request, context)
        }
    }

    /// A problem as a page in the page's language, with the problem's status and a way back.
    func errorPage(_ error: any Error, _ request: Request, _ context: AppRequestContext) -> Response {
        let problem = Problem.of(error, request: request, services: services, logger: context.logger)
        let lang = Self.language(request)
        let words = labels.page(lang)
        let code = Int(problem.status.code)
        let key = [400, 403, 404].contains(code) ? "error\(code)" : code >= 500 ? "error5xx" : "errorOther"
        // The problem's own words are English; the Vietnamese page says what happened in Vietnamese only.
        let page = ErrorPage(status: code, message: words[key, default: problem.detail], detail: lang == .en ? problem.detail : nil)
        var response = pages.response(
            "error", layout(lang, title: "\(code) · \(words[key, default: "Error"])", path: request.uri.path, page), status: problem.status)
        if let wait = problem.retryAfter { response.headers[.retryAfter] = String(wait) }
        return response
    }

    static func language(_ request: Request) -> Language { Language(rawValue: request.query("lang") ?? "vi") ?? .vi }

    /// Local time to the minute as each language writes it: `10:05 20/11/2026` on Vietnamese pages, `20/11/2026 10:05`
    /// on English ones (day first in both).
    static func shortTime(_ t: Int64, _ lang: Language) -> String {
        let iso = Timestamps.format(t)  // 2026-11-20T10:05:00+07:00
        let parts = iso.split(separator: "T")
        guard parts.count == 2 else { return iso }
        let d = parts[0].split(separator: "-")
        let hm = String(parts[1].prefix(5))
        guard d.count == 3 else { return iso }
        let date = "\(d[2])/\(d[1])/\(d[0])"
        return lang == .vi ? "\(hm) \(date)" : "\(date) \(hm)"
    }

    /// Text on a VN_AQI colour with a contrast of at least 4.5:1 (WCAG AA): white on orange is 2.5:1 and on red 4.0:1,
    /// black on them 8.1:1 and 5.3:1.
    static func textColor(_ background: String) -> String {
        switch background.uppercased() {
        case "#FFFF00", "#00E400": return "#1d2b24"
        case "#FF7E00", "#FF0000": return "#000000"
        default: return "#ffffff"
        }
    }

    /// Every province as a select's options, in the language's alphabetical order.
    func provinceOptions(_ lang: Language, selected: String?) -> [IndexPage.Option] {
        services.reference.provinces.map { p in IndexPage.Option(code: p.code, name: lang == .vi ? p.nameVi : p.nameEn, selected: p.code == selected)
        }
        .sorted { $0.name.compare($1.name, locale: Locale(identifier: lang.rawValue)) == .orderedAscending }
    }

    func provinceName(_ code: String, _ lang: Language) -> String {
        services.reference.provinces.first { $0.code == code }.map { lang == .vi ? $0.nameVi : $0.nameEn } ?? code
    }

    /// A page in the layout every page shares.
    func layout<Content>(_ lang: Language, title: String, heading: String? = nil, path: String, _ content: Content) -> WebPage<Content> {
        let other: Language = lang == .vi ? .en : .vi
        let words = labels.page(lang)
        return WebPage(
            lang: lang.rawValue, labels: words, title: title, heading: heading ?? title, demo: pages.demo,
            otherLangHref: "\(path)?lang=\(other.rawValue)",
            otherLangLabel: words["other", default: other.rawValue],
            categories: services.reference.vnAQI.table.categories.map {
                .init(min: $0.min, max: $0.max, name: $0.name(lang), color: $0.color, textColor: Self.textColor($0.color))
            },
            content: content)
    }

    func badge(_ a: StoredAQI, _ lang: Language) -> AQIBadge {
        let c = services.reference.vnAQI.category(for: a.result.aqi)
        return AQIBadge(
            aqi: a.result.aqi, color: c.color, textColor: Self.textColor(c.color), categoryName: c.name(lang), dominant: a.result.dominant,
            time: Self.shortTime(a.t, lang) + " (+07)", age: age(a.t, lang))
    }

    /// `cập nhật 12 phút trước` / `updated 12 minutes ago`: minutes under two hours, hours under two days, then days.
    func age(_ t: Int64, _ lang: Language) -> String {
        let words = labels.page(lang)
        let (elapsed, overflow) = services.clock().subtractingReportingOverflow(t)
        let seconds = overflow ? Int64.max : max(0, elapsed)
        let (key, n): (String, Int64)
        switch seconds {
        case ..<60: return words["agoNow", default: "just updated"]
        case ..<7200: (key, n) = ("agoMinutes", seconds / 60)
        case ..<172_800: (key, n) = ("agoHours", seconds / 3600)
        default: (key, n) = ("agoDays", seconds / 86_400)
        }
        return words[key, default: "{n}"].replacingOccurrences(of: "{n}", with: String(n))
    }

    /// Whether a value is too old to show as current (`stale-after-seconds`).
    func isStale(_ t: Int64) -> Bool {
        let (elapsed, overflow) = services.clock().subtractingReportingOverflow(t)
        return overflow || elapsed > Int64(services.limits.staleAfterSeconds)
    }

    /// What the pages say instead of a current value: the station's ongoing silence or device error, else "no current
    /// data"; with the last value and its age when there is one.
    func freshness(_ last: StoredAQI?, ongoing: StoredStationEvent?, _ lang: Language) -> Freshness {
        let words = labels.page(lang)
        var text = words["noCurrent", default: "No current data"]
        if let e = ongoing?.event {
            let key = e.kind == .silent ? "stationSilent" : "stationDeviceError"
            text = words[key, default: "{t}"].replacingOccurrences(of: "{t}", with: Self.shortTime(e.start, lang))
        }
        return Freshness(
            text: text,
            last: last.map {
                "\(words["lastValue", default: "Last value"]): VN_AQI \($0.result.aqi) · \(Self.shortTime($0.t, lang)) · \(age($0.t, lang))"
            })
    }

    /// Each station's ongoing silence or device error (the one that began first).
    func ongoingEvents() async throws -> [String: StoredStationEvent] {
        let now = services.clock()
        let events = try await services.store.stationEvents(station: nil, kind: nil, from: now - 30 * Timestamps.day, to: now, limit: 5000)
        var out: [String: StoredStationEvent] = [:]
        for e in events where e.event.end == nil {
            if let old = out[e.station], old.event.start <= e.event.start { continue }
            out[e.station] = e
        }
        return out
    }

    /// `/` and `/provinces/{code}`: the map (provinces drawn from their outlines, ambient-air stations as markers in
    /// their VN_AQI colour, grey and hollow without a current value) and the list beside it, worst air first.
    func index(_ lang: Language, province: String? = nil) async throws -> WebPage<IndexPage> {
        let words = labels.page(lang)
        if let province, !services.reference.provinces.contains(where: { $0.code == province }) {
            throw StoreError.notFound("province '\(province)' does not exist")
        }
        let all = try await services.store.allStations().filter(\.active)
        let stations = province.map { p in all.filter { $0.province == p } } ?? all
        let latest = Dictionary(try await services.store.latestAQI().map { ($0.station, $0) }, uniquingKeysWith: { a, _ in a })
        let ongoing = try await ongoingEvents()
        var markers: [MapView.Marker] = []
        var cards: [IndexPage.Card] = []
        for s in stations {
            // A value is current only when it is fresh and the station is not silent or in error now.
            let current: StoredAQI? = latest[s.code].flatMap { isStale($0.t) || ongoing[s.code] != nil ? nil : $0 }
            let stale: Freshness? =
                current == nil && (s.kind == .ambientAir || ongoing[s.code] != nil) ? freshness(latest[s.code], ongoing: ongoing[s.code], lang) : nil
            let badge: AQIBadge? = current.map { self.badge($0, lang) }
            if s.kind == .ambientAir, let lat = s.latitude, let lon = s.longitude {
                let state = badge.map { "VN_AQI \($0.aqi) \($0.categoryName)" } ?? (stale?.text ?? words["noCurrent", default: ""])
                markers.append(
                    MapView.Marker(
                        code: s.code, label: "\(s.name): \(state)", lon: lon, lat: lat, color: badge?.color ?? "#d7dcd9", stale: badge == nil,
                        href: "/stations/\(s.code)?lang=\(lang.rawValue)"))
            }
            cards.append(
                IndexPage.Card(
                    code: s.code, name: s.name, province: provinceName(s.province, lang), kindLabel: labels.kind(s.kind, lang),
                    latest: badge, stale: stale,
                    lat: s.latitude.map { String(format: "%.5f", $0) } ?? "", lon: s.longitude.map { String(format: "%.5f", $0) } ?? ""))
        }
        // The worst air first; then stations without a current value; then the others, by name.
        let sorted = cards.sorted { a, b in
            let (ra, rb) = (a.latest != nil ? 0 : a.stale != nil ? 1 : 2, b.latest != nil ? 0 : b.stale != nil ? 1 : 2)
            if ra != rb { return ra < rb }
            if let x = a.latest?.aqi, let y = b.latest?.aqi, x != y { return x > y }
            return a.name < b.name
        }
        let outlines = try await mapOutlines()
        let areas = services.reference.provinces.compactMap { p in
            outlines[p.code].map {
                MapView.Area(code: p.code, name: lang == .vi ? p.nameVi : p.nameEn, outline: $0, href: "/provinces/\(p.code)?lang=\(lang.rawValue)")
            }
        }
        // The view frames the province (its outline and its stations), or the whole country.
        var frame: [Geometry.Point] = markers.map { Geometry.Point($0.lon, $0.lat) }
        let framed = province.map { p in areas.filter { $0.code == p } } ?? areas
        frame += framed.flatMap { $0.outline.rings.flatMap { $0 } + $0.outline.dots }
        let name = province.map { provinceName($0, lang) }
        let map = MapView(framing: frame).svg(
            areas: areas, focus: province, markers: markers, label: words["mapLabel", default: "Map"] + (name.map { " · \($0)" } ?? ""))
        let options = provinceOptions(lang, selected: province)
        let title = name.map { "\($0) · \(words["airQuality", default: ""])" } ?? words["title", default: "title"]
        let path = province.map { "/provinces/\($0)" } ?? "/"
        let plans = province == nil ? try await planLinks(lang) : []
        return layout(
            lang, title: title, path: path,
            IndexPage(
                stationCount: stations.count, stations: sorted, map: map, hasOutlines: !areas.isEmpty, provinces: options,
                province: name, currentCount: sorted.filter { $0.latest != nil }.count, plans: plans, hasPlans: !plans.isEmpty))
    }

    /// The provinces' outlines, parsed once per change of what the store holds.
    func mapOutlines() async throws -> [String: MapOutline] {
        let raw = try await services.store.outlines()
        if let cached = pages.caches.outlines.get(), cached.raw == raw { return cached.parsed }
        let parsed = raw.compactMapValues(MapOutline.parse)
        pages.caches.outlines.set((raw, parsed))
        return parsed
    }

    /// Open alerts, then the latest 100, in the page's language.
}

extension WebController {
    /// Sorts the home page's list by distance from the browser's position, with its permission; the page works
    /// without it.
    static let nearMeScript = #"""
        (function(){
          var b=document.getElementById('near-me'), list=document.getElementById('station-list'), st=document.getElementById('near-status');
          if(!navigator.geolocation||!b||!list)return;
          b.hidden=false;
          function km(a,o,c,d){var r=Math.PI/180,x=Math.sin((c-a)*r/2),y=Math.sin((d-o)*r/2),h=x*x+Math.cos(a*r)*Math.cos(c*r)*y*y;return 12742*Math.asin(Math.sqrt(h));}
          b.addEventListener('click',function(){
            st.textContent='…';
            navigator.geolocation.getCurrentPosition(function(p){
              var items=[].slice.call(list.children),la=p.coords.latitude,lo=p.coords.longitude;
              items.forEach(function(li){var a=parseFloat(li.dataset.lat),o=parseFloat(li.dataset.lon);li._d=isNaN(a)||isNaN(o)?1e9:km(la,lo,a,o);
                if(li._d<1e9)li.querySelector('.distance').textContent='· '+li._d.toFixed(1).replace('.',document.documentElement.lang==='vi'?',':'.')+' km';});
              items.sort(function(x,y){return x._d-y._d;}).forEach(function(li){list.appendChild(li);});
              st.textContent=b.dataset.done||'';
            },function(){st.textContent=b.dataset.denied||'';});
          });
        })();
        """#
}

/// A 48-hour bar chart of hourly AQI, drawn as inline SVG.
enum AQIChart {
    static func svg(_ rows: [StoredAQI], end: Int64, categories: VNAQI, lang: Language) -> String {
        let width = 400.0
        let height = 220.0
        let top = 10.0
        let bottom = 26.0
        let left = 34.0
        let slots = 48
        let slot = (width - left) / Double(slots)
        let maxAQI = max(200, ((rows.map(\.result.aqi).max() ?? 0) + 49) / 50 * 50)
        let plot = height - top - bottom
        func y(_ v: Int) -> Double { top + plot - Double(v) / Double(maxAQI) * plot }
        var out =
            ##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \##(Int(width)) \##(Int(height))" width="100%" role="img" aria-label="VN_AQI, 48 h: \##(rows.map { String($0.result.aqi) }.suffix(48).joined(separator: " "))">"##
        for g in stride(from: 0, through: maxAQI, by: 50) {
            out += ##"<line x1="\##(left)" x2="\##(width)" y1="\##(y(g))" y2="\##(y(g))" stroke="#dde5e0"/>"##
            out += ##"<text x="\##(left - 4)" y="\##(y(g) + 4)" font-size="12" text-anchor="end" fill="#3d4a44">\##(g)</text>"##
        }
        let first = end - Int64(slots - 1) * 3600
        for r in rows where r.t >= first && r.t <= end {
            let i = Double((r.t - first) / 3600)
            let c = categories.category(for: r.result.aqi)
            let x = left + i * slot + 1
            out +=
                ##"<rect class="bar" x="\##(x)" y="\##(y(r.result.aqi))" width="\##(slot - 2)" height="\##(Double(r.result.aqi) / Double(maxAQI) * plot)" fill="\##(c.color)" stroke="#888" stroke-width="0.3"><title>\##(Timestamps.format(r.t)) AQI \##(r.result.aqi) \##(c.name(lang))</title></rect>"##
        }
        for k in stride(from: 0, to: slots, by: 12) {
            let t = first + Int64(k) * 3600
            let label = String(Timestamps.format(t).dropFirst(11).prefix(5))
            out += ##"<text x="\##(left + Double(k) * slot)" y="\##(height - 6)" font-size="12" fill="#3d4a44">\##(label)</text>"##
        }
        return out + "</svg>"
    }
}
