import KioskCore

/// Why the data of a successful response could not be decoded. Names the field, never its
/// content.
public struct CardDataError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The block lengths at the start of a read response do not add up to its size.
        case inconsistentLengths
        /// The text block is not 256 bytes.
        case wrongTextLength
        /// The type flag names a card this decoder does not know.
        case unsupportedCardType
        /// A field that must be a code, number or date is not.
        case invalidField
        /// A SAM identifier is not 16 bytes.
        case wrongIdentifierLength
    }

    public let code: Code
    /// The field's name for `invalidField` (`birthDate`, `gender`, …).
    public let field: String?

    public init(_ code: Code, field: String? = nil) {
        self.code = code
        self.field = field
    }

    public var recommendedAction: RecommendedAction { .retry }

    public var messageZH: String {
        switch code {
        case .inconsistentLengths: "证件数据长度不一致"
        case .wrongTextLength: "证件文字信息长度错误"
        case .unsupportedCardType: "不支持的证件类型"
        case .invalidField: "证件信息字段格式错误（\(field ?? "")）"
        case .wrongIdentifierLength: "安全模块号长度错误"
        }
    }

    public var messageEN: String {
        switch code {
        case .inconsistentLengths: "The lengths in the card data do not add up."
        case .wrongTextLength: "The card's text block has the wrong length."
        case .unsupportedCardType: "The card type is not supported."
        case .invalidField: "A card field is malformed (\(field ?? ""))."
        case .wrongIdentifierLength: "The SAM identifier has the wrong length."
        }
    }

    public var description: String { "CardDataError.\(code.rawValue): \(messageEN)" }
}

/// Everything read from one card. Photo and fingerprints stay as the card stores them
/// (WLT and feature templates): decoding them needs licensed libraries, see `PhotoDecoder`.
///
/// `description`, `debugDescription` and `dump` show only masked data.
public struct CardData: Sendable, Hashable {
    public let text: CardText
    /// The 1024-byte WLT photo.
    public let photo: [UInt8]
    /// Two 512-byte fingerprint templates, or nil if not read (or the card holds none).
    public let fingerprint: [UInt8]?
    /// Addresses appended after issue (moves), oldest first; empty if none.
    public let appendedAddresses: [String]

    public init(text: CardText, photo: [UInt8], fingerprint: [UInt8]? = nil, appendedAddresses: [String] = []) {
        self.text = text
        self.photo = photo
        self.fingerprint = fingerprint
        self.appendedAddresses = appendedAddresses
    }

    /// Decodes the data of a `readTextAndPhoto` or `readTextPhotoAndFingerprint` response:
    /// big-endian lengths of text, photo (and fingerprint), then the blocks. Which of the
    /// two it is follows from the size, so one decoder serves both commands.
    public init(readResponse data: [UInt8]) throws(CardDataError) {
        func length(at offset: Int) -> Int { Int(data[offset]) << 8 | Int(data[offset + 1]) }
        guard data.count >= 4 else { throw CardDataError(.inconsistentLengths) }
        let textLength = length(at: 0)
        let photoLength = length(at: 2)
        let blocksStart: Int
        let fingerprintLength: Int?
        if 4 + textLength + photoLength == data.count {
            blocksStart = 4
            fingerprintLength = nil
        } else if data.count >= 6, 6 + textLength + photoLength + length(at: 4) == data.count {
            blocksStart = 6
            fingerprintLength = length(at: 4)
        } else {
            throw CardDataError(.inconsistentLengths)
        }
        let photoStart = blocksStart + textLength
        let fingerprintStart = photoStart + photoLength
        self.init(
            text: try CardText(block: Array(data[blocksStart..<photoStart])),
            photo: Array(data[photoStart..<fingerprintStart]),
            fingerprint: fingerprintLength.flatMap { $0 > 0 ? Array(data[fingerprintStart...]) : nil })
    }

