import Foundation
import IDCard
import KioskCore
import Yams

/// A card of the simulated reader, from `Devices/cards/*.yaml`: the exact 256-byte text block
/// and the photo bytes a real card would hand the SAM, so simulated reads go through the same
/// `FrameDecoder` and `CardData` path as hardware.
///
/// Keys (every card there is fictional):
/// ```yaml
/// type: resident            # resident | residencePermit | permanentResidence2017 | permanentResidence2023
/// name: 测试甲               # Chinese name (resident, J, Y; I: chineseName)
/// english_name: SAMPLE ALEX  # I and Y
/// gender: "1"               # GB/T 2261.1: 0 1 2 9
/// ethnic_group: "01"        # resident only, GB/T 3304
/// birth_date: "19850615"
/// address: 北京市东城区示例路1号
/// number: "110101198506150013"   # identity number (resident, J, Y) or card number (I)
/// issuing_authority: 北京市公安局东城分局   # resident, J; I: the four-character authority code; Y: none
/// valid_from: "20200101"
/// valid_until: "20400101"   # or 长期
/// pass_number: H00000001    # J
/// issue_count: "01"         # J
/// nationality: USA          # I and Y, GB/T 2659
/// card_version: "20"        # I
/// renewal_count: "00"       # Y
/// previous_card_link: "001" # Y, optional: the earlier card's city digits and sequence digit
/// photo_seed: 7             # photo byte i is (i * seed) mod 256; the WLT format is licensed
/// appended_addresses: []    # addresses added after issue, oldest first
/// ```
public struct CardFixture: Sendable, Hashable {
    /// The file name without `.yaml`.
    public let name: String
    public let textBlock: [UInt8]
    public let photo: [UInt8]
    public let appendedAddresses: [String]

    public init(name: String, textBlock: [UInt8], photo: [UInt8], appendedAddresses: [String] = []) {
        self.name = name
        self.textBlock = textBlock
        self.photo = photo
        self.appendedAddresses = appendedAddresses
    }

    /// The data of a successful `readTextAndPhoto` answer.
    public var readResponseData: [UInt8] {
        [UInt8(textBlock.count >> 8), UInt8(textBlock.count & 0xFF), UInt8(photo.count >> 8), UInt8(photo.count & 0xFF)]
            + textBlock + photo
    }

    /// The data of a `readTextPhotoAndFingerprint` answer for a card without fingerprints.
    public var readWithFingerprintResponseData: [UInt8] {
        let lengths = readResponseData.prefix(4)
        return Array(lengths) + [0, 0] + textBlock + photo
    }

    /// The data of a `readAppendedAddress` answer: 70-byte UCS-2LE entries.
    public var appendedAddressData: [UInt8] {
        appendedAddresses.flatMap { TextBlock.ucs2($0, length: 70) ?? [] }
    }

