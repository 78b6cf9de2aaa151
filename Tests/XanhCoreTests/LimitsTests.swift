import Foundation
import Testing

@testable import XanhCore

@Suite struct LimitsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Every limit is documented with its default, in the operations guide and in the README's configuration table.
    @Test func everyLimitIsDocumentedWithItsDefault() throws {
        let ops = try String(contentsOf: Self.root.appendingPathComponent("docs/operations.md"), encoding: .utf8)
        let readme = try String(contentsOf: Self.root.appendingPathComponent("README.md"), encoding: .utf8)
        let defaults = Limits()
        for s in Limits.settings {
            let shown = s.flag == "earliest-observation" ? "1990-01-01" : s.value(defaults)
            #expect(ops.contains("| `\(s.flag)` | `\(s.environment)` | \(shown) |"), "docs/operations.md lacks \(s.flag) = \(shown)")
            #expect(readme.contains("`--limit \(s.flag)=N` | `\(s.environment)` | \(shown) |"), "README lacks \(s.flag) = \(shown)")
        }
    }

    @Test func settingsParseAndRefuseNonsense() {
        var l = Limits()
        let top = Limits.settings.first { $0.flag == "max-top" }!
        #expect(top.set(&l, "500") && l.maxTop == 500)
        #expect(!top.set(&l, "0") && !top.set(&l, "-3") && !top.set(&l, "many") && l.maxTop == 500)
        let seconds = Limits.settings.first { $0.flag == "request-seconds" }!
        #expect(seconds.set(&l, "2.5") && l.requestSeconds == 2.5)
        #expect(!seconds.set(&l, "inf") && !seconds.set(&l, "nan") && !seconds.set(&l, "0"))
        let earliest = Limits.settings.first { $0.flag == "earliest-observation" }!
        #expect(earliest.set(&l, "2000-01-01") && l.earliestObservation == Timestamps.parseDate("2000-01-01"))
        #expect(!earliest.set(&l, "2000-13-01"))
        #expect(Set(Limits.settings.map(\.flag)).count == Limits.settings.count)
        #expect(Set(Limits.settings.map(\.environment)).count == Limits.settings.count)
    }

    @Test func observationTimesOutsideTheWindowAreRefused() {
        let now = Timestamps.parseDate("2026-11-20")!
        let w = ObservationWindow(now: now)
        #expect(w.refusal(now, as: "now") == nil)
        #expect(w.refusal(Timestamps.parseDate("1990-01-01")!, as: "1990") == nil)
        #expect(w.refusal(Timestamps.parseDate("1989-12-31")!, as: "1989")?.contains("before") == true)
        #expect(w.refusal(now + 601, as: "later")?.contains("future") == true)
        #expect(throws: Timestamps.ParseError.self) { try Timestamps.parseISO8601("2026-06-30T23:59:60Z") }
    }

    @Test func aYearWithoutDataScoresNothing() throws {
        let def = try #require(try IndexCatalogue.bundled().indexes.first)
        let empty: [String: [String: Double?]] = ["01": [:], "79": [:], "31": [:]]
        let r = CompositeIndex.compute(def, data: empty)
        #expect(r.scores.isEmpty)
        #expect(CompositeIndex.sensitivity(def, data: empty, runs: 10, seed: 1).units.isEmpty)
        // Only one province reported one indicator: it is scored, the others are left out.
        let code = def.indicators[0]
        let one = CompositeIndex.compute(def, data: ["01": [code: 5], "79": [:]])
        #expect(one.scores.map(\.unit).contains("01"))
        #expect(one.scores.allSatisfy { $0.score.isFinite })
    }

    @Test func spreadsheetCellsCannotBeFormulas() {
        #expect(CSV.neutralised("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")")
        for s in ["+1+2", "-2+3", "@SUM(A1)", "\tx", "\rx"] { #expect(CSV.neutralised(s).hasPrefix("'"), "\(s)") }
        for s in ["-12.5", "+7", "Trạm A", "", "'quoted"] { #expect(CSV.neutralised(s) == s, "\(s)") }
        for s in ["=1", "@x", "-x", "plain", "-3"] { #expect(CSV.restored(CSV.neutralised(s)) == s) }
        #expect(CSV.line(["a,b", "=x", "q\"q"]) == "\"a,b\",'=x,\"q\"\"q\"")
        #expect(CSV.parse("'=x,b\n")[0].fields == ["=x", "b"])
    }
}
