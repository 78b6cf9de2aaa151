import Foundation
import Hummingbird
import XanhCore
import XanhServices

/// Water quality (decision 0019): `POST /api/v1/wqi`, the VN_WQI calculator over one set of values (public; it reads
/// nothing stored and stores nothing); `POST /api/v1/samples` (manual and laboratory samples, the `observe`
/// permission, held to the caller's stations) and `GET /api/v1/samples`; `GET /api/v1/stations/{code}/wqi`.
struct WaterController {
    let services: AppServices

    func register(on api: RouterGroup<AppRequestContext>) {
        api.post("wqi", use: calculate)
        api.post("samples", use: addSamples)
        api.get("samples", use: listSamples)
        api.get("samples/template", use: template)
        api.get("stations/{code}/wqi", use: stationWQI)
    }

    /// A sample as sent: time in ISO 8601; a value is a number, or "< 0.005" (below that detection limit), or
    /// `belowDetection` with `detectionLimit`.
    struct SampleInput: Decodable {
        struct Value: Decodable {
            var parameter: String
            var value: Double?
            var belowDetection: Bool
            var detectionLimit: Double?
            var unit: String
            var method: String?
            enum CodingKeys: String, CodingKey { case parameter, value, belowDetection, detectionLimit, unit, method }
            init(from decoder: any Decoder) throws {
                let c = try decoder.container(keyedBy: CodingKeys.self)
                parameter = try c.decode(String.self, forKey: .parameter)
                unit = try c.decodeIfPresent(String.self, forKey: .unit) ?? ""
                method = try c.decodeIfPresent(String.self, forKey: .method)
                belowDetection = try c.decodeIfPresent(Bool.self, forKey: .belowDetection) ?? false
                detectionLimit = try c.decodeIfPresent(Double.self, forKey: .detectionLimit)
                if let text = try? c.decodeIfPresent(String.self, forKey: .value) {
                    guard let lod = SampleText.belowLimit(text) else {
                        throw DecodingError.dataCorruptedError(
                            forKey: .value, in: c, debugDescription: "a number, or '< LIMIT' for a value below detection")
                    }
                    belowDetection = true
                    detectionLimit = lod
                } else {
                    value = try c.decodeIfPresent(Double.self, forKey: .value)
                }
            }
        }
        var station: String
        var time: String
        var campaign: String?
        var laboratory: String?
        var accreditation: String?
        var note: String?
        var values: [Value]

        func sample(pointer: String) throws -> Sample {
            guard let t = try? Timestamps.parseISO8601(time) else {
                throw Problem(
                    status: .unprocessableContent, detail: "\(pointer)/time: '\(time.prefix(40))' is not an ISO 8601 time", pointer: pointer + "/time"
                )
            }
            return Sample(
                station: station, time: t, campaign: campaign, laboratory: laboratory, accreditation: accreditation,
                values: values.map {
                    SampleValue(
                        parameter: $0.parameter, value: $0.value, belowDetection: $0.belowDetection, detectionLimit: $0.detectionLimit, unit: $0.unit,
                        method: $0.method)
                }, note: note)
        }
    }

    struct SampleBatch: Decodable { var items: [SampleInput] }

    /// An automatic station's index by hour or by day.
    enum Period: String, CaseIterable { case hour, day }

    /// A stored sample as answered: the time in +07:00 and the WQI's band beside it.
    struct SampleOut: Encodable {
        var station: String
        var time: String
        var campaign: String?
        var laboratory: String?
        var accreditation: String?
        var note: String?
        var values: [SampleValue]
        var wqi: Answer?
        var lodRule: String?
    }

    func out(_ s: Sample) -> SampleOut {
        SampleOut(
            station: s.station, time: Timestamps.format(s.time), campaign: s.campaign, laboratory: s.laboratory, accreditation: s.accreditation,
            note: s.note, values: s.values, wqi: s.wqi.map { Self.answer($0, source: services.reference.wqi.table.source) },
            lodRule: s.lodRule?.rawValue)
    }

