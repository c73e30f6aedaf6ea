import CardReader
import Foundation
import IDCard
import KioskCore
import Testing

struct FixtureTests {
    @Test func theSixFixturesLoad() throws {
        #expect(try loadFixtures().keys.sorted() == [
            "bad-check-digit", "expired", "permanent-residence-2017", "permanent-residence-2023", "residence-permit", "resident",
        ])
    }

    @Test func aFixtureBecomesTheExactTextBlockAndAReal1295ByteFrame() throws {
        let resident = try #require(try loadFixtures()["resident"])
        #expect(resident.textBlock.count == 256)
        // 测 试 甲 in UCS-2LE, then space padding; the type flag slot stays blank.
        #expect(Array(resident.textBlock.prefix(8)) == [0x4B, 0x6D, 0xD5, 0x8B, 0x32, 0x75, 0x20, 0x00])
        #expect(Array(resident.textBlock[30..<36]) == [0x31, 0, 0x30, 0, 0x31, 0])
        #expect(Array(resident.textBlock[248..<250]) == [0x20, 0])
        #expect(resident.photo.count == 1024)
        #expect(resident.photo[1] == 7 && resident.photo[37] == UInt8(37 * 7 % 256))
        let frame = ResponseFrame(status: .success, data: resident.readResponseData).encoded()
        #expect(frame.count == 1295)
        var decoder = FrameDecoder()
        let decoded = try #require(try decoder.feed(frame).first?.get())
        let card = try CardData(readResponse: decoded.data)
        guard case .resident(let text) = card.text else {
            Issue.record("not a resident card")
            return
        }
        #expect(text.name == "测试甲")
        #expect(text.gender == .male)
        #expect(text.ethnicGroup?.nameZH == "汉")
        #expect(text.birthDate == CardDate(year: 1985, month: 6, day: 15))
        #expect(text.address == "北京市东城区示例路1号")
        #expect(text.issuingAuthority == "北京市公安局东城分局")
        #expect(text.validity == Validity(start: CardDate(year: 2020, month: 1, day: 1)!, end: .date(CardDate(year: 2040, month: 1, day: 1)!)))
    }

    @Test func eachCardTypeCarriesItsFlagAndFields() throws {
        let fixtures = try loadFixtures()
        func text(_ name: String) throws -> CardText { try CardText(block: try #require(fixtures[name]).textBlock) }
        guard case .residencePermit(let permit) = try text("residence-permit"),
              case .permanentResidence2017(let old) = try text("permanent-residence-2017"),
              case .permanentResidence2023(let new) = try text("permanent-residence-2023") else {
            Issue.record("wrong card types")
            return
        }
        #expect(permit.passNumber == "H00000001" && permit.issueCount == 1 && permit.idNumber == "810000199203040021")
        #expect(old.englishName == "SAMPLE, ALEX" && old.chineseName == "示例·亚历克斯" && old.cardNumber == "USA110085061501")
        #expect(old.nationalityCode == "USA" && old.cardVersion == "20" && old.issuingAuthorityCode == "1100")
        #expect(new.englishName == "EXAMPLE, MARIA ANNA" && new.cardNumber == "911840199001010026" && new.nationalityCode == "USA")
        #expect(new.previousCardLink == "001" && new.previousCardNumber == "USA110090010114")
        #expect(Array(try #require(fixtures["residence-permit"]).textBlock[248..<250]) == [0x4A, 0])
    }

    @Test func aLongEnglishNameRunsOnIntoTheContinuationField() throws {
        let name = "EXAMPLE-LONGNAME, MARIA ANNA ELIZABETH SOPHIA"   // 45 characters: 35 + 10
        let fixture = try CardFixture.parse("""
            type: permanentResidence2023
            name: 示例
            english_name: \(name)
            gender: "2"
            renewal_count: "01"
            birth_date: "19900101"
            number: "911840199001010026"
            valid_from: "20230601"
            valid_until: "20330601"
            nationality: USA
            """, name: "long")
        guard case .permanentResidence2023(let card) = try CardText(block: fixture.textBlock) else {
            Issue.record("wrong type")
            return
        }
        #expect(card.englishName == name)
        #expect(card.renewalCount == 1)
    }

    @Test func badFixturesSayWhatIsWrong() {
        #expect(throws: CardFixtureError(file: "x", reason: "name is longer than 15 characters")) {
            try CardFixture.parse("""
                {type: resident, name: 一二三四五六七八九十一二三四五六, gender: "1", ethnic_group: "01", birth_date: "19900101",
                 number: "1", issuing_authority: a, valid_from: "20200101", valid_until: "20300101"}
                """, name: "x")
        }
        #expect(throws: CardFixtureError(file: "x", reason: "resident needs ethnic_group")) {
            try CardFixture.parse("""
                {type: resident, name: 甲, gender: "1", birth_date: "19900101",
                 number: "1", issuing_authority: a, valid_from: "20200101", valid_until: "20300101"}
                """, name: "x")
        }
        #expect(throws: CardFixtureError(file: "x", reason: "permanentResidence2023 has no issuing_authority")) {
            try CardFixture.parse("""
                {type: permanentResidence2023, name: 甲, english_name: A, gender: "1", renewal_count: "00",
                 birth_date: "19900101", number: "911840199001010026", issuing_authority: 国家移民管理局,
                 valid_from: "20230601", valid_until: "20330601", nationality: USA}
                """, name: "x")
        }
        let error = #expect(throws: CardFixtureError.self) { try CardFixture.parse("type: passport", name: "x") }
        #expect(error?.code == "cardFixtureInvalid")
    }
}

