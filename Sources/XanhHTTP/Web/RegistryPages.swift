import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// The station registry in the browser (`/workspace/stations`, the `registry` permission): every station with its
/// kind, province, facility, parameters and limits; a form (`/workspace/stations/edit`) to add one or change one —
/// name, kind, province, facility, position, parameters with their intervals, silence threshold, and a facility's
/// limits (QCVN 19 or 40, the column, Kp·Kv or Kq·Kf). Checked by `RegistryService`, as the API; audited.
extension WebController {
    func stationsPage(_ lang: Language, done: Bool) async throws -> WebPage<StationsPage> {
        let words = labels.page(lang)
        let facilities = try await services.store.facilities(after: nil, limit: 10_000)
        let facilityNames = Dictionary(facilities.compactMap { f in f.id.map { ($0, f.name) } }, uniquingKeysWith: { a, _ in a })
        let provinces = Dictionary(services.reference.provinces.map { ($0.code, $0.nameVi) }, uniquingKeysWith: { a, _ in a })
        let rows = try await services.store.allStations().sorted { ($0.province, $0.code) < ($1.province, $1.code) }.map { s in
            StationsPage.Row(
                code: s.code, name: s.name, kind: labels.kind(s.kind, lang), province: provinces[s.province] ?? s.province,
                facility: s.facility.map { facilityNames[$0] ?? "#\($0)" } ?? "–",
                parameters: s.parameters.map { "\($0.parameter) (\($0.interval / 60) \(words["minutes", default: "min"]))" }.joined(separator: ", "),
                limits: s.limits.map { "\($0.family) \($0.column) · \(Self.number($0.k1, lang, digits: 2)) × \(Self.number($0.k2, lang, digits: 2))" }
                    ?? "–",
                active: s.active, edit: "/workspace/stations/edit?lang=\(lang.rawValue)&code=\(Self.query(s.code))")
        }
        return layout(
            lang, title: words["stationRegistry", default: "Stations"], path: "/workspace/stations",
            StationsPage(
                rows: rows, add: "/workspace/stations/edit?lang=\(lang.rawValue)", done: done ? words["saved", default: "saved"] : nil))
    }

    /// The form's fields, from a station (or empty for a new one).
    static func stationFields(_ s: Station?) -> [String: String] {
        guard let s else { return ["active": "on", "silence": "30"] }
        var f: [String: String] = [
            "code": s.code, "name": s.name, "kind": s.kind.rawValue, "province": s.province, "facility": s.facility.map(String.init) ?? "",
            "latitude": s.latitude.map { String($0) } ?? "", "longitude": s.longitude.map { String($0) } ?? "",
            "parameters": s.parameters.map { "\($0.parameter):\($0.interval / 60)" }.joined(separator: ", "),
            "silence": String((s.silenceAfter ?? Station.defaultSilenceAfter) / 60), "active": s.active ? "on" : "",
        ]
        if let l = s.limits {
            f["family"] = l.family
            f["column"] = l.column
            f["k1"] = String(l.k1)
            f["k2"] = String(l.k2)
        }
        return f
    }

    func stationForm(
        _ lang: Language, csrf: String, existing: Bool, fields: [String: String], problems: [String] = []
    ) async throws -> WebPage<StationFormPage> {
        let words = labels.page(lang)
        func options(_ values: [(String, String)], _ chosen: String?) -> [ProgressPage.Option] {
            values.map { ProgressPage.Option(value: $0.0, label: $0.1, selected: $0.0 == chosen) }
        }
        let facilities = try await services.store.facilities(after: nil, limit: 10_000).compactMap { f in f.id.map { (String($0), f.name) } }
        return layout(
            lang, title: words[existing ? "stationEdit" : "stationAdd", default: "Station"], path: "/workspace/stations/edit",
            StationFormPage(
                existing: existing, code: fields["code"] ?? "", name: fields["name"] ?? "",
                kinds: options(StationKind.allCases.map { ($0.rawValue, labels.kind($0, lang)) }, fields["kind"]),
                provinces: options(services.reference.provinces.map { ($0.code, $0.nameVi) }, fields["province"]),
                facilities: options([("", "—")] + facilities, fields["facility"] ?? ""), latitude: fields["latitude"] ?? "",
                longitude: fields["longitude"] ?? "", parameters: fields["parameters"] ?? "", silence: fields["silence"] ?? "",
                active: fields["active"] == "on",
                families: options(
                    [
                        ("", "—"), ("QCVN19", "QCVN 19 · \(labels.kind(.emissionStack, lang))"),
                        ("QCVN40", "QCVN 40 · \(labels.kind(.wastewater, lang))"),
                    ],
                    fields["family"] ?? ""),
                column: fields["column"] ?? "", k1: fields["k1"] ?? "1", k2: fields["k2"] ?? "1", csrf: csrf,
                action: "/workspace/stations/edit?lang=\(lang.rawValue)" + (existing ? "&code=\(Self.query(fields["code"] ?? ""))" : ""),
                problems: problems, hasProblems: !problems.isEmpty))
    }

    /// A station from the form, or what is wrong with the form's numbers (the registry checks the rest).
    struct FormProblems: Error { var lines: [String] }

