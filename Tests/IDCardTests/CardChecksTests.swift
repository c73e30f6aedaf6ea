import Testing
@testable import IDCard

@Suite struct CardChecksTests {
    let today = CardDate(year: 2026, month: 11, day: 29)!

    @Test func consistentValidCardPasses() throws {
        #expect(try CardText(block: Fixture.residentBlock()).checkFailures(today: today).isEmpty)
        #expect(try CardText(block: Fixture.residencePermitBlock()).checkFailures(today: today).isEmpty)
        #expect(try CardText(block: Fixture.permanentResidence2017Block()).checkFailures(today: today).isEmpty)
        #expect(try CardText(block: Fixture.permanentResidence2023Block()).checkFailures(today: today).isEmpty)
    }

    @Test func badCheckCharacter() throws {
        let failures = try CardText(block: Fixture.residentBlock(number: "110105194912310012")).checkFailures(today: today)
        #expect(failures.map(\.code) == [.invalidNumber])
        #expect(failures.first?.numberError?.reason == .checkCharacterMismatch)
    }

    @Test func birthDateMismatch() throws {
        let failures = try CardText(block: Fixture.residentBlock(birth: "19500101")).checkFailures(today: today)
        #expect(failures.map(\.code) == [.birthDateMismatch])
    }

    @Test func genderMismatch() throws {
        #expect(try CardText(block: Fixture.residentBlock(gender: "2")).checkFailures(today: today).map(\.code) == [.genderMismatch])
        #expect(try CardText(block: Fixture.residentBlock(gender: "9")).checkFailures(today: today).isEmpty)
        #expect(try CardText(block: Fixture.residentBlock(gender: "2", number: "11010519491231002X")).checkFailures(today: today).isEmpty)
    }

    @Test func validityBoundaries() throws {
        let card = try CardText(block: Fixture.residentBlock(start: "20200101", end: "20261129"))
        #expect(card.checkFailures(today: today).isEmpty)
        #expect(card.checkFailures(today: CardDate(year: 2026, month: 11, day: 30)!).map(\.code) == [.expired])
        #expect(card.checkFailures(today: CardDate(year: 2020, month: 1, day: 1)!).isEmpty)
        #expect(card.checkFailures(today: CardDate(year: 2019, month: 12, day: 31)!).map(\.code) == [.notYetValid])
        let longTerm = try CardText(block: Fixture.residentBlock(end: "长期"))
        #expect(longTerm.checkFailures(today: CardDate(year: 2999, month: 1, day: 1)!).isEmpty)
    }

    @Test func expiredPermit() throws {
        let failures = try CardText(block: Fixture.residencePermitBlock(end: "20250101")).checkFailures(today: today)
        #expect(failures.map(\.code) == [.expired])
        #expect(failures.first?.recommendedAction == .clear)
        #expect(failures.first?.messageZH.contains("已过有效期") == true)
        #expect(failures.first?.messageEN.contains("expired") == true)
    }

    @Test func severalFailuresAtOnce() throws {
        let card = try CardText(block: Fixture.residentBlock(gender: "2", birth: "19500101", end: "20210101"))
        #expect(card.checkFailures(today: today).map(\.code) == [.birthDateMismatch, .genderMismatch, .expired])
    }

    @Test func messagesNeverCarryTheNumber() {
        for code in CardCheckFailure.Code.allCases {
            let failure = CardCheckFailure(code)
            #expect(!failure.messageZH.isEmpty && !failure.messageEN.isEmpty)
            #expect(failure.description.hasPrefix("CardCheckFailure.\(code.rawValue)"))
        }
    }
}
