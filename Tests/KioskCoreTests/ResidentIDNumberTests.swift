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
        ("11010519491231002", ResidentIDNumberError.Reason.wrongLength),
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
    func rejects(_ text: String, _ reason: ResidentIDNumberError.Reason) {
        #expect(throws: ResidentIDNumberError(reason)) { try ResidentIDNumber(text) }
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

    /// One stable code for clients whatever the reason, the reason in both languages.
    @Test func errorsAreKioskErrorsWithBothLanguagesAndNoNumber() {
        for reason in ResidentIDNumberError.Reason.allCases {
            let error: any KioskError = ResidentIDNumberError(reason)
            #expect(error.code == "invalidIdNumber")
            #expect(!error.message.zh.isEmpty && !error.message.en.isEmpty)
            #expect(error.description.hasPrefix("ResidentIDNumberError.\(reason.rawValue)"))
        }
    }

    /// One masking rule for every identity number the terminal shows: 18 characters keep six
    /// and four, a shorter card number three and two, a very short one nothing.
    @Test func oneMaskingRuleForEveryLength() throws {
        #expect(IDNumberMasking.mask("11010519491231002X") == "110105********002X")
        #expect(IDNumberMasking.mask("ABC110087654321") == "ABC**********21")
        #expect(IDNumberMasking.mask("12345") == "*****")
        #expect(IDNumberMasking.mask("") == "")
        #expect(try ResidentIDNumber("11010519491231002X").masked == IDNumberMasking.mask("11010519491231002X"))
    }

    @Test func cardFactsShowOnlyTheMaskedNumber() throws {
        let facts = IDCardFacts(name: "张三", documentNumber: "11010519491231002X", birthDate: "1949-12-31", address: "北京市")
        var dumped = ""
        dump(facts, to: &dumped)
        for rendering in ["\(facts)", String(reflecting: facts), dumped, "\([facts])"] {
            #expect(!rendering.contains("张三") && !rendering.contains("19491231") && !rendering.contains("北京"), "\(rendering)")
        }
        #expect(try facts.residentIDNumber().value == "11010519491231002X")
        #expect(throws: ResidentIDNumberError(.wrongLength)) { try IDCardFacts(documentNumber: "ABC110087654321").residentIDNumber() }
    }

    @Test func birthDateCalendar() {
        #expect(ResidentIDNumber.BirthDate(year: 2024, month: 2, day: 29) != nil)
        #expect(ResidentIDNumber.BirthDate(year: 2023, month: 2, day: 29) == nil)
        #expect(ResidentIDNumber.BirthDate(year: 2000, month: 4, day: 31) == nil)
        #expect(ResidentIDNumber.BirthDate(year: 2000, month: 0, day: 1) == nil)
        #expect(ResidentIDNumber.BirthDate(year: 1999, month: 12, day: 31)! < ResidentIDNumber.BirthDate(year: 2000, month: 1, day: 1)!)
    }
}
