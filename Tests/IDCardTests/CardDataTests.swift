import Testing
@testable import IDCard

@Suite struct CardDataTests {
    @Test func residentCard() throws {
        let card = try CardData(readResponse: Fixture.readData())
        guard case .resident(let text) = card.text else {
            Issue.record("expected a resident card, got \(card.text.kind)")
            return
        }
        #expect(text.name == "张三")
        #expect(text.gender == .male)
        #expect(text.ethnicGroupCode == 1)
        #expect(text.ethnicGroup?.nameZH == "汉")
        #expect(text.birthDate == CardDate(year: 1949, month: 12, day: 31))
        #expect(text.address == "北京市朝阳区某某路1号")
        #expect(text.idNumber == "110105194912310011")
        #expect(text.issuingAuthority == "北京市公安局朝阳分局")
        #expect(text.validity == Validity(start: CardDate(year: 2020, month: 1, day: 1)!, end: .date(CardDate(year: 2040, month: 1, day: 1)!)))
        #expect(card.photo == Fixture.photo)
        #expect(card.fingerprint == nil)
        #expect(card.appendedAddresses.isEmpty)
    }

    @Test func longTermValidity() throws {
        let text = try CardText(block: Fixture.residentBlock(end: "长期"))
        #expect(text.validity.end == .longTerm)
    }

    @Test func withFingerprint() throws {
        let card = try CardData(readResponse: Fixture.readDataWithFingerprint())
        #expect(card.fingerprint == Fixture.fingerprint)
        #expect(card.photo == Fixture.photo)
        #expect(card.text.kind == .resident)
    }

    @Test func fingerprintLengthZeroMeansNone() throws {
        let data = [0x01, 0x00, 0x04, 0x00, 0x00, 0x00] + Fixture.residentBlock() + Fixture.photo
        #expect(try CardData(readResponse: data).fingerprint == nil)
    }

    @Test func residencePermit() throws {
        guard case .residencePermit(let text) = try CardText(block: Fixture.residencePermitBlock()) else {
            Issue.record("expected a residence permit")
            return
        }
        #expect(text.name == "陈大文")
        #expect(text.gender == .male)
        #expect(text.birthDate == CardDate(year: 1990, month: 1, day: 1))
        #expect(text.address == "广东省深圳市福田区某某街2号")
        #expect(text.idNumber == "810000199001010035")
        #expect(text.issuingAuthority == "深圳市公安局")
        #expect(text.validity.start == CardDate(year: 2023, month: 1, day: 1))
        #expect(text.passNumber == "H12345678")
        #expect(text.issueCount == 2)
    }

    @Test func permanentResidence2017() throws {
        guard case .permanentResidence2017(let text) = try CardText(block: Fixture.permanentResidence2017Block()) else {
            Issue.record("expected a 2017 permanent residence card")
            return
        }
        #expect(text.englishName == "SMITH, JOHN")
        #expect(text.gender == .male)
        #expect(text.cardNumber == "USA110080123456")
        #expect(text.nationalityCode == "USA")
        #expect(text.chineseName == "史密斯")
        #expect(text.validity == Validity(start: CardDate(year: 2017, month: 6, day: 16)!, end: .date(CardDate(year: 2027, month: 6, day: 16)!)))
        #expect(text.birthDate == CardDate(year: 1980, month: 1, day: 2))
        #expect(text.cardVersion == "01")
        #expect(text.issuingAuthorityCode == "1100")
    }

