import Foundation
import KioskCore
import Testing
@testable import Booking

@Suite("Booking rules: quotas, no-show ban, change deadline")
struct BookingRulesTests {
    let policy = BookingPolicy(maxActivePerService: 1, maxActiveTotal: 3, noShowLimit: 3, noShowWindowDays: 90,
                               banDays: 30, changeDeadlineMinutes: 60)

    @Test func quotaPerServiceAndInTotal() throws {
        try policy.checkQuota(activeForService: 0, activeTotal: 2)
        #expect(throws: BookingRuleError(.quotaPerServiceExceeded)) {
            try policy.checkQuota(activeForService: 1, activeTotal: 1)
        }
        #expect(throws: BookingRuleError(.quotaTotalExceeded)) {
            try policy.checkQuota(activeForService: 0, activeTotal: 3)
        }
    }

    @Test func threeNoShowsWithinNinetyDaysBanForThirtyDaysFromTheThird() throws {
        let first = try Fixtures.beijing("2026-01-05 09:00")
        let third = try Fixtures.beijing("2026-04-04 09:00")  // 89 days after the first
        let noShows = [first, try Fixtures.beijing("2026-02-10 10:00"), third]
        let end = try #require(policy.banEnd(noShows: noShows, now: third))
        #expect(end == third.addingTimeInterval(30 * 86_400))
        #expect(policy.banEnd(noShows: noShows, now: end.addingTimeInterval(-1)) == end)
        #expect(policy.banEnd(noShows: noShows, now: end) == nil)
        #expect(policy.banEnd(noShows: Array(noShows.prefix(2)), now: third) == nil)
        #expect(throws: BookingRuleError(.bannedForNoShows, until: "2026-05-04")) {
            try policy.checkNotBanned(noShows: noShows, now: third, zone: Fixtures.shanghai)
        }
    }

    @Test func noShowsSpreadOverMoreThanNinetyDaysDoNotBan() throws {
        let noShows = [try Fixtures.beijing("2026-01-05 09:00"), try Fixtures.beijing("2026-02-10 10:00"),
                       try Fixtures.beijing("2026-04-05 09:00")]  // 90 days after the first
        #expect(policy.banEnd(noShows: noShows, now: try Fixtures.beijing("2026-04-06 09:00")) == nil)
        // A fourth within 90 days of the second completes a run: the ban starts from it.
        let fourth = try Fixtures.beijing("2026-04-20 09:00")
        #expect(policy.banEnd(noShows: noShows + [fourth], now: fourth) == fourth.addingTimeInterval(30 * 86_400))
    }

    @Test func cancellationClosesAnHourBeforeTheBookedStart() throws {
        let start = try Fixtures.beijing("2026-12-03 09:30")
        try policy.checkChangeAllowed(start: start, now: try Fixtures.beijing("2026-12-03 08:30"))
        #expect(throws: BookingRuleError(.changeDeadlinePassed)) {
            try policy.checkChangeAllowed(start: start, now: try Fixtures.beijing("2026-12-03 08:31"))
        }
    }

    @Test func errorsAreKioskErrorsWithoutPersonalData() {
        for kind in BookingRuleError.Kind.allCases {
            let error: any KioskError = BookingRuleError(kind)
            #expect(error.code == kind.rawValue)
            #expect(!error.message.zh.isEmpty && !error.message.en.isEmpty)
        }
        #expect(BookingRuleError(.bannedForNoShows, until: "2026-05-04").message.en.hasSuffix("until 2026-05-04."))
    }
}

@Suite("Check-in window")
struct CheckInWindowTests {
    let window = CheckInWindow(earlyMinutes: 30, lateMinutes: 15)

    @Test func thirtyMinutesEarlyToFifteenLate() throws {
        let start = try Fixtures.beijing("2026-12-03 09:30")
        #expect(throws: BookingRuleError(.checkInTooEarly, until: "2026-12-03 09:00")) {
            try window.outcome(start: start, now: start.addingTimeInterval(-30 * 60 - 1), zone: Fixtures.shanghai)
        }
        #expect(try window.outcome(start: start, now: start.addingTimeInterval(-30 * 60), zone: Fixtures.shanghai) == .onTime)
        #expect(try window.outcome(start: start, now: start.addingTimeInterval(15 * 60 - 1), zone: Fixtures.shanghai) == .onTime)
        #expect(try window.outcome(start: start, now: start.addingTimeInterval(15 * 60), zone: Fixtures.shanghai) == .late)
        #expect(try window.outcome(start: start, now: start.addingTimeInterval(6 * 3600), zone: Fixtures.shanghai) == .late)
    }
}

@Suite("Ratings")
struct RatingTests {
    @Test func scoresOneToFiveWithReasonCodes() throws {
        try Rating.validate(score: 1, reasons: ["slowService", "attitude_2"])
        try Rating.validate(score: 5, reasons: [])
        for (score, reasons) in [(0, []), (6, []), (3, ["2fast"]), (3, ["a b"]), (3, ["态度"]), (3, ["x", "x"]),
                                 (3, [String(repeating: "a", count: 33)]), (3, (0..<9).map { "r\($0)" })] {
            #expect(throws: BookingRuleError(.invalidRating)) { try Rating.validate(score: score, reasons: reasons) }
        }
    }
}
