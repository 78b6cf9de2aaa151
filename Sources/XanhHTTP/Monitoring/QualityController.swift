import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Completeness, QC overrides, station events (silence, device errors) and the file-name → station mapping.
struct QualityController {
    let services: AppServices

    enum Resolution: String, CaseIterable { case hour, day }

    struct OverrideBody: Decodable {
        var parameter: String?
        var from: String?
        var to: String?
        var flag: String?
        var reason: String?
    }

    struct OverrideView: Encodable {
        var id: Int64
        var parameter: String
        var from: String
        var to: String
        var flag: String
        var reason: String
        var by: String
        var at: String
        init(_ parameter: String, _ o: QCOverride) {
            id = o.id
            self.parameter = parameter
            from = Timestamps.format(o.from)
            to = Timestamps.format(o.to)
            flag = o.flag.key
            reason = o.reason
            by = o.by
            at = Timestamps.format(o.at)
        }
    }

    struct CompletenessRow: Encodable {
        var time: String
        var expected: Double
        var received: Int
        var valid: Int
        var percent: Double
        var validPercent: Double
        var parameters: [String: Double]
    }

    struct EventView: Encodable {
        var id: Int64
        var station: String
        var kind: String
        var parameter: String?
        var start: String
        var end: String?
        var open: Bool
    }

    func register(on api: RouterGroup<AppRequestContext>) {
        api.get("stations/{code}/completeness") { request, context in
            let code = try context.parameters.require("code")
            guard try await services.store.station(code: code) != nil else {
                throw Problem(status: .notFound, detail: "station '\(code)' does not exist")
            }
            let resolution = try request.enumQuery("resolution", default: Resolution.hour)
            let day = resolution == .day
            let (from, to) = try request.timeRange(
                now: services.clock(), defaultSpan: day ? 7 * Timestamps.day : Timestamps.day,
                maxSpan: day ? 366 * Timestamps.day : 31 * Timestamps.day)
            return try JSON.response(Page(items: try await completeness(code, from: from, to: to, day: day), next: nil))
        }

        api.get("stations/{code}/overrides") { request, context in
            let code = try context.parameters.require("code")
            let (from, to) = try request.timeRange(now: services.clock(), defaultSpan: 30 * Timestamps.day)
            let items = try await services.store.overrides(station: code, parameter: request.query("parameter"), from: from, to: to)
            return try JSON.response(Page(items: items.map { OverrideView($0.parameter, $0.override) }, next: nil))
        }

        api.post("stations/{code}/overrides") { request, context in
            let code = try context.parameters.require("code")
            let body = try await JSON.decode(OverrideBody.self, from: request, context)
            var errors: [[String: String]] = []
            func need(_ v: String?, _ f: String) -> String? {
                if (v ?? "").trimmingCharacters(in: .whitespaces).isEmpty { errors.append(["pointer": "/\(f)", "detail": "is required"]) }
                return v
            }
            let parameter = need(body.parameter, "parameter")
            let reason = need(body.reason, "reason")
            let fromText = need(body.from, "from")
            let toText = need(body.to, "to")
            var flag = QCFlag.rejected
            if let f = body.flag {
                if let q = QCFlag(key: f) {
                    flag = q
                } else {
                    errors.append(["pointer": "/flag", "detail": "'\(f)' is not one of \(QCFlag.allCases.map(\.key).joined(separator: ", "))"])
                }
            }
            var from: Int64 = 0
            var to: Int64 = 0
            if let fromText {
                do { from = try Timestamps.parseISO8601(fromText) } catch { errors.append(["pointer": "/from", "detail": "\(error)"]) }
            }
            if let toText { do { to = try Timestamps.parseISO8601(toText) } catch { errors.append(["pointer": "/to", "detail": "\(error)"]) } }
            if errors.isEmpty, from > to { errors.append(["pointer": "/from", "detail": "is after 'to'"]) }
            if errors.isEmpty, to - from > QCOverride.maxSpan { errors.append(["pointer": "/to", "detail": "an override may span at most 31 days"]) }
            guard errors.isEmpty, let parameter, let reason else { throw Problem.invalid(errors) }
            let by = context.caller?.name ?? "api"
            let o = try await services.store.addOverride(
                station: code, parameter: parameter, QCOverride(from: from, to: to, flag: flag, reason: reason, by: by, at: services.clock()))
            let p = services.reference.parameters.lookup(parameter)?.code ?? parameter
            return try JSON.response(OverrideView(p, o), status: .created)
        }

        api.get("station-events") { request, _ in
            let (from, to) = try request.timeRange(now: services.clock(), defaultSpan: 7 * Timestamps.day)
            let kind: StationEventKind? = try request.query("kind").map { _ in try request.enumQuery("kind", default: StationEventKind.silent) }
            let limit = try request.intQuery("limit", default: 1000, range: 1...10_000)
            let items = try await services.store.stationEvents(station: request.query("station"), kind: kind, from: from, to: to, limit: limit)
            return try JSON.response(
                Page(
                    items: items.map {
                        EventView(
                            id: $0.id, station: $0.station, kind: $0.event.kind.rawValue, parameter: $0.event.parameter,
                            start: Timestamps.format($0.event.start),
                            end: $0.event.end.map { Timestamps.format($0) }, open: $0.event.end == nil)
                    }, next: nil))
        }

        api.get("file-names") { _, _ in
            let map = try await services.store.fileNameMap()
            return try JSON.response(Page(items: map.sorted { $0.key < $1.key }.map { ["name": $0.key, "station": $0.value] }, next: nil))
        }
        api.put("file-names/{name}") { request, context in
            let name = try context.parameters.require("name")
            struct Body: Decodable { var station: String? }
            let body = try await JSON.decode(Body.self, from: request, context)
            guard let station = body.station, !station.isEmpty else {
                throw Problem(status: .unprocessableContent, detail: "/station: is required", pointer: "/station")
            }
            try await services.store.mapFileName(name, toStation: station)
            return try JSON.response(["name": name, "station": station])
        }
        api.delete("file-names/{name}") { _, context in
            try await services.store.mapFileName(try context.parameters.require("name"), toStation: nil)
            return Response(status: .noContent)
        }
    }