    @Test func permanentResidence2023() throws {
        let card = try CardText(block: Fixture.permanentResidence2023Block())
        guard case .permanentResidence2023(let text) = card else {
            Issue.record("expected a 2023 permanent residence card")
            return
        }
        #expect(text.chineseName == "沃尔夫")
        #expect(text.gender == .female)
        #expect(text.renewalCount == 1)
        #expect(text.birthDate == CardDate(year: 1985, month: 3, day: 15))
        #expect(text.englishName == Fixture.longEnglishName)
        #expect(text.cardNumber == "911276198503150028")
        #expect(text.nationalityCode == "DEU")
        #expect(text.validity == Validity(start: CardDate(year: 2023, month: 12, day: 1)!, end: .date(CardDate(year: 2033, month: 12, day: 1)!)))
        #expect(text.previousCardLink == "052")
        // DEU + province 11 + city 05 + 850315 + sequence 2 + check digit.
        #expect(text.previousCardNumber == "DEU110585031528")
        #expect(card.name == "沃尔夫")
        #expect(card.documentNumber == "911276198503150028")

        let short = try CardText(block: Fixture.permanentResidence2023Block(englishName: "LI, ANNA"))
        guard case .permanentResidence2023(let shortText) = short else { return }
        #expect(shortText.englishName == "LI, ANNA")
    }

    @Test func theReservedSlotOfThe2023CardIsIgnored() throws {
        // Where a resident card keeps its issuing authority, the 2023 card keeps nothing.
        let plain = try CardText(block: Fixture.permanentResidence2023Block())
        let filled = try CardText(block: Fixture.permanentResidence2023Block(reserved: "国家移民管理局"))
        #expect(plain == filled)
    }

    @Test func aCardWithoutAnEarlierOneLinksToNoNumber() throws {
        guard case .permanentResidence2023(let text) = try CardText(
            block: Fixture.permanentResidence2023Block(previousCardLink: "")) else {
            Issue.record("expected a 2023 permanent residence card")
            return
        }
        #expect(text.previousCardLink.isEmpty)
        #expect(text.previousCardNumber == nil)
    }

    @Test func thePreviousCardNumberIsRebuiltWithItsCheckDigit() throws {
        // A published pair of numbers for one holder: the 2023 number and the 2017 one.
        let text = PermanentResidence2023Text(
            chineseName: "", gender: .female, renewalCount: 0, birthDate: CardDate(year: 1990, month: 12, day: 31)!,
            englishName: "", cardNumber: "911398199012310021",
            validity: Validity(start: CardDate(year: 2024, month: 1, day: 1)!, end: .longTerm),
            nationalityCode: "KAZ", previousCardLink: "000")
        #expect(text.previousCardNumber == "KAZ110090123105")
        // ICAO 9303's own example: document number L898902C3 has check digit 6.
        #expect(PermanentResidence2023Text.checkDigit(Array("L898902C3".utf8)) == UInt8(ascii: "6"))
        for malformed in [("12", "KAZ"), ("0A0", "KAZ"), ("000", "KZ"), ("000", "kaz")] {
            let broken = PermanentResidence2023Text(
                chineseName: "", gender: .female, renewalCount: 0, birthDate: text.birthDate, englishName: "",
                cardNumber: text.cardNumber, validity: text.validity, nationalityCode: malformed.1,
                previousCardLink: malformed.0)
            #expect(broken.previousCardNumber == nil)
        }
    }

    @Test func allEthnicGroups() throws {
        #expect(EthnicGroup.all.count == 58)
        #expect(Set(EthnicGroup.all.map(\.code)) == Set(Array(1...56) + [97, 98]))
        #expect(Set(EthnicGroup.all.map(\.nameZH)).count == 58)
        #expect(EthnicGroup(code: 56)?.nameZH == "基诺")
        #expect(EthnicGroup(code: 97)?.nameZH == "其他")
        #expect(EthnicGroup(code: 98)?.nameZH == "外国血统中国籍人士")
        #expect(EthnicGroup(code: 57) == nil)
        #expect(EthnicGroup(code: 0) == nil)
        for group in EthnicGroup.all {
            let code = group.code < 10 ? "0\(group.code)" : "\(group.code)"
            guard case .resident(let text) = try CardText(block: Fixture.residentBlock(ethnic: code)) else { continue }
            #expect(text.ethnicGroup == group)
        }
    }

