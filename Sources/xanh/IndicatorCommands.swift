import ArgumentParser
import Foundation
import XanhCore
import XanhServices
import XanhStore

extension ImportCommand {
    struct IndicatorValues: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "values",
            abstract:
                "Load indicator values from a filled XLSX template or a CSV (indicator,unit,period,value,numerator,denominator[,unit of measure]).",
            discussion: "All rows are stored, as submitted, or none: every problem is printed with its row or cell.")
        @OptionGroup var store: StoreOptions
        @Argument var file: String
        @Flag(help: "Keep the values as drafts instead of submitting them.") var draft = false
        @Option(help: "Who reports (recorded in the history).") var by = "cli"

        func run() async throws {
            let db = try await store.open()
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let inputs =
                file.lowercased().hasSuffix(".xlsx")
                ? try IndicatorTemplate.read(data) : try IndicatorCSV.parse(String(decoding: data, as: UTF8.self), file: file)
            do {
                let n = try await db.services().indicators.submit(
                    inputs, status: draft ? .draft : .submitted, by: by, at: Int64(Date().timeIntervalSince1970))
                try await db.audited("import values", entity: "values", key: file, after: IndicatorJSON.encode(["stored": String(n), "by": by]))
                print("stored \(n) values as \(draft ? "draft" : "submitted")")
            } catch let e as RowProblems {
                try refuse(file, e)
            }
        }
    }

    struct Indicators: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Add or replace indicator definitions from CSV or XLSX (columns: \(IndicatorTable.columns.joined(separator: ", ")); frameworks separated by ';').",
            discussion: "All rows are loaded or none: every problem is printed with its row or cell.")
        @OptionGroup var store: StoreOptions
        @Argument var file: String

        func run() async throws {
            let db = try await store.open()
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            let header: [String]
            let rows: [[String]]
            let origin: (Int, String) -> String
            if file.lowercased().hasSuffix(".xlsx") {
                guard let sheet = try XLSX.read(data).first else { throw ValidationError("\(file) has no sheet") }
                header = (sheet.rows.first ?? []).map { $0.text ?? "" }
                rows = sheet.rows.dropFirst().map { $0.map { $0.text ?? "" } }
                origin = { r, column in
                    let c = header.firstIndex { $0.lowercased() == column } ?? 0
                    return "\(sheet.name)!\(XLSX.reference(row: r + 1, column: c))"
                }
            } else {
                let records = CSV.parse(String(decoding: data, as: UTF8.self))
                header = records.first?.fields ?? []
                rows = records.dropFirst().map(\.fields)
                origin = { r, _ in "line \(records[r + 1].line)" }
            }
            switch IndicatorTable.parse(header: header, rows: rows, origin: origin) {
            case .failure(let e):
                for p in e.problems { FileHandle.standardError.write(Data("\(file): \(p.origin): \(p.message)\n".utf8)) }
                print("nothing loaded: \(e.problems.count) problems")
                throw ExitCode(1)
            case .success(let list):
                // Fields the table does not carry (source, official, confidence) are kept from the stored definition.
                let existing = Dictionary(uniqueKeysWithValues: try await db.indicators().map { ($0.code, $0) })
                for var i in list {
                    if let old = existing[i.code] {
                        i.source = i.source ?? old.source
                        i.official = i.official ?? old.official
                        i.confidence = i.confidence ?? old.confidence
                    }
                    try await db.upsertIndicator(i)
                    try await db.audited(
                        "import indicators", entity: "indicators", key: i.code, before: existing[i.code].map { IndicatorJSON.encode($0) },
                        after: IndicatorJSON.encode(i))
                }
                print("loaded \(list.count) indicators")
            }
        }
    }

    struct Units: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load communes (or other units) from CSV: code,name_vi,name_en,level,parent[,valid_from,valid_to,successor].")
        @OptionGroup var store: StoreOptions
        @Argument var file: String

        func run() async throws {
            let db = try await store.open()
            let units = try AdminUnitCSV.parse(
                try String(contentsOfFile: file, encoding: .utf8), known: Set(try await db.adminUnits().map(\.id)), file: file)
            try await db.upsertUnits(units)
            try await db.audited("import units", entity: "units", key: file, after: IndicatorJSON.encode(["units": String(units.count)]))
            print("loaded \(units.count) units")
        }
    }

    struct Boundaries: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Attach province polygons from a GeoJSON FeatureCollection, matching features to units by name (e.g. ../shared/data/vn_provinces_34_2025.geojson)."
        )
        @OptionGroup var store: StoreOptions
        @Argument var file: String
        @Option(help: "The feature property holding the name.") var nameProperty = "ten_tinh"

        func run() async throws {
            let db = try await store.open()
            let r = try await ProvinceBoundaries.attach(try Data(contentsOf: URL(fileURLWithPath: file)), nameProperty: nameProperty, store: db)
            for name in r.unmatched { FileHandle.standardError.write(Data("\(file): no province matches '\(name)'\n".utf8)) }
            try await db.audited("import boundaries", entity: "boundaries", key: file, after: IndicatorJSON.encode(["attached": String(r.attached)]))
            print("attached \(r.attached) of \(r.features) boundaries")
            if r.attached < r.features { throw ExitCode(1) }
        }
    }
}

