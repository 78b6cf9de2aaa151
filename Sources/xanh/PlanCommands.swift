import ArgumentParser
import Foundation
import XanhCore
import XanhServices
import XanhStore

/// Prints a refused batch, one problem per line with where it is, and fails.
func refuse(_ file: String, _ e: RowProblems) throws -> Never {
    for p in e.problems { FileHandle.standardError.write(Data("\(file): \(p.origin): \(p.message)\n".utf8)) }
    print("nothing stored: \(e.problems.count) problem\(e.problems.count == 1 ? "" : "s")")
    throw ExitCode(1)
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Plans, their tasks and their progress reports.",
        subcommands: [List.self, Import.self, Export.self, Report.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the plans with their tasks' outcomes.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let db = try await store.open()
            let plans = db.services().plans
            for p in try await plans.plans(includeDrafts: true) {
                let tasks = try await plans.tasks(of: p)
                let counts = Dictionary(grouping: tasks, by: \.outcome).mapValues(\.count)
                let summary = DeadlineOutcome.allCases.compactMap { o in counts[o].map { "\(o.rawValue) \($0)" } }.joined(separator: ", ")
                print("\(p.id)\t\(p.number)\t\(p.status.rawValue)\t\(p.fromYear)–\(p.toYear)\t\(tasks.count) tasks: \(summary)\t\(p.title)")
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace a plan from its workbook (.xlsx) or CSV (docs/plan-template.md).",
            discussion: "All or nothing: every problem is printed with its sheet and cell (or line).")
        @OptionGroup var store: StoreOptions
        @Argument var file: String

        func run() async throws {
            let db = try await store.open()
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            do {
                let p = try await db.services().plans.importPlan(data, csv: file.lowercased().hasSuffix(".csv"))
                try await db.audited(
                    "plan import", entity: "plans", key: p.id, after: IndicatorJSON.encode(["file": file, "tasks": String(p.tasks.count)]))
                print("stored plan \(p.id) (\(p.number)): \(p.solutionGroups.count) solution groups, \(p.tasks.count) tasks")
            } catch let e as RowProblems {
                try refuse(file, e)
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write a plan's workbook (.xlsx) or CSV, which `plan import` reads back whole.")
        @OptionGroup var store: StoreOptions
        @Argument var id: String
        @Option(help: "File to write (.xlsx or .csv).") var out: String

        func run() async throws {
            let db = try await store.open()
            let plans = db.services().plans
            let p = try await plans.plan(id: id, includeDrafts: true)
            try await plans.export(p, csv: out.lowercased().hasSuffix(".csv")).write(to: URL(fileURLWithPath: out))
            print("wrote \(out)")
        }
    }

    struct Report: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Write a plan's progress report for a period (DOCX per Decree 30/2020, or printable HTML); with --environment, the Mẫu 03 air section."
        )
        @OptionGroup var store: StoreOptions
        @Argument(help: "The plan (its key), or a year with --environment.") var id: String
        @Option(help: "Period key: 2026-H1, 2026-9M, 2026, 2026-Q3, 2026-05.") var period: String?
        @Flag(help: "The air section of the annual environmental-protection report (Circular 02/2022, Mẫu 03) of the year given.") var environment =
            false
        @Option(help: "Province code for --environment (default: every station).") var province: String?
        @Option(help: "File to write (.docx or .html).") var out: String

        func run() async throws {
            let db = try await store.open()
            let services = db.services()
            let doc: ReportDocument
            if environment {
                guard let year = Int(id), (2000...2100).contains(year) else { throw ValidationError("with --environment, give a year") }
                doc = try await EnvironmentReport(services: services).document(year: year, province: province)
            } else {
                guard let period else { throw ValidationError("--period is required for a plan's report") }
                doc = try await PlanReport(services: services).build(plan: try await services.plans.plan(id: id, includeDrafts: true), period: period)
            }
            let data = out.lowercased().hasSuffix(".html") ? Data(ReportHTML.render(doc).utf8) : try DOCX.write(doc)
            try data.write(to: URL(fileURLWithPath: out))
            print("wrote \(out)")
        }
    }
}

struct AgencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agency", abstract: "Agencies that report and receive reports.", subcommands: [List.self, Import.self])

    static let columns = ["id", "name", "name_en", "kind", "unit", "parent", "emails"]

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the agencies as CSV (the columns `agency import` reads).")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let db = try await store.open()
            print(CSV.line(AgencyCommand.columns))
            for a in try await db.services().plans.agencies() {
                print(CSV.line([a.id, a.name, a.nameEn ?? "", a.kind.rawValue, a.unit ?? "", a.parent ?? "", a.emails.joined(separator: ";")]))
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add or replace agencies from CSV (id,name,name_en,kind,unit,parent,emails; e-mails separated by ';').",
            discussion: "Kinds: \(Agency.Kind.allCases.map(\.rawValue).joined(separator: ", ")). All rows are stored or none.")
        @OptionGroup var store: StoreOptions
        @Argument var file: String

        func run() async throws {
            let db = try await store.open()
            let text = String(decoding: try Data(contentsOf: URL(fileURLWithPath: file)), as: UTF8.self)
            let records = CSV.parse(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
            let header = (records.first?.fields ?? []).map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            func col(_ name: String) -> Int? { header.firstIndex(of: name) }
            guard let ci = col("id"), let cn = col("name") else { throw ValidationError("\(file): line 1 needs the columns id and name") }
            var list: [Agency] = []
            var origins: [String] = []
            var problems: [(origin: String, message: String)] = []
            for r in records.dropFirst() where !r.fields.allSatisfy({ $0.isEmpty }) {
                func f(_ name: String) -> String? {
                    guard let c = col(name), c < r.fields.count else { return nil }
                    let v = r.fields[c].trimmingCharacters(in: .whitespaces)
                    return v.isEmpty ? nil : v
                }
                let kindText = f("kind") ?? "other"
                guard let kind = Agency.Kind(rawValue: kindText) else {
                    problems.append(
                        (
                            "line \(r.line)",
                            "kind '\(kindText.prefix(30))' is not one of \(Agency.Kind.allCases.map(\.rawValue).joined(separator: ", "))"
                        ))
                    continue
                }
                list.append(
                    Agency(
                        id: ci < r.fields.count ? r.fields[ci] : "", name: cn < r.fields.count ? r.fields[cn] : "", nameEn: f("name_en"), kind: kind,
                        unit: f("unit"), parent: f("parent"),
                        emails: (f("emails") ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }))
                origins.append("line \(r.line)")
            }
            do {
                if !problems.isEmpty { throw RowProblems(problems) }
                try await db.services().plans.saveAgencies(list, origins: origins)
                try await db.audited("agency import", entity: "agencies", key: file, after: IndicatorJSON.encode(["stored": String(list.count)]))
                print("stored \(list.count) agencies")
            } catch let e as RowProblems {
                try refuse(file, e)
            }
        }
    }
}
