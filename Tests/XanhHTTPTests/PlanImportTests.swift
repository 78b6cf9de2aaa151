import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
import XanhCore
import XanhHTTP
import XanhSQLStore
import XanhServices
import XanhStore

/// Plans exported from one store import into another whole; a bad cell stores nothing and is named (both engines).
@Suite struct PlanImportTests {
    static func demo(_ f: Fixture) async throws {
        for t in DemoIndicators.targets { _ = try await f.store.upsertTarget(t) }
        #expect(try await DemoPlanLoader.load(services: f.services) > 0)
    }

    @Test func exportThenImportIsLossless() async throws {
        let a = try await Fixture(station: false)
        try await Self.demo(a)
        let b = try await Fixture(station: false)
        try await b.services.plans.saveAgencies(try await a.services.plans.agencies())
        let plans = try await a.store.plans()
        #expect(plans.count == 4)
        try await a.test { client in
            for (i, p) in plans.enumerated() {
                let csv = i % 2 == 1
                let exported = try await client.execute(uri: "/api/v1/plans/\(p.id)?format=\(csv ? "csv" : "xlsx")", method: .get) { r in
                    #expect(r.status == .ok)
                    return Data(buffer: r.body)
                }
                let imported = try await b.services.plans.importPlan(exported, csv: csv)
                #expect(imported == p)
                #expect(try await b.store.plan(id: p.id) == p, "\(p.id) as stored")
                let ta = try await a.services.plans.targets(of: p).map {
                    [$0.indicator, $0.unit, "\($0.targetYear)", "\($0.targetValue)", "\($0.baselineValue)"]
                }
                let tb = try await b.services.plans.targets(of: p).map {
                    [$0.indicator, $0.unit, "\($0.targetYear)", "\($0.targetValue)", "\($0.baselineValue)"]
                }
                #expect(ta == tb, "\(p.id)'s targets")
            }
        }
    }

    @Test func oneBadRowStoresNothingAndNamesRowAndColumn() async throws {
        let a = try await Fixture(station: false)
        try await Self.demo(a)
        let p = try #require(try await a.store.plan(id: "HCM-PRP-2023"))
        let targets = try await a.services.plans.targets(of: p)
        var sheets = PlanWorkbook.workbook(p, targets: targets)
        let tasks = try #require(sheets.firstIndex { $0.name == "nhiem_vu" })
        sheets[tasks].set(2, 3, .text("SO-KHONG-CO"))  // the second task's lead: no such agency
        let b = try await Fixture(station: false)
        try await b.services.plans.saveAgencies(try await a.services.plans.agencies())
        do {
            _ = try await b.services.plans.importPlan(try XLSX.write(sheets), csv: false)
            Issue.record("imported a plan whose task names an agency that does not exist")
        } catch let e as RowProblems {
            #expect(e.problems.map(\.origin) == ["nhiem_vu!D3 (tasks[1].lead)"], "\(e.problems)")
            #expect(e.problems.first?.message.contains("SO-KHONG-CO") == true)
        }
        #expect(try await b.store.plans().isEmpty, "nothing stored")
        #expect(try await b.store.targets(indicator: "QD1658.WW-URBAN", unit: "79").isEmpty, "not even the targets")
    }
}
