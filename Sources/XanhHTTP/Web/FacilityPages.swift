import Foundation
import Hummingbird
import XanhCore
import XanhServices
import XanhStore

/// Facilities and Circular 10 file names in the browser (the `registry` permission). `/workspace/facilities`: every
/// facility with its tax code, sector, province, address and stations, and one form that adds one or changes the one
/// chosen (checked by `RegistryService`, as the API). `/workspace/file-names`: which station a file named
/// `Province_Facility_Station_…` (or its station part) goes to, a form to map one, and removal. Each change audited.
extension WebController {
    func facilitiesPage(
        _ lang: Language, csrf: String, editing: Int64?, fields: [String: String]? = nil, problems: [String] = [], done: Bool = false
    )
        async throws -> WebPage<FacilitiesPage>
    {
        let words = labels.page(lang)
        let facilities = try await services.store.facilities(after: nil, limit: 10_000)
        let stations = try await services.store.allStations()
        let provinces = Dictionary(services.reference.provinces.map { ($0.code, $0.nameVi) }, uniquingKeysWith: { a, _ in a })
        let rows = facilities.map { f in
            FacilitiesPage.Row(
                id: f.id.map(String.init) ?? "", name: f.name, taxCode: f.taxCode ?? "–", sector: f.sector ?? "–",
                province: provinces[f.province] ?? f.province, address: f.address ?? "–",
                stations: stations.filter { $0.facility != nil && $0.facility == f.id }.map(\.code).sorted().joined(separator: ", "),
                active: f.active,
                edit: "/workspace/facilities?lang=\(lang.rawValue)&id=\(f.id ?? 0)#facility-form")
        }
        let chosen = editing.flatMap { id in facilities.first { $0.id == id } }
        var f = fields ?? [:]
        if fields == nil {
            f = [
                "name": chosen?.name ?? "", "taxCode": chosen?.taxCode ?? "", "sector": chosen?.sector ?? "", "province": chosen?.province ?? "",
                "address": chosen?.address ?? "", "active": chosen?.active == false ? "" : "on",
            ]
        }
        return layout(
            lang, title: words["facilities", default: "Facilities"], path: "/workspace/facilities",
            FacilitiesPage(
                rows: rows, editing: editing.map(String.init), name: f["name", default: ""], taxCode: f["taxCode", default: ""],
                sector: f["sector", default: ""], address: f["address", default: ""], active: f["active"] == "on",
                provinces: services.reference.provinces.map {
                    ProgressPage.Option(value: $0.code, label: $0.nameVi, selected: $0.code == f["province"])
                },
                csrf: csrf, action: "/workspace/facilities?lang=\(lang.rawValue)" + (editing.map { "&id=\($0)" } ?? ""),
                add: "/workspace/facilities?lang=\(lang.rawValue)#facility-form", problems: problems, hasProblems: !problems.isEmpty,
                done: done ? words["saved", default: "saved"] : nil))
    }

    /// A registry's refusal as lines of the page: the field's label, then what is wrong.
    /// `renamed` gives a field the label of another (a facility's `name` is not a station's).
    func problemLines(_ problems: [RegistryValidation.Problem], _ words: PageLabels.Section, renamed: [String: String] = [:]) -> [String] {
        problems.map { p in
            let field = p.field.split(separator: "/").first.map(String.init) ?? p.field
            return "\(words["field_" + (renamed[field] ?? field), default: p.field]): \(p.message)"
        }
    }

    func fileNamesPage(_ lang: Language, csrf: String, error: String? = nil, done: Bool = false) async throws -> WebPage<FileNamesPage> {
        let words = labels.page(lang)
        let stations = try await services.store.allStations().sorted { $0.code < $1.code }
        let names = Dictionary(stations.map { ($0.code, $0.name) }, uniquingKeysWith: { a, _ in a })
        let rows = try await services.store.fileNameMap().sorted { $0.key < $1.key }.map {
            FileNamesPage.Row(
                name: $0.key, station: $0.value, stationName: names[$0.value] ?? "", href: "/stations/\(Self.query($0.value))?lang=\(lang.rawValue)")
        }
        return layout(
            lang, title: words["fileNames", default: "File names"], path: "/workspace/file-names",
            FileNamesPage(
                rows: rows, hasRows: !rows.isEmpty, stations: stations.map { KeysPage.Option(value: $0.code, label: "\($0.code) · \($0.name)") },
                csrf: csrf, action: "/workspace/file-names?lang=\(lang.rawValue)", error: error, done: done ? words["saved", default: "saved"] : nil))
    }