    /// Every `*.yaml` in `directory`, by name.
    public static func load(directory: URL) throws(CardFixtureError) -> [String: CardFixture] {
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "yaml" }
        } catch {
            throw CardFixtureError(file: directory.lastPathComponent, reason: "the folder cannot be read")
        }
        var fixtures: [String: CardFixture] = [:]
        for file in files {
            let name = file.deletingPathExtension().lastPathComponent
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                throw CardFixtureError(file: file.lastPathComponent, reason: "the file cannot be read as UTF-8")
            }
            fixtures[name] = try parse(text, name: name)
        }
        return fixtures
    }

    public static func parse(_ yaml: String, name: String) throws(CardFixtureError) -> CardFixture {
        let raw: RawFixture
        do {
            raw = try YAMLDecoder().decode(RawFixture.self, from: yaml)
        } catch {
            throw CardFixtureError(file: name, reason: "\(error)")
        }
        var block = TextBlock(file: name)
        do throws(CardFixtureError) {
            try raw.layOut(into: &block)
        } catch {
            throw CardFixtureError(file: name, reason: error.reason)
        }
        for address in raw.appendedAddresses ?? [] where TextBlock.ucs2(address, length: 70) == nil {
            throw CardFixtureError(file: name, reason: "an appended address is longer than 35 characters")
        }
        let seed = raw.photoSeed ?? 1
        return CardFixture(
            name: name, textBlock: block.bytes, photo: (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* seed) },
            appendedAddresses: raw.appendedAddresses ?? [])
    }

    private struct RawFixture: Decodable {
        var type: String
        var name: String?
        var englishName: String?
        var gender: String
        var ethnicGroup: String?
        var birthDate: String
        var address: String?
        var number: String
        var issuingAuthority: String?
        var validFrom: String
        var validUntil: String
        var passNumber: String?
        var issueCount: String?
        var nationality: String?
        var cardVersion: String?
        var renewalCount: String?
        var previousCardLink: String?
        var photoSeed: Int?
        var appendedAddresses: [String]?

        enum CodingKeys: String, CodingKey {
            case type, name, gender, address, number, nationality
            case englishName = "english_name"
            case ethnicGroup = "ethnic_group"
            case birthDate = "birth_date"
            case issuingAuthority = "issuing_authority"
            case validFrom = "valid_from"
            case validUntil = "valid_until"
            case passNumber = "pass_number"
            case issueCount = "issue_count"
            case cardVersion = "card_version"
            case renewalCount = "renewal_count"
            case previousCardLink = "previous_card_link"
            case photoSeed = "photo_seed"
            case appendedAddresses = "appended_addresses"
        }

        /// The offsets `CardText.init(block:)` reads, per card type.
        func layOut(into block: inout TextBlock) throws(CardFixtureError) {
            guard let kind = CardText.Kind(rawValue: type) else {
                throw CardFixtureError(file: "", reason: "type must be one of \(CardText.Kind.allCases.map(\.rawValue))")
            }
            switch kind {
            case .resident:
                try block.put(required(name, "name"), 0..<30, "name")
                try block.put(gender, 30..<32, "gender")
                try block.put(required(ethnicGroup, "ethnic_group"), 32..<36, "ethnic_group")
                try block.put(birthDate, 36..<52, "birth_date")
                try block.put(address ?? "", 52..<122, "address")
                try block.put(number, 122..<158, "number")
                try block.put(required(issuingAuthority, "issuing_authority"), 158..<188, "issuing_authority")
                try putValidity(into: &block)
            case .residencePermit:
                try block.put(required(name, "name"), 0..<30, "name")
                try block.put(gender, 30..<32, "gender")
                try block.put(birthDate, 36..<52, "birth_date")
                try block.put(address ?? "", 52..<122, "address")
                try block.put(number, 122..<158, "number")
                try block.put(required(issuingAuthority, "issuing_authority"), 158..<188, "issuing_authority")
                try putValidity(into: &block)
                try block.put(required(passNumber, "pass_number"), 220..<238, "pass_number")
                try block.put(required(issueCount, "issue_count"), 238..<242, "issue_count")
                try block.put("J", 248..<250, "type")
            case .permanentResidence2017:
                try block.put(required(englishName, "english_name"), 0..<120, "english_name")
                try block.put(gender, 120..<122, "gender")
                try block.put(number, 122..<152, "number")
                try block.put(required(nationality, "nationality"), 152..<158, "nationality")
                try block.put(name ?? "", 158..<188, "name")
                try putValidity(into: &block)
                try block.put(birthDate, 220..<236, "birth_date")
                try block.put(required(cardVersion, "card_version"), 236..<240, "card_version")
                try block.put(required(issuingAuthority, "issuing_authority"), 240..<248, "issuing_authority")
                try block.put("I", 248..<250, "type")
            case .permanentResidence2023:
                try block.put(required(name, "name"), 0..<30, "name")
                try block.put(gender, 30..<32, "gender")
                try block.put(required(renewalCount, "renewal_count"), 32..<36, "renewal_count")
                try block.put(birthDate, 36..<52, "birth_date")
                // The English name fills the address slot and runs on into a continuation field.
                let english = Array(try required(englishName, "english_name"))
                try block.put(String(english.prefix(35)), 52..<122, "english_name")
                try block.put(String(english.dropFirst(35)), 220..<242, "english_name")
                try block.put(number, 122..<158, "number")
                // 158..<188 is reserved on this card: a fixture naming an authority is a mistake.
                guard issuingAuthority == nil else {
                    throw CardFixtureError(file: "", reason: "permanentResidence2023 has no issuing_authority")
                }
                try putValidity(into: &block)
                try block.put(required(nationality, "nationality"), 242..<248, "nationality")
                try block.put("Y", 248..<250, "type")
                try block.put(previousCardLink ?? "", 250..<256, "previous_card_link")
            }
        }

        private func putValidity(into block: inout TextBlock) throws(CardFixtureError) {
            try block.put(validFrom, 188..<204, "valid_from")
            try block.put(validUntil, 204..<220, "valid_until")
        }

        private func required(_ value: String?, _ key: String) throws(CardFixtureError) -> String {
            // `parse` puts the file name in.
            guard let value else { throw CardFixtureError(file: "", reason: "\(type) needs \(key)") }
            return value
        }
    }
}

/// A 256-byte text block being filled: UCS-2LE fields, space padded.
struct TextBlock {
    let file: String
    private(set) var bytes = TextBlock.ucs2("", length: CardText.blockLength) ?? []

    init(file: String) {
        self.file = file
    }

    mutating func put(_ text: String, _ range: Range<Int>, _ key: String) throws(CardFixtureError) {
        guard let field = Self.ucs2(text, length: range.count) else {
            throw CardFixtureError(file: file, reason: "\(key) is longer than \(range.count / 2) characters")
        }
        bytes.replaceSubrange(range, with: field)
    }

    /// `text` as UCS-2LE padded with spaces to `length` bytes; nil if it does not fit.
    static func ucs2(_ text: String, length: Int) -> [UInt8]? {
        let units = Array(text.utf16)
        guard units.count * 2 <= length else { return nil }
        let padded = units + Array(repeating: UInt16(0x20), count: length / 2 - units.count)
        return padded.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }
}

/// A fixture that does not describe a card. Fixtures are fictional, so the reason may name
/// the field.
public struct CardFixtureError: KioskError, Equatable {
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var code: String { "cardFixtureInvalid" }

    public var message: LocalizedText {
        .init(zh: "模拟证件文件 \(file) 无效：\(reason)", en: "The simulated card \(file) is invalid: \(reason)")
    }
}