    /// Completeness per hour or VN_AQI day over the range: records received (flagged ones included) and valid,
    /// against the records expected from each series' reporting interval; hours without data count as 0.
    func completeness(_ code: String, from: Int64, to: Int64, day: Bool) async throws -> [CompletenessRow] {
        let series = try await services.store.hourCounts(station: code, from: from, to: to)
        let firstHour = Timestamps.hourEnd(from)
        let step = day ? Timestamps.day : Timestamps.hour
        let start = day ? Timestamps.dayStart(ofHourEnd: firstHour) : firstHour
        var rows: [CompletenessRow] = []
        var index: [Int64: Int] = [:]
        for t in stride(from: start, through: to, by: Int(step)) {
            index[t] = rows.count
            rows.append(CompletenessRow(time: Timestamps.format(t), expected: 0, received: 0, valid: 0, percent: 0, validPercent: 0, parameters: [:]))
        }
        // Expected records count only the hours inside [from, to]: a partial first or current day is not penalised.
        var hoursIn: [Int: Double] = [:]
        for h in stride(from: firstHour, through: to, by: Int(Timestamps.hour)) {
            if let i = index[day ? Timestamps.dayStart(ofHourEnd: h) : h] { hoursIn[i, default: 0] += 1 }
        }
        for s in series {
            let perHour = Rollup.expectedPerHour(intervalSeconds: s.interval)
            var received: [Int: Int] = [:]
            for c in s.counts {
                guard let i = index[day ? Timestamps.dayStart(ofHourEnd: c.hourEnd) : c.hourEnd] else { continue }
                rows[i].received += c.received
                rows[i].valid += c.valid
                received[i, default: 0] += c.received
            }
            for i in rows.indices {
                let expected = perHour * (hoursIn[i] ?? 0)
                rows[i].expected += expected
                rows[i].parameters[s.parameter] = (Rollup.percent(received: received[i] ?? 0, expected: expected) * 10).rounded() / 10
            }
        }
        for i in rows.indices {
            rows[i].percent = (Rollup.percent(received: rows[i].received, expected: rows[i].expected) * 10).rounded() / 10
            rows[i].validPercent = (Rollup.percent(received: rows[i].valid, expected: rows[i].expected) * 10).rounded() / 10
        }
        return rows
    }
}
