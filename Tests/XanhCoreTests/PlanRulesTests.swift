import Foundation
import Testing

@testable import XanhCore

/// Due dates on the working-day calendar, the report states and their transitions, and deadline outcomes
/// (decision 0016; reference plans-and-reports.md §2 and §4).
@Suite struct PlanRulesTests {
    let calendar: WorkingCalendar

    init() throws { calendar = try WorkingCalendar.bundled() }

    func day(_ s: String) throws -> CivilDate { try #require(CivilDate(s)) }

    @Test func dayArithmeticAndWeekdays() throws {
        #expect(try day("1970-01-01").dayNumber == 0)
        #expect(try day("1970-01-01").weekday == 4)  // a Thursday
        #expect(try day("2026-02-14").weekday == 6)  // Saturday
        #expect(try day("2026-06-14").weekday == 7)  // Sunday
        #expect(try day("2024-02-28").adding(days: 1)?.description == "2024-02-29")
        #expect(try day("2025-12-31").adding(days: 1)?.description == "2026-01-01")
        #expect(try day("2026-03-01").adding(days: -1)?.description == "2026-02-28")
        for n in stride(from: -20_000, to: 60_000, by: 37) {
            #expect(CivilDate(dayNumber: n)?.dayNumber == n)
        }
        // 2026-12-01 23:30 in Hà Nội is 16:30 UTC; 17:30 UTC is already the 2nd.
        #expect(CivilDate(epochSeconds: 1_796_142_600)?.description == "2026-12-01")
        #expect(CivilDate(epochSeconds: 1_796_146_200)?.description == "2026-12-02")
        #expect(CivilDate(epochSeconds: .max) == nil)
    }

    @Test func theCalendarKnowsTetAndTheMadeUpSaturday() throws {
        for d in ["2026-02-16", "2026-02-20", "2025-01-27", "2025-01-31", "2026-04-27", "2026-09-02", "2026-01-01", "2026-02-21"] {
            #expect(!calendar.isWorkingDay(try day(d)), "\(d) is a day off")
        }
        for d in ["2026-02-23", "2026-02-13", "2025-04-26", "2026-04-28"] {
            #expect(calendar.isWorkingDay(try day(d)), "\(d) is a working day")
        }
        #expect(calendar.covers(year: 2026) && calendar.covers(year: 2027) && !calendar.covers(year: 2031))
        #expect(calendar.workingDays(from: try day("2026-02-13"), to: try day("2026-02-23")) == 1)
        #expect(calendar.workingDays(from: try day("2026-02-23"), to: try day("2026-02-13")) == -1)
    }

    /// Closing + 2 working days (Khánh Hòa's rule) for every kind of period key, across Tết and weekends.
    @Test(arguments: [
        ("2026-01", "2026-01-16"),  // closes Wed 14/01
        ("2026-02", "2026-02-24"),  // closes Sat 14/02; 16–20/02 Tết, then a weekend
        ("2026-03", "2026-03-17"),  // closes Sat 14/03
        ("2026-Q1", "2026-03-17"),
        ("2026-04", "2026-04-16"),
        ("2026-05", "2026-05-18"),  // closes Thu; Friday, then Monday
        ("2026-H1", "2026-06-16"),  // closes Sun 14/06
        ("2026-Q2", "2026-06-16"),
        ("2026-08", "2026-08-18"),  // closes Fri
        ("2026-9M", "2026-09-16"),
        ("2026-Q3", "2026-09-16"),
        ("2026-11", "2026-11-17"),  // closes Sat
        ("2026-H2", "2026-12-16"),
        ("2026-Q4", "2026-12-16"),
        ("2026", "2026-12-16"),
        ("2027-01", "2027-01-18"),
    ])
    func closingPlusTwoWorkingDays(_ key: String, _ expected: String) throws {
        let p = try #require(ReportingPeriod(key))
        #expect(DueRule.workingDaysAfterClosing(2).due(p, calendar: calendar)?.description == expected, "\(key)")
    }

    @Test func longerRulesCrossTetHolidaysAndAMadeUpSaturday() throws {
        // 2025-01 closes Tue 14/01/2025; ten working days run past Tết Ất Tỵ (27–31/01) and its weekends.
        #expect(DueRule.workingDaysAfterClosing(10).due(try #require(ReportingPeriod("2025-01")), calendar: calendar)?.description == "2025-02-04")
        // Hùng Kings' Day 2026 falls on a Sunday: Monday 27/04 is off in its place.
        #expect(DueRule.workingDaysAfterClosing(9).due(try #require(ReportingPeriod("2026-04")), calendar: calendar)?.description == "2026-04-28")
        // Saturday 26/04/2025 was worked in exchange for Friday 02/05.
        #expect(DueRule.workingDaysAfterClosing(10).due(try #require(ReportingPeriod("2025-04")), calendar: calendar)?.description == "2025-04-26")
        #expect(DueRule.workingDaysAfterClosing(13).due(try #require(ReportingPeriod("2025-04")), calendar: calendar)?.description == "2025-05-05")
        // Zero working days: the closing day itself when it is one, else the next working day.
        #expect(DueRule.workingDaysAfterClosing(0).due(try #require(ReportingPeriod("2026-02")), calendar: calendar)?.description == "2026-02-23")
    }

    @Test func fixedDueDays() throws {
        let year = try #require(ReportingPeriod("2026"))
        #expect(DueRule("12-30")?.due(year, calendar: calendar)?.description == "2026-12-30")  // HCMC's annual report
        #expect(DueRule("01-31+1")?.due(year, calendar: calendar)?.description == "2027-01-31")  // Art. 118, a Sunday: stands
        #expect(DueRule("02-29")?.due(year, calendar: calendar)?.description == "2026-02-28")
        for text in ["closing+2", "12-30", "01-31+1", "06-15"] { #expect(DueRule(text)?.text == text) }
        for bad in ["closing+", "closing+-1", "closing+999", "13-01", "12-32", "1-5", "12-30+2", "", "x"] { #expect(DueRule(bad) == nil, "\(bad)") }
    }

    func report(_ stage: ReportInstance.Stage = .open, due: String = "2026-06-16") throws -> ReportInstance {
        ReportInstance(obligation: "HCM-MID", period: "2026-H1", agency: "SXD", stage: stage, due: try day(due))
    }

    @Test func statesFollowTheCalendar() throws {
        let h1 = try #require(ReportingPeriod("2026-H1"))
        let r = try report()
        #expect(ReportState.of(r, period: h1, today: try day("2026-06-13")) == .notYetDue)
        #expect(ReportState.of(r, period: h1, today: try day("2026-06-14")) == .due)
        #expect(ReportState.of(r, period: h1, today: try day("2026-06-16")) == .due)
        #expect(ReportState.of(r, period: h1, today: try day("2026-06-17")) == .overdue)
        for (stage, state) in [(ReportInstance.Stage.submitted, ReportState.submitted), (.sentBack, .sentBack), (.accepted, .accepted)] {
            #expect(ReportState.of(try report(stage), period: h1, today: try day("2026-07-30")) == state)
        }
    }

    @Test func everyTransitionAndEveryRefusal() throws {
        let open = try report()
        // Saving keeps it open; submitting needs results or an explicit nothing-to-report.
        let saved = try ReportAction.save.apply(to: open, sections: ["results": "Đã thực hiện"], by: "a", at: 1).get()
        #expect(saved.stage == .open && saved.sections["results"] == "Đã thực hiện")
        #expect(ReportAction.submit.apply(to: open, by: "a", at: 2) == .failure(.empty))
        #expect(ReportAction.submit.apply(to: open, sections: ["results": "   "], by: "a", at: 2) == .failure(.empty))
        let nothing = try ReportAction.submit.apply(to: open, nothingToReport: true, by: "a", at: 2).get()
        #expect(nothing.stage == .submitted && nothing.nothingToReport && nothing.submittedBy == "a")
        let submitted = try ReportAction.submit.apply(to: saved, by: "a", at: 3).get()
        #expect(submitted.stage == .submitted && submitted.submittedAt == 3)
        // Submitted is read-only.
        #expect(ReportAction.save.apply(to: submitted, sections: ["results": "x"], by: "a", at: 4) == .failure(.locked(.submitted)))
        #expect(ReportAction.submit.apply(to: submitted, by: "a", at: 4) == .failure(.locked(.submitted)))
        // Send back needs a note, and reopens it.
        #expect(ReportAction.sendBack.apply(to: submitted, by: "b", at: 5) == .failure(.noteRequired))
        #expect(ReportAction.sendBack.apply(to: submitted, note: "  ", by: "b", at: 5) == .failure(.noteRequired))
        let back = try ReportAction.sendBack.apply(to: submitted, note: "Bổ sung số liệu", by: "b", at: 5).get()
        #expect(back.stage == .sentBack && back.note == "Bổ sung số liệu" && back.decidedBy == "b")
        let edited = try ReportAction.save.apply(to: back, sections: ["results": "Đã bổ sung"], by: "a", at: 6).get()
        #expect(edited.stage == .sentBack)
        let again = try ReportAction.submit.apply(to: edited, by: "a", at: 7).get()
        // Accepting a draft, a sent-back report or an accepted one is refused; accepted locks it.
        #expect(ReportAction.accept.apply(to: open, by: "b", at: 8) == .failure(.notSubmitted(.open)))
        #expect(ReportAction.accept.apply(to: back, by: "b", at: 8) == .failure(.notSubmitted(.sentBack)))
        #expect(ReportAction.sendBack.apply(to: open, note: "x", by: "b", at: 8) == .failure(.notSubmitted(.open)))
        let accepted = try ReportAction.accept.apply(to: again, by: "b", at: 9).get()
        #expect(accepted.stage == .accepted && accepted.decidedAt == 9)
        #expect(ReportAction.accept.apply(to: accepted, by: "b", at: 10) == .failure(.notSubmitted(.accepted)))
        #expect(ReportAction.sendBack.apply(to: accepted, note: "x", by: "b", at: 10) == .failure(.notSubmitted(.accepted)))
        #expect(ReportAction.save.apply(to: accepted, sections: [:], by: "a", at: 10) == .failure(.locked(.accepted)))
    }

    func task(_ schedule: TaskSchedule) -> PlanTask {
        PlanTask(code: "1.1", group: "1", title: "Quan trắc", lead: "STNMT", coordinating: ["SCT"], schedule: schedule)
    }

    func met(on: String?, period: String = "2026-H1", agency: String = "STNMT") throws -> ProgressEntry {
        ProgressEntry(
            plan: "P", task: "1.1", period: period, agency: agency, status: .met, completedOn: try on.map { try day($0) },
            updatedAt: 1_780_000_000)
    }

    @Test func deadlineOutcomesAreComputedFromDates() throws {
        let t = task(.once(try day("2026-06-30")))
        let today = try day("2026-12-01")
        #expect(DeadlineOutcome.of(t, entries: [try met(on: "2026-06-29")], today: today).outcome == .completedOnTime)
        #expect(DeadlineOutcome.of(t, entries: [try met(on: "2026-06-30")], today: today).outcome == .completedOnTime)
        #expect(DeadlineOutcome.of(t, entries: [try met(on: "2026-07-01")], today: today).outcome == .completedLate)
        // The earliest completion the lead reports counts; a coordinating agency's "met" does not complete the task.
        #expect(
            DeadlineOutcome.of(t, entries: [try met(on: "2026-08-01"), try met(on: "2026-06-01")], today: today).completed?.description
                == "2026-06-01")
        #expect(DeadlineOutcome.of(t, entries: [try met(on: "2026-06-01", agency: "SCT")], today: today).outcome == .overdue)
        // Open before, on and after its deadline.
        #expect(DeadlineOutcome.of(t, entries: [], today: try day("2026-06-29")).outcome == .withinDeadline)
        #expect(DeadlineOutcome.of(t, entries: [], today: try day("2026-06-30")).outcome == .withinDeadline)
        #expect(DeadlineOutcome.of(t, entries: [], today: try day("2026-07-01")).outcome == .overdue)
        // Other statuses are not completion.
        var onTrack = try met(on: nil)
        onTrack.status = .onTrack
        #expect(DeadlineOutcome.of(t, entries: [onTrack], today: today).outcome == .overdue)
        // A met entry without a day completes on the day it was written (1_780_000_000 is 2026-05-29 in Hà Nội).
        #expect(DeadlineOutcome.of(t, entries: [try met(on: nil)], today: today).completed?.description == "2026-05-29")
        #expect(DeadlineOutcome.of(task(.continuous), entries: [], today: today).outcome == .continuous)
    }

    @Test func recurringTasksAreJudgedForTheCurrentPeriod() throws {
        let t = task(.recurring(.halfYear))
        // 2026-12-01 lies in 2026-H2 (15/06 → 14/12).
        let r = DeadlineOutcome.of(t, entries: [try met(on: "2026-05-01")], today: try day("2026-12-01"))
        #expect(r.outcome == .withinDeadline && r.deadline?.description == "2026-12-14")
        #expect(
            DeadlineOutcome.of(t, entries: [try met(on: "2026-11-01", period: "2026-H2")], today: try day("2026-12-01")).outcome == .completedOnTime)
        #expect(DeadlineOutcome.of(t, entries: [], today: try day("2026-12-14")).outcome == .withinDeadline)
        // 15/12 opens the next year's first half.
        #expect(ReportingPeriod.holding(try day("2026-12-15"), kind: .halfYear)?.description == "2027-H1")
        #expect(ReportingPeriod.holding(try day("2026-06-14"), kind: .quarter)?.description == "2026-Q2")
    }

    @Test func schedulesAndPlanProblems() throws {
        for s in ["2026-06-30", "yearly", "half_yearly", "quarterly", "monthly", "continuous"] { #expect(TaskSchedule(s)?.text == s) }
        #expect(TaskSchedule("soon") == nil && TaskSchedule("2026-02-30") == nil)
        var p = Plan(id: "HP-78", number: "78/KH-UBND", title: "Kế hoạch", issuer: "UBND", fromYear: 2023, toYear: 2030, standingAgency: "STNMT")
        p.solutionGroups = [SolutionGroup(code: "1", title: "Nhóm 1")]
        p.tasks = [task(.continuous), PlanTask(code: "1.1", group: "9", title: " ", lead: "X", schedule: .continuous, budget: -1, indicators: ["Q"])]
        let problems = PlanValidation.problems(p, agencies: ["STNMT", "SCT"], indicators: [])
        let origins = problems.map(\.origin)
        #expect(origins.contains("tasks[1].code") && origins.contains("tasks[1].group") && origins.contains("tasks[1].title"))
        #expect(origins.contains("tasks[1].lead") && origins.contains("tasks[1].budget") && origins.contains("tasks[1].indicators"))
        #expect(!origins.contains { $0.hasPrefix("tasks[0]") })
        #expect(
            PlanValidation.problems(
                Plan(id: "a b", number: "", title: "t", issuer: "", fromYear: 2030, toYear: 2020, standingAgency: "Z"), agencies: [], indicators: []
            ).count == 4)
    }
}
