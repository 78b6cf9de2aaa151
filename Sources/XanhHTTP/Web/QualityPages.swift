import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// The QC review queue (`/workspace/quality`): flagged values of the last 7 days that nobody has judged, as runs per
/// series (`QCReview`); a run's page (`/workspace/quality/review`) draws the surrounding raw data, lists the run's
/// values, and takes a decision with a required reason, stored as an override over the run's span (the same store
/// call as `POST /api/v1/stations/{code}/overrides`) and audited. Behind the `quality` permission.
extension WebController {
    /// How far back the queue looks.
    static let reviewWindow: Int64 = 7 * Timestamps.day

    struct RunKey: Sendable {
        var station: String
        var parameter: String
        var from: Int64
        var to: Int64
        var flag: QCFlag
        var query: String { "station=\(Self.q(station))&parameter=\(Self.q(parameter))&from=\(from)&to=\(to)&flag=\(flag.key)" }
        static func q(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? s }
    }

    /// The queue's runs, newest first, with those an override already covers left out (the deriver marks their values
    /// a moment later).
    func reviewRuns() async throws -> [(key: RunKey, run: QCRun)] {
        let now = services.clock()
        let directory = try await services.store.seriesDirectory()
        var names: [Int64: (String, String)] = [:]
        for (code, entry) in directory.stations where entry.active {
            for (parameter, id) in entry.series { names[id] = (code, parameter) }
        }
        let values = try await services.store.flaggedValues(series: names.keys.sorted(), from: now - Self.reviewWindow, to: now, limit: 50_000)
        var out: [(key: RunKey, run: QCRun)] = []
        var overrides: [String: [(parameter: String, override: QCOverride)]] = [:]
        for run in QCReview.runs(values) {
            guard let (station, parameter) = names[run.series] else { continue }
            if overrides[station] == nil {
                overrides[station] = try await services.store.overrides(station: station, parameter: nil, from: now - Self.reviewWindow, to: now)
            }
            let covered = overrides[station, default: []].contains {
                $0.parameter == parameter && $0.override.from <= run.from && run.to <= $0.override.to
            }
            if covered { continue }
            out.append((RunKey(station: station, parameter: parameter, from: run.from, to: run.to, flag: run.flag), run))
        }
        return out.sorted { $0.run.to > $1.run.to }
    }