struct ProfileTests {
    @Test func theShippedProfilesLoad() throws {
        let profiles = try ReaderProfile.load(directory: Paths.readerProfiles)
        #expect(profiles.map(\.id) == ["ga467-serial", "ga467-usb-0400-c35a"])
        #expect(profiles.last?.connection == .usb(.init(vendorID: 0x0400, productID: 0xC35A, interface: 0, endpointOut: 0x02, endpointIn: 0x81)))
        guard case .serial(let serial) = profiles.first?.connection else {
            Issue.record("not serial")
            return
        }
        #expect(serial.paths == ["/dev/ttyUSB*"] && serial.baudRate == 115_200)
    }

    @Test func aProfileWithSwappedEndpointsIsRefused() {
        #expect(throws: ReaderProfileError(file: "bad.yaml", reason: "usb needs vendor_id, product_id, an OUT endpoint_out and an IN endpoint_in")) {
            try ReaderProfile.parse("""
                id: bad
                name: {zh-CN: 坏, en: bad}
                protocol: ga467
                usb: {vendor_id: "0x0400", product_id: "0xc35a", endpoint_out: "0x81", endpoint_in: "0x02"}
                """, file: "bad.yaml")
        }
        #expect(throws: ReaderProfileError(file: "both.yaml", reason: "a profile has exactly one of usb and serial")) {
            try ReaderProfile.parse("{id: both, name: {zh-CN: 两, en: both}, protocol: ga467}", file: "both.yaml")
        }
    }
}

struct FormFactsTests {
    func card(_ name: String) throws -> CardData {
        let fixture = try #require(try loadFixtures()[name])
        return try CardData(readResponse: fixture.readResponseData)
    }

    @Test func aResidentCardFillsEveryAttribute() throws {
        #expect(formFacts(from: try card("resident")) == IDCardFacts(
            name: "测试甲", documentNumber: "110101198506150019", gender: "男", ethnicity: "汉",
            birthDate: "1985-06-15", address: "北京市东城区示例路1号", issuer: "北京市公安局东城分局",
            validFrom: "2020-01-01", validUntil: "2040-01-01"))
    }

    @Test func anAppendedAddressReplacesThePrintedOne() throws {
        let fixture = try #require(try loadFixtures()["bad-check-digit"])
        let moved = try card("bad-check-digit").addingAppendedAddresses(from: fixture.appendedAddressData)
        #expect(formFacts(from: moved).address == "北京市海淀区示例园6号")
    }

    @Test func aForeignersCardLeavesOutWhatItLacks() throws {
        #expect(formFacts(from: try card("permanent-residence-2017")) == IDCardFacts(
            name: "示例·亚历克斯", documentNumber: "USA110085061501", gender: "男", birthDate: "1985-06-15",
            validFrom: "2017-06-01", validUntil: "2037-06-01"))
        #expect(formFacts(from: try card("permanent-residence-2023")) == IDCardFacts(
            name: "示例丙", documentNumber: "911840199001010026", gender: "女", birthDate: "1990-01-01",
            validFrom: "2023-06-01", validUntil: "2033-06-01"))
    }
}

