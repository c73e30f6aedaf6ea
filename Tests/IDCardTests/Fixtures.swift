@testable import IDCard

/// Builds card blocks the way a card stores them, field by field.
enum Fixture {
    /// `text` in UCS-2LE, space padded to `length` bytes.
    static func ucs2(_ text: String, _ length: Int) -> [UInt8] {
        var bytes = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        precondition(bytes.count <= length, "fixture field too long")
        while bytes.count < length { bytes += [0x20, 0x00] }
        return bytes
    }

    static func residentBlock(
        name: String = "张三", gender: String = "1", ethnic: String = "01", birth: String = "19491231",
        address: String = "北京市朝阳区某某路1号", number: String = "110105194912310011",
        authority: String = "北京市公安局朝阳分局", start: String = "20200101", end: String = "20400101"
    ) -> [UInt8] {
        let block = ucs2(name, 30) + ucs2(gender, 2) + ucs2(ethnic, 4) + ucs2(birth, 16) + ucs2(address, 70)
            + ucs2(number, 36) + ucs2(authority, 30) + ucs2(start, 16) + ucs2(end, 16) + ucs2("", 36)
        precondition(block.count == 256)
        return block
    }

    static func residencePermitBlock(end: String = "20330101") -> [UInt8] {
        let block = ucs2("陈大文", 30) + ucs2("1", 2) + ucs2("", 4) + ucs2("19900101", 16)
            + ucs2("广东省深圳市福田区某某街2号", 70) + ucs2("810000199001010035", 36) + ucs2("深圳市公安局", 30)
            + ucs2("20230101", 16) + ucs2(end, 16) + ucs2("H12345678", 18) + ucs2("02", 4) + ucs2("", 6)
            + ucs2("J", 2) + ucs2("", 6)
        precondition(block.count == 256)
        return block
    }

    static func permanentResidence2017Block() -> [UInt8] {
        let block = ucs2("SMITH, JOHN", 120) + ucs2("1", 2) + ucs2("USA110080123456", 30) + ucs2("USA", 6)
            + ucs2("史密斯", 30) + ucs2("20170616", 16) + ucs2("20270616", 16) + ucs2("19800102", 16)
            + ucs2("01", 4) + ucs2("1100", 8) + ucs2("I", 2) + ucs2("", 6)
        precondition(block.count == 256)
        return block
    }

    static let longEnglishName = "WOLFESCHLEGELSTEINHAUSENBERGERDORFF, HUBERT BL" // 46 characters

    /// `reserved` fills bytes 158..<188, which the card leaves unused.
    static func permanentResidence2023Block(
        englishName: String = longEnglishName, reserved: String = "", previousCardLink: String = "052"
    ) -> [UInt8] {
        let scalars = Array(englishName)
        let head = String(scalars.prefix(35))
        let tail = String(scalars.dropFirst(35))
        let block = ucs2("沃尔夫", 30) + ucs2("2", 2) + ucs2("01", 4) + ucs2("19850315", 16) + ucs2(head, 70)
            + ucs2("911276198503150028", 36) + ucs2(reserved, 30) + ucs2("20231201", 16)
            + ucs2("20331201", 16) + ucs2(tail, 22) + ucs2("DEU", 6) + ucs2("Y", 2) + ucs2(previousCardLink, 6)
        precondition(block.count == 256)
        return block
    }

    static let photo: [UInt8] = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    static let fingerprint: [UInt8] = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ 1) }

    /// Data of a `30 01` response: lengths, text, photo.
    static func readData(text: [UInt8] = residentBlock()) -> [UInt8] {
        [0x01, 0x00, 0x04, 0x00] + text + photo
    }

    /// Data of a `30 10` response: lengths, text, photo, fingerprint.
    static func readDataWithFingerprint(text: [UInt8] = residentBlock()) -> [UInt8] {
        [0x01, 0x00, 0x04, 0x00, 0x04, 0x00] + text + photo + fingerprint
    }

    /// The complete 1295-byte frame of a successful text+photo read.
    static func readFrame(text: [UInt8] = residentBlock()) -> [UInt8] {
        ResponseFrame(status: .success, data: readData(text: text)).encoded()
    }
}
