import Testing
@testable import KioskCore

@Suite struct ResidentIDNumberTests {
    @Test func acceptsTheStandardsExamples() throws {
        let female = try ResidentIDNumber("11010519491231002X")
        #expect(female.value == "11010519491231002X")
        #expect(female.regionCode == "110105")
        #expect(female.birthDate == ResidentIDNumber.BirthDate(year: 1949, month: 12, day: 31))
        #expect(female.gender == .female)

        let male = try ResidentIDNumber("440524188001010014")
        #expect(male.birthDate == ResidentIDNumber.BirthDate(year: 1880, month: 1, day: 1))
        #expect(male.gender == .male)
    }

    @Test func lowerCaseXIsNormalised() throws {
        #expect(try ResidentIDNumber("11010519491231002x").value == "11010519491231002X")
    }

    @Test func acceptsPermitAndForeignerNumbers() throws {
        #expect(try ResidentIDNumber("810000199001010035").regionCode == "810000")
        #expect(try ResidentIDNumber("911000200001010019").gender == .male)
    }

    @Test func acceptsLeapDay() throws {
        #expect(try ResidentIDNumber("11010120000229123X").birthDate.day == 29)
    }

    @Test(arguments: [
        ("11010519491231002", ResidentIDNumberError.Code.wrongLength),
        ("11010519491231002X1", .wrongLength),
        ("", .wrongLength),
        ("1101051949123100XX", .invalidCharacter),
        ("11010519491231002Y", .invalidCharacter),
        ("1101051949123１002X", .wrongLength), // a full-width digit is three UTF-8 bytes
        ("A1010519491231002X", .invalidCharacter),
        ("990105194912310021", .invalidRegionCode),
        ("001010199001010011", .invalidRegionCode),
        ("110105194902300021", .invalidBirthDate),
        ("110105190002290021", .invalidBirthDate),
        ("110105199013010021", .invalidBirthDate),
        ("110105179901010021", .invalidBirthDate),
        ("110105194912310021", .checkCharacterMismatch),
        ("440524188001010015", .checkCharacterMismatch),
    ])
    func rejects(_ text: String, _ code: ResidentIDNumberError.Code) {
        #expect(throws: ResidentIDNumberError(code)) { try ResidentIDNumber(text) }
    }

    @Test func checkCharacterComputation() {
        #expect(ResidentIDNumber.checkCharacter(forFirst17: "11010519491231002") == "X")
        #expect(ResidentIDNumber.checkCharacter(forFirst17: "44052418800101001") == "4")
        #expect(ResidentIDNumber.checkCharacter(forFirst17: "4405241880010100") == nil)
        #expect(ResidentIDNumber.checkCharacter(forFirst17: "4405241880010100A") == nil)
    }

    @Test func everyRenderingIsMasked() throws {
        let number = try ResidentIDNumber("11010519491231002X")
        #expect(number.masked == "110105********002X")
        #expect("\(number)" == "110105********002X")
        #expect(String(reflecting: number) == "ResidentIDNumber(110105********002X)")
        var dumped = ""
        dump(number, to: &dumped)
        #expect(!dumped.contains("19491231"))
        #expect(dumped.contains("110105********002X"))
        #expect(!"\([number])".contains("19491231"))
    }

    @Test func errorsCarryBothLanguagesAndNoNumber() {
        for code in ResidentIDNumberError.Code.allCases {
            let error = ResidentIDNumberError(code)
            #expect(!error.messageZH.isEmpty)
            #expect(!error.messageEN.isEmpty)
            #expect(error.description.hasPrefix("ResidentIDNumberError.\(code.rawValue)"))
        }
    }

    @Test func birthDateCalendar() {
        #expect(ResidentIDNumber.BirthDate(year: 2024, month: 2, day: 29) != nil)
        #expect(ResidentIDNumber.BirthDate(year: 2023, month: 2, day: 29) == nil)
        #expect(ResidentIDNumber.BirthDate(year: 2000, month: 4, day: 31) == nil)
        #expect(ResidentIDNumber.BirthDate(year: 2000, month: 0, day: 1) == nil)
        #expect(ResidentIDNumber.BirthDate(year: 1999, month: 12, day: 31)! < ResidentIDNumber.BirthDate(year: 2000, month: 1, day: 1)!)
    }
}