    static func settings(_ request: Request) throws -> (SampleRules.LODRule, VNWQI.Settings) {
        let lod = try request.enumQuery("lod", default: SampleRules.LODRule.half)
        let settings = VNWQI.Settings(
            aggregation: try request.enumQuery("aggregation", default: VNWQI.Aggregation.sqrt),
            heptachlor: try request.enumQuery("heptachlor", default: VNWQI.HeptachlorRule.summed))
        return (lod, settings)
    }

    /// `GET /api/v1/samples/template`: the XLSX a laboratory fills in (Vietnamese headers with keys, one row per value).
    @Sendable func template(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let stations = try await services.store.allStations().filter { $0.kind == .surfaceWater }.map(\.code).sorted()
        let data = try SampleSheet.template(parameters: services.reference.waterParameters, stations: stations)
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                .contentDisposition: "attachment; filename=\"xanh-mau-nuoc.xlsx\"",
            ], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `POST /api/v1/samples`: one sample, or `{"items": […]}`, as JSON; or the filled template (XLSX) or a CSV with
    /// its columns; all or none.
    @Sendable func addSamples(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let type = (request.headers[.contentType] ?? "").lowercased()
        let (lod, settings) = try Self.settings(request)
        let scope = context.caller?.scope ?? .province
        if type.hasPrefix("text/csv") || type.contains("spreadsheetml") {
            let data = Data(buffer: try await request.bodyBytes())
            let rows: [SampleSheet.Row]
            do {
                if type.hasPrefix("text/csv") {
                    guard let text = String(data: data, encoding: .utf8) else {
                        throw Problem(status: .badRequest, detail: "the CSV is not UTF-8")
                    }
                    rows = try SampleSheet.rows(csv: text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
                } else {
                    rows = try SampleSheet.rows(xlsx: data, bounds: XLSX.Bounds(context.limits))
                }
            } catch let e as XLSX.ReadError {
                throw Problem(status: .badRequest, detail: e.message)
            }
            let reads: [SampleSheet.Read]
            switch SampleSheet.samples(rows) {
            case .success(let r): reads = r
            case .failure(let problems): throw problems
            }
            guard (1...1000).contains(reads.count) else {
                throw Problem(status: .unprocessableContent, detail: "1 to 1000 samples in one file (\(reads.count) found)")
            }
            let (added, stored) = try await services.samples.store(sheet: reads, scope: scope, lod: lod, settings: settings)
            return try sampleAnswer(added, stored)
        }
        let buffer = try await request.bodyBytes()
        try JSONDepth.check(buffer.readableBytesView, max: context.limits.maxJSONDepth)
        let data = Data(buffer: buffer)
        let inputs: [SampleInput]
        do {
            if let batch = try? JSONDecoder().decode(SampleBatch.self, from: data) {
                inputs = batch.items
            } else {
                inputs = [try JSONDecoder().decode(SampleInput.self, from: data)]
            }
        } catch let e as DecodingError {
            throw Problem(status: .badRequest, detail: JSON.describe(e), pointer: JSON.pointer(e))
        }
        guard (1...1000).contains(inputs.count) else {
            throw Problem(status: .unprocessableContent, detail: "/items: 1 to 1000 samples in one request", pointer: "/items")
        }
        let samples = try inputs.enumerated().map { try $0.element.sample(pointer: inputs.count == 1 ? "" : "/items/\($0.offset)") }
        let (added, stored) = try await services.samples.store(samples, scope: scope, lod: lod, settings: settings)
        return try sampleAnswer(added, stored)
    }

    func sampleAnswer(_ added: Int, _ stored: [Sample]) throws -> Response {
        struct Out: Encodable {
            var added: Int
            var replaced: Int
            var items: [SampleOut]
        }
        return try JSON.response(Out(added: added, replaced: stored.count - added, items: stored.map(out)), status: added > 0 ? .created : .ok)
    }

    /// `GET /api/v1/samples?station=&campaign=&from=&to=&limit=`.
    @Sendable func listSamples(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let from = try request.timeQuery("from")
        let to = try request.timeQuery("to")
        let limit = try request.intQuery("limit", default: 1000, range: 1...10_000)
        let items = try await services.store.samples(
            station: request.query("station"), campaign: request.query("campaign"), from: from, to: to, limit: limit)
        return try JSON.response(Page(items: items.map(out), next: nil))
    }

    /// `GET /api/v1/stations/{code}/wqi?from=&to=&period=hour|day`: VN_WQI of the station's samples over the range,
    /// and of its hours or days when it is an automatic station; the reasons the other hours have none, counted.
    @Sendable func stationWQI(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        guard let station = try await services.store.station(code: code) else {
            throw Problem(status: .notFound, detail: "station '\(code.prefix(64))' does not exist")
        }
        let day = try request.enumQuery("period", default: Period.hour) == .day
        let now = services.clock()
        let to = try request.timeQuery("to") ?? now + Timestamps.hour
        let span: Int64 = day ? 366 * Timestamps.day : 31 * Timestamps.day
        // Samples: all of them unless `from` says otherwise; an automatic station's hours: the last 7 days (30 for days).
        let asked = try request.timeQuery("from")
        let from = asked ?? (to - (day ? 30 : 7) * Timestamps.day)
        guard from < to, to - from <= span || station.parameters.isEmpty else {
            throw Problem(status: .badRequest, detail: "from must be before to, at most \(day ? 366 : 31) days apart", pointer: "from")
        }
        let samples = try await services.store.samples(station: code, campaign: nil, from: asked, to: to, limit: 10_000)
        struct Item: Encodable {
            var time: String
            var source: String
            var campaign: String?
            var hours: Int?
            var wqi: Answer
        }
        struct Out: Encodable {
            var items: [Item]
            var next: String?
            /// Why the automatic station's other hours or days have no index, with how many.
            var notComputable: [String: Int]
            func encode(to encoder: any Encoder) throws {
                var c = encoder.container(keyedBy: CodingKeys.self)
                try c.encode(items, forKey: .items)
                try c.encode(next, forKey: .next)
                try c.encode(notComputable, forKey: .notComputable)
            }
            enum CodingKeys: String, CodingKey { case items, next, notComputable }
        }
        let source = services.reference.wqi.table.source
        var items: [(Int64, Item)] = samples.compactMap { s in
            s.wqi.map {
                (
                    s.time,
                    Item(time: Timestamps.format(s.time), source: "sample", campaign: s.campaign, hours: nil, wqi: Self.answer($0, source: source))
                )
            }
        }
        var reasons: [String: Int] = [:]
        if !station.parameters.isEmpty {
            for p in try await services.automaticWQI.points(station, from: from, to: to, day: day) {
                if p.result.wqi == nil {
                    for r in p.result.notComputable { reasons[r, default: 0] += 1 }
                    continue
                }
                items.append(
                    (
                        p.t,
                        Item(
                            time: Timestamps.format(p.t), source: day ? "daily" : "hourly", campaign: nil, hours: p.hours,
                            wqi: Self.answer(p.result, source: source))
                    ))
            }
        }
        return try JSON.response(Out(items: items.sorted { $0.0 < $1.0 }.map(\.1), next: nil, notComputable: reasons))
    }

    /// The body: the decision's names with numbers, and the two settings.
    struct Input: Decodable {
        var values: [String: Double] = [:]
        var settings = VNWQI.Settings.standard

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            for key in c.allKeys.prefix(100) {
                switch key.stringValue {
                case "aggregation":
                    let text = try c.decode(String.self, forKey: key)
                    guard let a = VNWQI.Aggregation(rawValue: text) else {
                        throw Problem(status: .unprocessableContent, detail: "/aggregation: must be sqrt or weighted", pointer: "/aggregation")
                    }
                    settings.aggregation = a
                case "heptachlor":
                    let text = try c.decode(String.self, forKey: key)
                    guard let h = VNWQI.HeptachlorRule(rawValue: text) else {
                        throw Problem(status: .unprocessableContent, detail: "/heptachlor: must be summed or separate", pointer: "/heptachlor")
                    }
                    settings.heptachlor = h
                case let name where VNWQI.names.contains(name):
                    // A null is a value not measured.
                    guard let v = try c.decodeIfPresent(Double.self, forKey: key) else { continue }
                    guard v.isFinite else {
                        throw Problem(status: .unprocessableContent, detail: "/\(name): must be a finite number", pointer: "/\(name)")
                    }
                    values[name] = v
                default:
                    throw Problem(
                        status: .unprocessableContent,
                        detail:
                            "/\(key.stringValue.prefix(64)): not a VN_WQI parameter; the names are \(VNWQI.names.joined(separator: ", ")), aggregation and heptachlor",
                        pointer: "/\(key.stringValue.prefix(64))")
                }
            }
        }
    }