    /// A file name's mapping key: 1 to 200 characters of letters, digits, `_`, `-` and `.`, as Circular 10 names are
    /// made (Province_Facility_Station), without the time stamp.
    static func validFileName(_ name: String) -> Bool {
        (1...200).contains(name.count)
            && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0) }
    }

    func registerFacilityPages(on router: Router<AppRequestContext>) {
        router.get("workspace/facilities") { request, context in
            try await htmlErrors(request, context) {
                let editing = request.query("id").flatMap { Int64($0) }
                if let id = editing, try await services.store.facility(id: id) == nil {
                    throw Problem(status: .notFound, detail: "no facility \(id)")
                }
                return pages.response(
                    "facilities",
                    try await facilitiesPage(
                        Self.language(request), csrf: context.session?.csrf ?? "", editing: editing, done: request.query("done") != nil))
            }
        }
        router.post("workspace/facilities") { request, context in
            try await htmlErrors(request, context) {
                let lang = Self.language(request)
                let words = labels.page(lang)
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let csrf = context.session?.csrf ?? ""
                var editing: Int64?
                if let text = request.query("id") {
                    guard let id = Int64(text), let before = try await services.store.facility(id: id) else {
                        throw Problem(status: .notFound, detail: "no facility '\(text.prefix(40))'")
                    }
                    editing = before.id
                }
                func field(_ name: String) -> String? {
                    let v = form[name, default: ""].trimmingCharacters(in: .whitespacesAndNewlines)
                    return v.isEmpty ? nil : String(v.prefix(500))
                }
                let facility = Facility(
                    id: editing, name: field("name") ?? "", taxCode: field("taxCode"), sector: field("sector"), province: field("province") ?? "",
                    address: field("address"), active: form["active"] == "on")
                let saved: Facility
                do {
                    saved =
                        editing == nil ? try await services.registry.createFacility(facility) : try await services.registry.updateFacility(facility)
                } catch StoreError.invalid(let problems) {
                    return pages.response(
                        "facilities",
                        try await facilitiesPage(
                            lang, csrf: csrf, editing: editing, fields: form,
                            problems: problemLines(problems, words, renamed: ["name": "facilityName"])),
                        status: .unprocessableContent)
                } catch StoreError.conflict(let why) {
                    return pages.response(
                        "facilities", try await facilitiesPage(lang, csrf: csrf, editing: editing, fields: form, problems: [why]), status: .conflict)
                }
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/facilities", entity: "facility",
                    key: saved.id.map(String.init) ?? "", after: String(decoding: try JSONEncoder().encode(saved), as: UTF8.self))
                return Response(status: .seeOther, headers: [.location: "/workspace/facilities?lang=\(lang.rawValue)&done=1"])
            }
        }
        router.get("workspace/file-names") { request, context in
            try await htmlErrors(request, context) {
                pages.response(
                    "file-names",
                    try await fileNamesPage(Self.language(request), csrf: context.session?.csrf ?? "", done: request.query("done") != nil))
            }
        }
        router.post("workspace/file-names") { request, context in
            try await htmlErrors(request, context) {
                let lang = Self.language(request)
                let words = labels.page(lang)
                let form = try await Form.read(request, limit: services.limits.maxBody)
                let csrf = context.session?.csrf ?? ""
                let name = form["name", default: ""].trimmingCharacters(in: .whitespaces)
                let caller = context.caller ?? Caller(name: "anonymous", role: "public")
                let before = try await services.store.fileNameMap()[name]
                if form["action"] == "remove" {
                    guard let before else { throw Problem(status: .notFound, detail: "no mapping for '\(name.prefix(64))'") }
                    try await services.store.mapFileName(name, toStation: nil)
                    try await services.audit.record(
                        caller, address: context.address, channel: "web", action: "POST /workspace/file-names", entity: "file-names", key: name,
                        before: IndicatorJSON.encode(["station": before]))
                    return Response(status: .seeOther, headers: [.location: "/workspace/file-names?lang=\(lang.rawValue)&done=1"])
                }
                guard Self.validFileName(name) else {
                    return pages.response(
                        "file-names", try await fileNamesPage(lang, csrf: csrf, error: words["fileNameBad"]), status: .unprocessableContent)
                }
                let station = form["station", default: ""]
                do {
                    try await services.store.mapFileName(name, toStation: station)
                } catch StoreError.notFound {
                    return pages.response(
                        "file-names",
                        try await fileNamesPage(
                            lang, csrf: csrf, error: "\(words["stationsUnknown", default: "unknown station:"]) \(station.prefix(64))"),
                        status: .unprocessableContent)
                }
                try await services.audit.record(
                    caller, address: context.address, channel: "web", action: "POST /workspace/file-names", entity: "file-names", key: name,
                    before: before.map { IndicatorJSON.encode(["station": $0]) }, after: IndicatorJSON.encode(["station": station]))
                return Response(status: .seeOther, headers: [.location: "/workspace/file-names?lang=\(lang.rawValue)&done=1"])
            }
        }
    }
}

/// `/workspace/facilities`.
struct FacilitiesPage: Sendable {
    struct Row: Sendable {
        var id, name, taxCode, sector, province, address, stations: String
        var active: Bool
        var edit: String
    }
    var rows: [Row]
    /// The facility the form changes (nil: the form adds one).
    var editing: String?
    var name, taxCode, sector, address: String
    var active: Bool
    var provinces: [ProgressPage.Option]
    var csrf, action, add: String
    var problems: [String]
    var hasProblems: Bool
    var done: String?
}

/// `/workspace/file-names`.
struct FileNamesPage: Sendable {
    struct Row: Sendable { var name, station, stationName, href: String }
    var rows: [Row]
    var hasRows: Bool
    var stations: [KeysPage.Option]
    var csrf, action: String
    var error: String?
    var done: String?
}
