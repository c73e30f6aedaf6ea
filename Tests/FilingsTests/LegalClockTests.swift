import Booking
import Filings
import Foundation
import Testing

/// 承诺办结时限 counted in working days, on the shipped official calendar (holiday-cn).
@Suite("The legal time limit in working days")
struct LegalClockTests {
    let calendar = Fixtures.calendar
    func day(_ text: String) -> LocalDate { Fixtures.day(text) }

    @Test func acceptedBeforeNationalDayRunsPastTheHolidayOntoTheMakeUpSaturday() {
        // 2025: 1–8 October off; Saturday 11 October worked (调休). Accepted Tuesday 30 September.
        let clock = LegalClock(startedOn: day("2025-09-30"), limit: 3, usedBefore: 0, warningPercent: 80, calendar: calendar)
        #expect(clock.dueDate == day("2025-10-11"))
        // 80 % of 3 days, rounded up: the third working day, the due date itself.
        #expect(clock.warnOn == day("2025-10-11"))
        #expect(!clock.provisional)
        #expect(clock.level(on: day("2025-10-08")) == .none)
        #expect(clock.level(on: day("2025-10-11")) == .yellow)
        #expect(clock.level(on: day("2025-10-12")) == .red)
        // 2026: 1–7 October off, Saturday 10 October worked.
        let later = LegalClock(startedOn: day("2026-09-30"), limit: 5, usedBefore: 0, warningPercent: 80, calendar: calendar)
        #expect(later.dueDate == day("2026-10-13"))
        #expect(later.warnOn == day("2026-10-12"))
    }

    @Test func aMakeUpSundayCountsAndTheWeekendBeforeItDoesNot() {
        // Friday 26 September 2025; Saturday 27 off; Sunday 28 worked (调休 for National Day).
        let clock = LegalClock(startedOn: day("2025-09-26"), limit: 1, usedBefore: 0, warningPercent: 80, calendar: calendar)
        #expect(clock.dueDate == day("2025-09-28"))
        #expect(calendar.workingDays(after: day("2025-09-26"), through: day("2025-10-10")) == 5)
    }

    @Test func aClockRunningIntoAnUnpublishedYearIsProvisional() {
        // 2027 is not published yet: its days are counted by the weekend rule only.
        let clock = LegalClock(startedOn: day("2026-12-28"), limit: 10, usedBefore: 0, warningPercent: 80, calendar: calendar)
        #expect(clock.provisional)
        // 29, 30, 31 December, then 1 January 2027 (a Friday, a working day until the schedule says otherwise) …
        #expect(clock.dueDate == day("2027-01-11"))
        let within = LegalClock(startedOn: day("2026-12-01"), limit: 10, usedBefore: 0, warningPercent: 80, calendar: calendar)
        #expect(!within.provisional)
    }

    @Test func theDayOfAcceptanceDoesNotCountAndAZeroLimitIsDueTheSameDay() {
        let clock = LegalClock(startedOn: day("2026-03-02"), limit: 0, usedBefore: 0, warningPercent: 80, calendar: calendar)
        #expect(clock.dueDate == day("2026-03-02") && clock.warnOn == day("2026-03-02"))
        let week = LegalClock(startedOn: day("2026-03-02"), limit: 5, usedBefore: 0, warningPercent: 80, calendar: calendar)
        #expect(week.dueDate == day("2026-03-09"))
        #expect(week.warnOn == day("2026-03-06"))
    }

    @Test func resumeCountsOnlyWhatWasLeft() {
        let clock = LegalClock(startedOn: day("2026-03-16"), limit: 10, usedBefore: 4, warningPercent: 80, calendar: calendar)
        #expect(clock.days == 6)
        #expect(clock.dueDate == day("2026-03-24"))
        // 80 % of 10 is the 8th day of the whole limit: 4 were used, so the 4th of this run.
        #expect(clock.warnOn == day("2026-03-20"))
        let spent = LegalClock(startedOn: day("2026-03-16"), limit: 3, usedBefore: 5, warningPercent: 80, calendar: calendar)
        #expect(spent.dueDate == day("2026-03-16"))
    }
}
