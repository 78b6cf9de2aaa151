import Testing

@testable import XanhCore

/// The period keys and their data-closing windows (Decree 09/2019 pattern, reference plans-and-reports.md §2).
@Suite struct ReportingPeriodTests {
    @Test(arguments: [
        ("2026-H1", "2025-12-15", "2026-06-14"),  // the issue's own example
        ("2026", "2025-12-15", "2026-12-14"),
        ("2026-9M", "2025-12-15", "2026-09-14"),
        ("2026-Q1", "2025-12-15", "2026-03-14"),
        ("2026-Q3", "2026-06-15", "2026-09-14"),
        ("2026-Q4", "2026-09-15", "2026-12-14"),
        ("2026-H2", "2026-06-15", "2026-12-14"),
        ("2026-01", "2025-12-15", "2026-01-14"),
        ("2026-05", "2026-04-15", "2026-05-14"),
        ("2024-03", "2024-02-15", "2024-03-14"),
    ])
    func windowsFollowTheDecree09Pattern(_ key: String, _ first: String, _ last: String) throws {
        let p = try #require(ReportingPeriod(key))
        #expect(p.first.description == first && p.last.description == last, "\(key): \(p.first) → \(p.last)")
        #expect(p.description == key, "the key round-trips")
        let opens = try #require(CivilDate(first))
        let closes = try #require(CivilDate(last))
        #expect(p.contains(opens) && p.contains(closes))
        // The day before it opens and the day after it closes lie outside.
        let before = try #require(CivilDate(year: p.first.year, month: p.first.month, day: 14))
        let after = try #require(CivilDate(year: p.last.year, month: p.last.month, day: 15))
        #expect(!p.contains(before) && !p.contains(after))
    }

    @Test func nonsenseKeysAreRefused() {
        for key in [
            "", "abc", "26-Q1", "2026-Q5", "2026-Q0", "2026-H3", "2026-13", "2026-00", "2026-5", "2026-10M", "2026-Q1-x", "2026-", "２０２６", "2026-٠٥",
        ] {
            #expect(ReportingPeriod(key) == nil, "\(key)")
        }
    }

    @Test func civilDatesAreChecked() {
        #expect(CivilDate("2024-02-29") != nil && CivilDate("2026-02-29") == nil && CivilDate("2100-02-29") == nil && CivilDate("2000-02-29") != nil)
        #expect(CivilDate("2026-04-31") == nil && CivilDate("2026-1-05") == nil && CivilDate("2026-13-01") == nil)
        #expect(CivilDate("2025-12-15")?.fifteenth(monthsFrom: 1)?.description == "2026-01-15")
    }
}
