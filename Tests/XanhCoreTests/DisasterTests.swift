import Foundation
import Testing
import XanhCore

/// Disaster records (decision 0020, proposed): validation names each field; totals by unit, kind, month and year count
/// approved events once per group; the Sendai indicators from totals, population and GDP, worked by hand.
@Suite struct DisasterTests {
    static func flood(_ id: String, _ date: String, status: ValueStatus = .approved) throws -> DisasterEvent {
        var a = DisasterEffect(unit: "20")
        a.dead = 2
        a.missing = 1
        a.injured = 5
        a.affectedPeople = 1_200
        a.houses = [
            HouseDamage(structure: .nonPermanent, level: .destroyed, count: 4), HouseDamage(structure: .semiPermanent, level: .heavy, count: 10),
        ]
        a.lossVND = 12e9
        a.agricultureLossVND = 5e9
        var b = DisasterEffect(unit: "31")
        b.injured = 1
        b.houses = [HouseDamage(structure: .permanent, level: .partial, count: 6)]
        b.lossVND = 3e9
        return DisasterEvent(
            id: id, kind: .flood, start: try Timestamps.parseISO8601(date), report: .eventSummary, status: status, effects: [a, b])
    }

    @Test func problemsNameTheirFields() throws {
        var e = try Self.flood("LS-2026-01", "2026-07-20T06:00:00+07:00")
        e.effects[0].dead = -1
        e.effects[1].unit = "99"
        e.effects[1].agricultureLossVND = 4e9
        e.end = e.start - 60
        let fields = e.problems(units: ["20", "31"]).map(\.field)
        #expect(fields == ["/end", "/effects/0/dead", "/effects/1/unit", "/effects/1/agricultureLossVND"])
        #expect(try Self.flood("LS-2026-01", "2026-07-20T06:00:00+07:00").problems(units: ["20", "31"]).isEmpty)
    }

    @Test func totalsByUnitKindMonthAndYear() throws {
        let events = [
            try Self.flood("A", "2026-07-20T06:00:00+07:00"), try Self.flood("B", "2026-09-02T23:30:00+07:00"),
            try Self.flood("C", "2026-09-10T10:00:00+07:00", status: .submitted),
        ]
        let byUnit = DisasterStatistics.totals(events, by: .unit)
        #expect(byUnit["20"]?.events == 2 && byUnit["20"]?.dead == 4 && byUnit["20"]?.housesDestroyed == 8 && byUnit["20"]?.housesDamaged == 20)
        #expect(byUnit["31"]?.injured == 2 && byUnit["31"]?.lossVND == 6e9)
        #expect(DisasterStatistics.totals(events, by: .kind)["flood"]?.events == 2, "the submitted event is not counted")
        #expect(DisasterStatistics.totals(events, by: .kind, statuses: [.approved, .submitted])["flood"]?.events == 3)
        let months = DisasterStatistics.totals(events, by: .month)
        #expect(months.keys.sorted() == ["2026-07", "2026-09"] && months["2026-09"]?.events == 1 && months["2026-07"]?.dead == 2)
        #expect(DisasterStatistics.totals(events, by: .year)["2026"]?.lossVND == 30e9)
    }

    @Test func sendaiIndicatorsWorkedByHand() throws {
        let t = DisasterStatistics.totals([try Self.flood("A", "2026-07-20T06:00:00+07:00")], by: .unit)["20"] ?? DisasterTotals()
        // Population 802,000, GDP 60,000 billion VND: A-2 = 2 / 802,000 × 100,000 = 0.2494; B-4 = 4 × 3.5 / 802,000 × 100,000 = 1.7456;
        // B-3 = 10 × 3.5 → 4.3641; C-1 = 12e9 / 6e13 × 100 = 0.02 %; C-2 = 5e9 / 6e13 × 100 = 0.008333 %.
        let s = DisasterStatistics.sendai(t, population: 802_000, gdpVND: 6e13)
        func near(_ key: String, _ v: Double) -> Bool { (s[key] ?? nil).map { abs($0 - v) < 1e-4 } ?? false }
        #expect(near("A-2", 0.2494) && near("A-3", 0.1247) && near("B-2", 0.6234) && near("B-3", 4.3641) && near("B-4", 1.7456))
        #expect(near("C-1", 0.02) && near("C-2", 0.008333))
        #expect((s["B-5"] ?? 0) == nil, "no livelihoods counted: no B-5")
        let none = DisasterStatistics.sendai(t, population: nil, gdpVND: nil)
        #expect(none.values.allSatisfy { $0 == nil })
    }
}