    @Test(arguments: [("0", Gender.unknown), ("1", .male), ("2", .female), ("9", .unspecified)])
    func genders(_ code: String, _ gender: Gender) throws {
        #expect(try CardText(block: Fixture.residentBlock(gender: code)).gender == gender)
    }

    @Test func malformedFieldsAreNamed() {
        #expect(throws: CardDataError(.invalidField, field: "gender")) { try CardText(block: Fixture.residentBlock(gender: "3")) }
        #expect(throws: CardDataError(.invalidField, field: "birthDate")) { try CardText(block: Fixture.residentBlock(birth: "19490231")) }
        #expect(throws: CardDataError(.invalidField, field: "ethnicGroup")) { try CardText(block: Fixture.residentBlock(ethnic: "x1")) }
        #expect(throws: CardDataError(.invalidField, field: "validityEnd")) { try CardText(block: Fixture.residentBlock(end: "永久")) }
        #expect(throws: CardDataError(.invalidField, field: "validityStart")) { try CardText(block: Fixture.residentBlock(start: "")) }
    }

    @Test func unknownTypeFlagAndWrongSizes() {
        var block = Fixture.residentBlock()
        block[248] = UInt8(ascii: "Z")
        block[249] = 0
        #expect(throws: CardDataError(.unsupportedCardType)) { try CardText(block: block) }
        #expect(throws: CardDataError(.wrongTextLength)) { try CardText(block: Array(block.prefix(255))) }
        #expect(throws: CardDataError(.inconsistentLengths)) { try CardData(readResponse: [0x01]) }
        #expect(throws: CardDataError(.inconsistentLengths)) { try CardData(readResponse: Array(Fixture.readData().dropLast())) }
        #expect(throws: CardDataError(.wrongTextLength)) {
            try CardData(readResponse: [0x00, 0x02, 0x00, 0x00, 0x41, 0x00])
        }
    }

    @Test func appendedAddresses() throws {
        let card = try CardData(readResponse: Fixture.readData())
        let data = Fixture.ucs2("上海市浦东新区某某路3号", 70) + Fixture.ucs2("", 70) + Fixture.ucs2("上海市徐汇区某某路4号", 70)
        #expect(card.addingAppendedAddresses(from: data).appendedAddresses == ["上海市浦东新区某某路3号", "上海市徐汇区某某路4号"])
        #expect(card.addingAppendedAddresses(from: [0x41]).appendedAddresses == [])
    }

    @Test func descriptionsAreMasked() throws {
        let card = try CardData(readResponse: Fixture.readDataWithFingerprint())
        let rendered = ["\(card)", String(reflecting: card), "\(card.text)", String(reflecting: card.text), "\([card])"]
        guard case .resident(let resident) = card.text else { return }
        var dumped = ""
        dump(card, to: &dumped)
        dump(resident, to: &dumped)
        for text in rendered + ["\(resident)", String(reflecting: resident), dumped] {
            #expect(!text.contains("张三"))
            #expect(!text.contains("19491231"))
            #expect(!text.contains("朝阳区"))
            #expect(!text.contains("110105194912310011"))
        }
        #expect("\(card)" == "CardData(resident(name: 张*, number: 110105********0011), photo: 1024 bytes, fingerprint: 1024 bytes, appendedAddresses: 0)")
        #expect(Masking.number("USA110080123456") == "USA**********56")
        #expect(Masking.name("") == "")
        #expect(Masking.name("王") == "王*")
    }

    @Test func cardDates() {
        #expect(CardDate(yyyymmdd: "20240229") != nil)
        #expect(CardDate(yyyymmdd: "20230229") == nil)
        #expect(CardDate(yyyymmdd: "2023022") == nil)
        #expect(CardDate(yyyymmdd: "2023-2-1") == nil)
        #expect(CardDate(yyyymmdd: "00000101") == nil)
        #expect(CardDate(year: 2024, month: 3, day: 5)?.description == "2024-03-05")
    }
}