struct IndicatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "indicator", abstract: "Indicators: aggregates and the composite index.", subcommands: [Aggregate.self, IndexScores.self])

    struct Aggregate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One indicator for every current province and period (CSV on stdout).")
        @OptionGroup var store: StoreOptions
        @Argument var indicator: String

        func run() async throws {
            let db = try await store.open()
            let agg = try await db.services().indicators.aggregate(indicator)
            print("unit,period,value,numerator,denominator,count")
            for (unit, periods) in agg.sorted(by: { $0.key < $1.key }) {
                for (p, r) in periods.sorted(by: { $0.key < $1.key }) {
                    print(
                        CSV.line([
                            unit, p, r.value.map { String($0) } ?? "", r.numerator.map { String($0) } ?? "", r.denominator.map { String($0) } ?? "",
                            String(r.count),
                        ]))
                }
            }
        }
    }

    struct IndexScores: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "index", abstract: "Scores and ranks of the composite index, with a sensitivity analysis.")
        @OptionGroup var store: StoreOptions
        @Option var id = "ggi-vn"
        @Option var year: Int
        @Option(help: "Monte Carlo runs (0 for none).") var runs = 1000
        @Option var seed: UInt64 = 1

        func run() async throws {
            let db = try await store.open()
            guard let def = try IndexCatalogue.bundled().indexes.first(where: { $0.id == id }) else { throw ValidationError("no index '\(id)'") }
            let data = try await db.services().indicators.indexData(def, year: year)
            let result = CompositeIndex.compute(def, data: data)
            let s = runs > 0 ? CompositeIndex.sensitivity(def, data: data, runs: runs, seed: seed) : nil
            print(CSV.line(["rank", "unit", "score"] + def.dimensions.map(\.code) + (s == nil ? [] : ["rank_best", "rank_worst"])))
            if result.scores.isEmpty { FileHandle.standardError.write(Data("no scores: no province has values for \(year)\n".utf8)) }
            for r in result.scores {
                let u = s?.units.first { $0.unit == r.unit }
                print(
                    CSV.line(
                        [String(r.rank), r.unit, String(format: "%.2f", r.score)]
                            + def.dimensions.map { String(format: "%.2f", r.dimensions[$0.code] ?? .nan) }
                            + (u.map { [String($0.best), String($0.worst)] } ?? [])))
            }
            if !result.imputed.isEmpty { FileHandle.standardError.write(Data("imputed \(result.imputed.count) missing values (mean)\n".utf8)) }
        }
    }
}

/// CSV of indicator values: indicator,unit,period,value,numerator,denominator[,unit of measure].
enum IndicatorCSV {
    static func parse(_ text: String, file: String) throws -> [IndicatorValueInput] {
        var out: [IndicatorValueInput] = []
        for record in CSV.parse(text).dropFirst() {
            let f = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            if f.allSatisfy(\.isEmpty) { continue }
            guard f.count >= 4 else {
                throw ValidationError("\(file):\(record.line): expected indicator,unit,period,value[,numerator,denominator[,unit of measure]]")
            }
            var input = IndicatorValueInput(
                indicator: f[0], unit: f[1], period: f[2], value: nil, unitOfMeasure: f.count > 6 ? f[6] : nil, origin: "line \(record.line)")
            for (k, name) in [(3, "value"), (4, "numerator"), (5, "denominator")] where k < f.count && !f[k].isEmpty {
                guard let d = Double(f[k]) else {
                    input.notANumber = (name, f[k])
                    break
                }
                switch k {
                case 3: input.value = d
                case 4: input.numerator = d
                default: input.denominator = d
                }
            }
            out.append(input)
        }
        return out
    }
}

/// CSV of administrative units.
enum AdminUnitCSV {
    static func parse(_ text: String, known: Set<String>, file: String) throws -> [AdminUnit] {
        var out: [AdminUnit] = []
        var ids = known
        for record in CSV.parse(text).dropFirst() {
            let f = record.fields.map { $0.trimmingCharacters(in: .whitespaces) }
            guard f.count >= 5, let level = AdminUnit.Level(rawValue: f[3]) else {
                throw ValidationError(
                    "\(file):\(record.line): expected code,name_vi,name_en,level(commune|province),parent[,valid_from,valid_to,successor]")
            }
            guard ids.contains(f[4]) else { throw ValidationError("\(file):\(record.line): parent '\(f[4])' is not a known unit") }
            func opt(_ k: Int) -> String? { k < f.count && !f[k].isEmpty ? f[k] : nil }
            out.append(
                AdminUnit(
                    id: f[0], code: f[0], nameVi: f[1], nameEn: f[2], level: level, parent: f[4], validFrom: opt(5), validTo: opt(6),
                    successor: opt(7)))
            ids.insert(f[0])
        }
        return out
    }
}