    static func station(from f: [String: String], code: String, words: [String: String]) -> Result<Station, FormProblems> {
        var problems: [String] = []
        func number(_ name: String) -> Double? {
            let t = f[name, default: ""].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: ".")
            if t.isEmpty { return nil }
            guard let d = Double(t), d.isFinite else {
                problems.append("\(words["field_" + name, default: name]): '\(t.prefix(40))' \(words["notANumber", default: "is not a number"])")
                return nil
            }
            return d
        }
        let kind = StationKind(rawValue: f["kind", default: ""]) ?? .other
        var parameters: [StationParameter] = []
        for (i, item) in f["parameters", default: ""].split(separator: ",").prefix(200).enumerated() {
            let parts = item.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = parts.first, !name.isEmpty else { continue }
            let minutes = parts.count > 1 ? Int(parts[1]) : 5
            guard let m = minutes, (1...1440).contains(m) else {
                problems.append("\(words["field_parameters", default: "parameters"]) \(i + 1): '\(item.prefix(40))'")
                continue
            }
            parameters.append(StationParameter(parameter: name, interval: m * 60))
        }
        // Minutes; anything past the validator's bounds (60 s to 30 days) is refused by it, never converted past Int.
        let silence = number("silence").map { abs($0) < 1e7 ? Int(($0 * 60).rounded()) : -1 }
        var limits: FacilityLimitConfig?
        if let family = f["family"], !family.isEmpty {
            limits = FacilityLimitConfig(
                family: family, column: f["column", default: ""].trimmingCharacters(in: .whitespaces).uppercased(), k1: number("k1") ?? 1,
                k2: number("k2") ?? 1)
        }
        let facility = Int64(f["facility", default: ""])
        let s = Station(
            code: code, name: f["name", default: ""].trimmingCharacters(in: .whitespacesAndNewlines), kind: kind,
            province: f["province", default: ""],
            facility: facility, latitude: number("latitude"), longitude: number("longitude"), parameters: parameters, active: f["active"] == "on",
            silenceAfter: silence, limits: limits)
        return problems.isEmpty ? .success(s) : .failure(FormProblems(lines: problems))
    }

    func registerRegistryPages(on router: Router<AppRequestContext>) {
        router.get("workspace/stations") { request, context in
            try await htmlErrors(request, context) {
                pages.response("stations", try await stationsPage(Self.language(request), done: request.query("done") != nil))
            }
        }
        router.get("workspace/stations/edit") { request, context in
            try await htmlErrors(request, context) {
                let lang = Self.language(request)
                var station: Station?
                if let code = request.query("code") {
                    guard let s = try await services.store.station(code: code) else {
                        throw Problem(status: .notFound, detail: "no station '\(code.prefix(64))'")
                    }
                    station = s
                }
                return pages.response(
                    "station-form",
                    try await stationForm(lang, csrf: context.session?.csrf ?? "", existing: station != nil, fields: Self.stationFields(station)))
            }
        }
        router.post("workspace/stations/edit") { request, context in
            try await htmlErrors(request, context) {
                let lang = Self.language(request)
                let words = labels.page(lang)
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let csrf = context.session?.csrf ?? ""
                let existing = request.query("code")
                if let code = existing, try await services.store.station(code: code) == nil {
                    throw Problem(status: .notFound, detail: "no station '\(code.prefix(64))'")
                }
                let code = existing ?? form["code", default: ""].trimmingCharacters(in: .whitespaces)
                var fields = form
                fields["code"] = code
                let station: Station
                switch Self.station(from: form, code: code, words: words) {
                case .failure(let problems):
                    return pages.response(
                        "station-form", try await stationForm(lang, csrf: csrf, existing: existing != nil, fields: fields, problems: problems.lines),
                        status: .unprocessableContent)
                case .success(let s): station = s
                }
                let saved: Station
                do {
                    saved = existing == nil ? try await services.registry.createStation(station) : try await services.registry.updateStation(station)
                } catch StoreError.invalid(let problems) {
                    return pages.response(
                        "station-form",
                        try await stationForm(lang, csrf: csrf, existing: existing != nil, fields: fields, problems: problemLines(problems, words)),
                        status: .unprocessableContent)
                } catch StoreError.conflict(let why) {
                    return pages.response(
                        "station-form", try await stationForm(lang, csrf: csrf, existing: existing != nil, fields: fields, problems: [why]),
                        status: .conflict)
                }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/stations/edit", entity: "station", key: saved.code,
                    after: String(decoding: try JSONEncoder().encode(saved), as: UTF8.self))
                return Response(status: .seeOther, headers: [.location: "/workspace/stations?lang=\(lang.rawValue)&done=1"])
            }
        }
    }
}

/// `/workspace/stations`.
struct StationsPage: Sendable {
    struct Row: Sendable {
        var code, name, kind, province, facility, parameters, limits: String
        var active: Bool
        var edit: String
    }
    var rows: [Row]
    var add: String
    var done: String?
}

/// `/workspace/stations/edit`.
struct StationFormPage: Sendable {
    var existing: Bool
    var code, name: String
    var kinds, provinces, facilities: [ProgressPage.Option]
    var latitude, longitude, parameters, silence: String
    var active: Bool
    var families: [ProgressPage.Option]
    var column, k1, k2, csrf, action: String
    var problems: [String]
    var hasProblems: Bool
}