struct ResponseDecodingTests {
    func frame(_ fixture: String) throws -> [UInt8] {
        ResponseFrame(status: .success, data: try #require(try loadFixtures()[fixture]).readResponseData).encoded()
    }

    @Test func aReadResponseDecodesToJSONWithFieldsAndChecks() throws {
        let json = try decodeResponse(bytes: try frame("expired"), today: today)
        // Untyped on purpose: `kiosk idcard decode`'s JSON is the output format under test.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["status"] as? String == "90")
        #expect(object["cardType"] as? String == "resident")
        let fields = try #require(object["fields"] as? [String: Any])
        #expect(fields["idNumber"] as? String == "110101196802290025")
        #expect(fields["validUntil"] as? String == "2024-01-01")
        #expect((fields["ethnicGroup"] as? [String: Any])?["name"] as? String == "回")
        let checks = try #require(object["checks"] as? [String: Any])
        #expect(checks["passed"] as? [String] == ["invalidNumber", "birthDateMismatch", "genderMismatch", "notYetValid"])
        #expect((checks["failed"] as? [[String: String]])?.map { $0["code"] } == ["expired"])
    }

    @Test func aBadCheckDigitNamesTheNumberError() throws {
        let json = try decodeResponse(bytes: try frame("bad-check-digit"), today: today)
        #expect(json.contains(#""numberError" : "checkCharacterMismatch""#))
    }

    @Test func a2023ForeignersCardShowsItsEarlierCardAndNoAuthority() throws {
        let json = try decodeResponse(bytes: try frame("permanent-residence-2023"), today: today)
        // Untyped on purpose, as above: the decoder's output format, and a key that must be absent.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let fields = try #require(object["fields"] as? [String: Any])
        #expect(fields["previousCardLink"] as? String == "001")
        #expect(fields["previousCardNumber"] as? String == "USA110090010114")
        #expect(fields["issuingAuthority"] == nil)
    }

    @Test func statusAndSAMIdentifierResponses() throws {
        let failed = try decodeResponse(bytes: ResponseFrame(status: .readingFailed).encoded(), today: today)
        #expect(failed.contains(#""code" : "readingFailed""#) && failed.contains(#""statusName" : "readingFailed""#))
        let identifier = ResponseFrame(status: .success, data: [5, 0, 1, 0, 0xF5, 0xFD, 0x34, 0x01, 1, 0, 0, 0, 42, 0, 0, 0]).encoded()
        #expect(try decodeResponse(bytes: identifier, today: today).contains("05.01-20250101-0000000001-0000000042"))
    }

    @Test func malformedInputIsAClearError() throws {
        let good = try frame("resident")
        #expect(throws: ResponseDecodingError(.incompleteFrame)) { try decodeResponse(bytes: Array(good.dropLast()), today: today) }
        #expect(throws: ResponseDecodingError(.incompleteFrame)) { try decodeResponse(bytes: [], today: today) }
        var corrupt = good
        corrupt[300] ^= 0x01
        #expect(throws: ResponseDecodingError(.frameChecksumMismatch)) { try decodeResponse(bytes: corrupt, today: today) }
        #expect(throws: ResponseDecodingError(.discardedBytes, detail: "2")) { try decodeResponse(bytes: [1, 2] + good, today: today) }
        #expect(throws: ResponseDecodingError(.moreThanOneFrame)) { try decodeResponse(bytes: good + good, today: today) }
        let shortText = ResponseFrame(status: .success, data: [0, 10, 0, 7] + Array(repeating: 0x20, count: 17)).encoded()
        let error = #expect(throws: ResponseDecodingError.self) { try decodeResponse(bytes: shortText, today: today) }
        #expect(error?.message.en == "The card data cannot be decoded (wrongTextLength)")
    }

    @Test func hexTextAllowsSeparators() throws {
        #expect(try bytes(fromHex: "AA aa:aa-96\n69 00 03 20 01 22") == Command.findCard.frame)
        #expect(throws: ResponseDecodingError(.invalidHex)) { try bytes(fromHex: "AAA") }
        #expect(throws: ResponseDecodingError(.invalidHex)) { try bytes(fromHex: "ZZ") }
    }
}