    func qualityQueue(_ lang: Language, done: Bool) async throws -> WebPage<QualityQueuePage> {
        let words = labels.page(lang)
        let stations = try await services.store.allStations()
        let names = Dictionary(stations.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let rows = try await reviewRuns().prefix(300).map { key, run in
            QualityQueuePage.Row(
                station: names[key.station] ?? key.station, code: key.station, parameter: key.parameter,
                flag: words["qc_\(run.flag.key)", default: run.flag.key], flagKey: run.flag.key,
                from: Self.shortTime(run.from, lang), to: Self.shortTime(run.to, lang), count: String(run.count),
                range: "\(Self.number(run.min, lang)) – \(Self.number(run.max, lang))",
                href: "/workspace/quality/review?lang=\(lang.rawValue)&\(key.query)")
        }
        return layout(
            lang, title: words["qcQueue", default: "QC review"], path: "/workspace/quality",
            QualityQueuePage(rows: Array(rows), hasRows: !rows.isEmpty, done: done ? words["qcDone"] : nil))
    }

    /// The run named by the query (or form), checked against the queue's bounds.
    func runKey(_ fields: [String: String]) throws -> RunKey {
        guard let station = fields["station"], !station.isEmpty, let parameter = fields["parameter"], !parameter.isEmpty else {
            throw Problem(status: .badRequest, detail: "station and parameter are required")
        }
        // Times between 2000 and 2100, so the page's margins and the override's hours never overflow.
        let years: ClosedRange<Int64> = 946_684_800...4_102_444_800
        guard let from = fields["from"].flatMap({ Int64($0) }), let to = fields["to"].flatMap({ Int64($0) }), years.contains(from),
            years.contains(to), from <= to, to - from <= QCOverride.maxSpan
        else {
            throw Problem(status: .badRequest, detail: "from and to must be times (seconds, 2000 to 2100) with from ≤ to, at most 31 days apart")
        }
        guard let flag = fields["flag"].flatMap(QCFlag.init(key:)) else { throw Problem(status: .badRequest, detail: "flag: no such QC flag") }
        return RunKey(station: station, parameter: parameter, from: from, to: to, flag: flag)
    }

    func qualityReview(_ key: RunKey, _ lang: Language, csrf: String, error: String? = nil) async throws -> WebPage<QualityReviewPage> {
        let words = labels.page(lang)
        guard let station = try await services.store.station(code: key.station) else {
            throw Problem(status: .notFound, detail: "station '\(key.station)' does not exist")
        }
        let margin: Int64 = 6 * 3600
        let from = key.from - margin
        let to = key.to + margin
        let raw = try await services.store.rawSeries(station: key.station, parameter: key.parameter, from: from, to: to, limit: 20_000)
        let unit = services.reference.parameters.lookup(key.parameter)?.unit ?? ""
        let inRun = raw.filter { $0.t >= key.from && $0.t <= key.to }
        let ticks = stride(from: Timestamps.hourEnd(from), through: to, by: Int(3 * 3600)).map { $0 }
        let title = "\(key.station) · \(key.parameter) (\(unit)) · \(Self.shortTime(from, lang)) – \(Self.shortTime(to, lang))"
        let summary = (words["qcChartSummary", default: "{n} {flag} {from} {to}"])
            .replacingOccurrences(of: "{n}", with: String(inRun.count))
            .replacingOccurrences(of: "{flag}", with: words["qc_\(key.flag.key)", default: key.flag.key])
            .replacingOccurrences(of: "{from}", with: Self.shortTime(key.from, lang))
            .replacingOccurrences(of: "{to}", with: Self.shortTime(key.to, lang))
        let chart = TimeSeriesChart(
            points: raw.map { .init(t: $0.t, value: $0.value) }, from: from, to: to,
            step: Int64(station.parameters.first { $0.parameter == key.parameter }?.interval ?? 300), limit: nil, title: title,
            description: summary, lang: lang, tickLabel: { String(Self.shortTime($0, lang).prefix(5)) }, ticks: ticks)
        return layout(
            lang, title: "\(words["qcReview", default: "Review"]) · \(station.name) · \(key.parameter)", path: "/workspace/quality/review",
            QualityReviewPage(
                station: station.name, code: station.code, parameter: key.parameter, unit: unit,
                flag: words["qc_\(key.flag.key)", default: key.flag.key], from: Self.shortTime(key.from, lang), to: Self.shortTime(key.to, lang),
                count: String(inRun.count), svg: chart.svg(id: "run"), summary: summary,
                rowsHTML: Self.tableRows(
                    inRun.prefix(500).map {
                        [Self.shortTime($0.t, lang), Self.number($0.value, lang, digits: 2), words["qc_\($0.qc.flag.key)", default: $0.qc.flag.key]]
                    }),
                csrf: csrf,
                fields: [
                    .init(name: "station", value: key.station), .init(name: "parameter", value: key.parameter),
                    .init(name: "from", value: String(key.from)), .init(name: "to", value: String(key.to)),
                    .init(name: "flag", value: key.flag.key),
                ], action: "/workspace/quality/review?lang=\(lang.rawValue)", error: error))
    }

    func registerQualityPages(on router: Router<AppRequestContext>) {
        router.get("workspace/quality") { request, context in
            try await htmlErrors(request, context) {
                pages.response("quality-queue", try await qualityQueue(Self.language(request), done: request.query("done") != nil))
            }
        }
        router.get("workspace/quality/review") { request, context in
            try await htmlErrors(request, context) {
                var fields: [String: String] = [:]
                for name in ["station", "parameter", "from", "to", "flag"] { fields[name] = request.query(name) }
                return pages.response(
                    "quality-review", try await qualityReview(try runKey(fields), Self.language(request), csrf: context.session?.csrf ?? ""))
            }
        }
        router.post("workspace/quality/review") { request, context in
            let lang = Self.language(request)
            return try await htmlErrors(request, context) {
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let key = try runKey(form)
                let reason = form["reason", default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
                let words = labels.page(lang)
                guard let decision = form["decision"].flatMap(QCDecision.init(rawValue:)), !reason.isEmpty, reason.count <= 2000 else {
                    let why = form["decision"].flatMap(QCDecision.init(rawValue:)) == nil ? "qcDecisionNeeded" : "qcReasonNeeded"
                    let page = try await qualityReview(key, lang, csrf: context.session?.csrf ?? "", error: words[why, default: why])
                    return pages.response("quality-review", page, status: .unprocessableContent)
                }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                let o = try await services.store.addOverride(
                    station: key.station, parameter: key.parameter,
                    QCOverride(
                        from: key.from, to: key.to, flag: decision.flag(for: key.flag), reason: reason, by: caller.name, at: services.clock()))
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/quality/review", entity: "overrides",
                    key: "\(key.station)/\(key.parameter)",
                    after: IndicatorJSON.encode([
                        "id": String(o.id), "decision": decision.rawValue, "flag": o.flag.key, "from": Timestamps.format(key.from),
                        "to": Timestamps.format(key.to), "reason": String(reason.prefix(500)),
                    ]))
                return Response(status: .seeOther, headers: [.location: "/workspace/quality?lang=\(lang.rawValue)&done=1"])
            }
        }
    }
}

/// `/workspace/quality`.
struct QualityQueuePage: Sendable {
    struct Row: Sendable {
        var station: String
        var code: String
        var parameter: String
        var flag: String
        var flagKey: String
        var from: String
        var to: String
        var count: String
        var range: String
        var href: String
    }
    var rows: [Row]
    var hasRows: Bool
    var done: String?
}

/// `/workspace/quality/review`.
struct QualityReviewPage: Sendable {
    struct Field: Sendable {
        var name: String
        var value: String
    }
    var station: String
    var code: String
    var parameter: String
    var unit: String
    var flag: String
    var from: String
    var to: String
    var count: String
    var svg: String
    var summary: String
    var rowsHTML: String
    var csrf: String
    var fields: [Field]
    var action: String
    var error: String?
}