    /// The same card with the addresses of a `readAppendedAddress` response: 70-byte
    /// UCS-2LE entries, blank ones skipped.
    public func addingAppendedAddresses(from data: [UInt8]) -> CardData {
        let fields = TextFields(block: data)
        let addresses = stride(from: 0, to: data.count, by: 70)
            .map { fields.text($0..<min($0 + 70, data.count)) }
            .filter { !$0.isEmpty }
        return CardData(text: text, photo: photo, fingerprint: fingerprint, appendedAddresses: addresses)
    }
}

/// Decodes a card's WLT photo. The WLT format is licensed: a terminal plugs in the vendor's
/// decoder here; without one the photo is kept as received and not shown.
public protocol PhotoDecoder: Sendable {
    /// Returns an image the UI can show (e.g. BMP or JPEG bytes), with its media type.
    func decode(wlt: [UInt8]) throws -> DecodedPhoto
}

public struct DecodedPhoto: Sendable, Hashable, CustomStringConvertible {
    public let mediaType: String
    public let bytes: [UInt8]

    public init(mediaType: String, bytes: [UInt8]) {
        self.mediaType = mediaType
        self.bytes = bytes
    }

    public var description: String { "DecodedPhoto(\(mediaType), \(bytes.count) bytes)" }
}

/// The SAM's identifier, printed the way readers' labels and vendor tools show it:
/// `NN.NN-NNNNNNNN-NNNNNNNNNN-NNNNNNNNNN` from two little-endian UInt16 and three
/// little-endian UInt32.
public struct SAMIdentifier: Sendable, Hashable, CustomStringConvertible {
    public let description: String

    public init(responseData data: [UInt8]) throws(CardDataError) {
        guard data.count == 16 else { throw CardDataError(.wrongIdentifierLength) }
        func little(_ offset: Int, _ count: Int) -> UInt64 {
            (0..<count).reduce(0) { $0 | UInt64(data[offset + $1]) << (8 * UInt64($1)) }
        }
        func padded(_ value: UInt64, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        description = padded(little(0, 2), 2) + "." + padded(little(2, 2), 2) + "-" + padded(little(4, 4), 8)
            + "-" + padded(little(8, 4), 10) + "-" + padded(little(12, 4), 10)
    }
}

// MARK: - Masked renderings

extension CardData: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        "CardData(\(text), photo: \(photo.count) bytes, fingerprint: \(fingerprint.map { "\($0.count) bytes" } ?? "none"), appendedAddresses: \(appendedAddresses.count))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["text": text.description, "photoBytes": photo.count,
                                "fingerprintBytes": fingerprint?.count ?? 0,
                                "appendedAddresses": appendedAddresses.count], displayStyle: .struct)
    }
}

extension CardText: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Kind, masked name and masked number; nothing else.
    public var description: String {
        "\(kind.rawValue)(name: \(Masking.name(name)), number: \(Masking.number(documentNumber)))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["kind": kind.rawValue, "name": Masking.name(name),
                                "number": Masking.number(documentNumber)], displayStyle: .enum)
    }
}

/// The per-kind structs print like the enum that wraps them, so a stray `print(card)` of
/// either leaks nothing.
protocol MaskedCardText: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    var wrapped: CardText { get }
}

extension MaskedCardText {
    public var description: String { wrapped.description }
    public var debugDescription: String { wrapped.description }
    public var customMirror: Mirror { wrapped.customMirror }
}

extension ResidentCardText: MaskedCardText { var wrapped: CardText { .resident(self) } }
extension ResidencePermitText: MaskedCardText { var wrapped: CardText { .residencePermit(self) } }
extension PermanentResidence2017Text: MaskedCardText { var wrapped: CardText { .permanentResidence2017(self) } }
extension PermanentResidence2023Text: MaskedCardText { var wrapped: CardText { .permanentResidence2023(self) } }

enum Masking {
    /// First character, then one asterisk per further character.
    static func name(_ name: String) -> String {
        guard let first = name.first else { return "" }
        return String(first) + String(repeating: "*", count: max(1, name.count - 1))
    }

    /// The terminal's one rule for identity numbers (`IDNumberMasking`).
    static func number(_ number: String) -> String { IDNumberMasking.mask(number) }
}