    /// The answer: the index, its band in both languages, every sub-index and group score, what was missing or
    /// unused, why there is no index when there is none, the settings and the table's version.
    struct Answer: Encodable {
        var wqi: Int?
        var exact: Double?
        var computable: Bool
        var band: String?
        var bandName: String?
        var bandNameEn: String?
        var color: String?
        var use: String?
        var useEn: String?
        var subIndices: [String: Double]
        var groups: [String: Double]
        var missing: [String]
        var unused: [String]
        var notComputable: [String]
        var aggregation: String
        var heptachlor: String
        var version: String
        var source: String

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            // An index not computable is `null`, not absent; so are its band's fields.
            try c.encode(wqi, forKey: .wqi)
            try c.encode(exact, forKey: .exact)
            try c.encode(computable, forKey: .computable)
            try c.encode(band, forKey: .band)
            try c.encode(bandName, forKey: .bandName)
            try c.encode(bandNameEn, forKey: .bandNameEn)
            try c.encode(color, forKey: .color)
            try c.encode(use, forKey: .use)
            try c.encode(useEn, forKey: .useEn)
            try c.encode(subIndices, forKey: .subIndices)
            try c.encode(groups, forKey: .groups)
            try c.encode(missing, forKey: .missing)
            try c.encode(unused, forKey: .unused)
            try c.encode(notComputable, forKey: .notComputable)
            try c.encode(aggregation, forKey: .aggregation)
            try c.encode(heptachlor, forKey: .heptachlor)
            try c.encode(version, forKey: .version)
            try c.encode(source, forKey: .source)
        }
        enum CodingKeys: String, CodingKey {
            case wqi, exact, computable, band, bandName, bandNameEn, color, use, useEn, subIndices, groups, missing, unused, notComputable,
                aggregation, heptachlor, version, source
        }
    }

    static func answer(_ r: VNWQI.Result, source: String) -> Answer {
        Answer(
            wqi: r.wqi, exact: r.exact, computable: r.wqi != nil, band: r.band?.key, bandName: r.band?.nameVi, bandNameEn: r.band?.nameEn,
            color: r.band?.color, use: r.band?.useVi, useEn: r.band?.useEn, subIndices: r.subIndices, groups: r.groups, missing: r.missing,
            unused: r.unused, notComputable: r.notComputable, aggregation: r.settings.aggregation.rawValue,
            heptachlor: r.settings.heptachlor.rawValue,
            version: r.version, source: source)
    }

    @Sendable func calculate(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let input = try await JSON.decode(Input.self, from: request, context)
        let wqi = services.reference.wqi
        return try JSON.response(Self.answer(wqi.compute(input.values, settings: input.settings), source: wqi.table.source))
    }
}
