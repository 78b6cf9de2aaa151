import ArgumentParser
import Foundation
import XanhCore
import XanhServices
import XanhStore

/// `xanh disaster`: disaster records (decision 0020) as the API takes and answers them, run as the machine's
/// operator and written to the audit log.
struct DisasterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "disaster", abstract: "Disaster loss and damage records: import reports, move them through approval, read totals.",
        subcommands: [Import.self, Act.self, List.self, Totals.self, Sendai.self])

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store disaster reports from a JSON file: one report as POST /api/v1/disasters takes it, or {\"items\": [...]}.",
            discussion: "Each report is checked whole; a report with a problem is not stored and every problem is printed by its pointer.")
        @OptionGroup var store: StoreOptions
        @Argument var file: String
        @Flag(help: "Submit the reports for approval at once.") var submit = false
        @Option(help: "Who reports (recorded in the history).") var by = "cli"

        func run() async throws {
            let db = try await store.open()
            let inputs: [DisasterInput]
            do {
                inputs = try DisasterInput.decodeAll(try Data(contentsOf: URL(fileURLWithPath: file)))
            } catch let e as DecodingError {
                throw ValidationError("\(file): not a disaster report: \(e)")
            }
            var failed = 0
            for (i, input) in inputs.enumerated() {
                let at = inputs.count == 1 ? "" : "/items/\(i)"
                do {
                    let (e, created, action) = try await db.services().disasters.put(try input.event(), scope: .province, submit: submit, by: by)
                    if action != DisasterService.unchanged {
                        try await db.audited(created ? "import disaster" : "update disaster", entity: "disasters", key: e.id)
                    }
                    print(
                        "\(e.id): \(created ? "stored" : action == DisasterService.unchanged ? "unchanged" : "replaced"), \(e.status.rawValue), \(e.effects.count) units"
                    )
                } catch let p as DisasterEvent.Problem {
                    FileHandle.standardError.write(Data("\(file): \(at)\(p.field): \(p.message)\n".utf8))
                    failed += 1
                } catch StoreError.invalid(let problems) {
                    for p in problems { FileHandle.standardError.write(Data("\(file): \(at)\(p.field): \(p.message)\n".utf8)) }
                    failed += 1
                } catch let e as ValueWorkflow.WorkflowError {
                    FileHandle.standardError.write(Data("\(file): \(at): \(e.message)\n".utf8))
                    failed += 1
                }
            }
            if failed > 0 {
                print("\(failed) of \(inputs.count) reports not stored")
                throw ExitCode(1)
            }
        }
    }

    struct Act: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "act", abstract: "Submit, approve, send back (with --comment) or reopen (with --comment) a record.")
        @OptionGroup var store: StoreOptions
        @Argument var id: String
        @Argument(help: "submit, approve, send-back or reopen") var action: String
        @Option var comment: String?
        @Option(help: "Who acts (recorded in the history).") var by = "cli"

        func run() async throws {
            guard let a = ValueAction(rawValue: action), a != .write else {
                throw ValidationError("action must be submit, approve, send-back or reopen")
            }
            let db = try await store.open()
            do {
                let e = try await db.services().disasters.act(id: id, a, approver: true, comment: comment, scope: .province, by: by)
                try await db.audited("\(a.rawValue) disaster", entity: "disasters", key: id, after: comment)
                print("\(e.id): \(e.status.rawValue)")
            } catch let e as ValueWorkflow.WorkflowError {
                throw ValidationError(e.message)
            } catch StoreError.notFound(let message) {
                throw ValidationError(message)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the records by start, with their status.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let db = try await store.open()
            for e in try await db.disasterEvents(from: nil, to: nil, kind: nil, statuses: Set(ValueStatus.allCases), limit: 10_000) {
                let dead = DisasterTotals(e.effects).dead
                print(
                    [
                        e.id, Timestamps.localDate(e.start), e.kind.rawValue, e.report.rawValue, e.status.rawValue, "\(e.effects.count) units",
                        "dead \(dead)",
                    ]
                    .joined(separator: "\t"))
            }
        }
    }

    struct Totals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Totals of approved records (số vụ thiên tai và mức độ thiệt hại) by unit, kind, month or year, as tab-separated lines.")
        @OptionGroup var store: StoreOptions
        @Option(help: "The unit totalled (VN: the nation).") var unit = "VN"
        @Option(help: "unit, kind, month or year") var by = "year"

        func run() async throws {
            guard let grouping = DisasterStatistics.Grouping(rawValue: by) else { throw ValidationError("--by must be unit, kind, month or year") }
            let db = try await store.open()
            let totals: [String: DisasterTotals]
            do {
                totals = try await db.services().disasters.totals(unit: unit, by: grouping, from: nil, to: nil)
            } catch StoreError.notFound(let message) {
                throw ValidationError(message)
            }
            print(["key", "events", "dead", "missing", "injured", "houses_destroyed", "houses_damaged", "loss_vnd"].joined(separator: "\t"))
            for key in totals.keys.sorted() {
                guard let t = totals[key] else { continue }
                print(
                    [
                        key, "\(t.events)", "\(t.dead)", "\(t.missing)", "\(t.injured)", "\(t.housesDestroyed)", "\(t.housesDamaged)",
                        String(format: "%.0f", t.lossVND),
                    ]
                    .joined(separator: "\t"))
            }
        }
    }

    struct Sendai: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The Sendai indicators of a unit's approved records in a year, as JSON.")
        @OptionGroup var store: StoreOptions
        @Option var unit = "VN"
        @Option var year: Int
        @Option(help: "Persons per damaged or destroyed dwelling (B-3, B-4).") var personsPerDwelling = 3.5

        func run() async throws {
            guard (1990...2100).contains(year), (0.5...20).contains(personsPerDwelling) else {
                throw ValidationError("--year must be 1990…2100 and --persons-per-dwelling 0.5…20")
            }
            let db = try await store.open()
            let s = try await db.services().disasters.sendai(unit: unit, year: year, personsPerDwelling: personsPerDwelling)
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .prettyPrinted]
            print(String(decoding: try e.encode(s), as: UTF8.self))
        }
    }
}
