import Foundation
import Testing

@testable import XanhCore

/// The plan workbook: export then import gives the same plan and targets; problems name their cells.
@Suite struct PlanWorkbookTests {
    let demo = DemoPlans.make(year: 2026)

    func targets(_ p: Plan) -> [IndicatorTarget] {
        var ts = (demo.targets + DemoIndicators.targets).filter { $0.unit == p.unit }
        // One with a trajectory, so that it too is carried.
        if !ts.isEmpty { ts[0].trajectory = ["2027": 82.5, "2028": 90] }
        return ts
    }

    @Test func everyDemoPlanRoundTripsThroughXLSXAndCSV() throws {
        for p in demo.plans {
            let ts = targets(p)
            let fromXLSX = try XLSX.read(try PlanWorkbook.write(p, targets: ts))
            let a = try PlanWorkbook.read(fromXLSX).get()
            #expect(a.plan == p, "\(p.id) through XLSX")
            #expect(
                Set(a.targets)
                    == Set(
                        ts.filter { t in
                            p.targetGroups.contains { $0.targets.contains(TargetRef(indicator: t.indicator, unit: t.unit, targetYear: t.targetYear)) }
                        }))
            let csv = try PlanWorkbook.sheets(csv: "\u{FEFF}" + PlanWorkbook.csv(p, targets: ts))
            let b = try PlanWorkbook.read(csv.sheets, lines: csv.lines).get()
            #expect(b.plan == p, "\(p.id) through CSV")
            #expect(b.targets == a.targets)
        }
    }

    @Test func aBadRowIsNamedByCellAndNothingIsRead() throws {
        guard let p = demo.plans.first else { return }
        var sheets = PlanWorkbook.workbook(p, targets: targets(p))
        // nhiem_vu row 4 (the third task): a schedule that is no date, a budget that is no number.
        let tasks = try #require(sheets.firstIndex { $0.name == "nhiem_vu" })
        sheets[tasks].set(3, 5, .text("cuối năm"))
        sheets[tasks].set(3, 7, .text("nhiều"))
        let plan = try #require(sheets.firstIndex { $0.name == "ke_hoach" })
        sheets[plan].set(1, 5, .text("09/03/2023"))
        guard case .failure(let e) = PlanWorkbook.read(sheets) else {
            Issue.record("read a workbook with bad cells")
            return
        }
        let origins = e.problems.map(\.origin)
        #expect(origins.contains("nhiem_vu!F4") && origins.contains("nhiem_vu!H4") && origins.contains("ke_hoach!F2"), "\(e.problems)")
        #expect(e.problems.first { $0.origin == "nhiem_vu!F4" }?.message.contains("cuối năm") == true)
        // A missing column and a missing sheet.
        var noLead = PlanWorkbook.workbook(p, targets: [])
        noLead[tasks].set(0, 3, .text("Ai làm (who)"))
        noLead.removeAll { $0.name == "nhom_giai_phap" }
        guard case .failure(let e2) = PlanWorkbook.read(noLead) else {
            Issue.record("read a workbook without a column")
            return
        }
        #expect(e2.problems.map(\.origin).sorted() == ["nhiem_vu!1", "nhom_giai_phap"], "\(e2.problems)")
        // In a CSV, problems name the line.
        let text = PlanWorkbook.csv(p, targets: []).replacingOccurrences(of: ",2026-06-30,", with: ",30/6,")
        let csv = try PlanWorkbook.sheets(csv: text)
        guard case .failure(let e3) = PlanWorkbook.read(csv.sheets, lines: csv.lines) else {
            Issue.record("read a CSV with a bad schedule")
            return
        }
        #expect(
            e3.problems.first?.origin.hasPrefix("nhiem_vu line ") == true && e3.problems.first?.origin.hasSuffix("(column 6)") == true,
            "\(e3.problems)")
        #expect(throws: XLSX.ReadError.self) { try PlanWorkbook.sheets(csv: "id,number\n1,2\n") }
    }
}
