import Foundation
import IDCard
import KioskCore

/// The core of `kiosk idcard decode [--hex]`: one raw response frame in, JSON out (status,
/// card type, every field, which checks passed and which failed).
///
/// Only for the CLI: a technician decodes a frame they captured themselves, at the terminal,
/// so the output holds the **full** fields, unmasked. Never call it where the result could
/// reach a log, an HTTP response or a metric.
///
/// Throws `ResponseDecodingError` for bytes that are not exactly one intact frame, or a
/// successful read whose card data cannot be decoded.
public func decodeResponse(bytes: [UInt8], today: CardDate) throws(ResponseDecodingError) -> String {
    var decoder = FrameDecoder()
    var frames: [ResponseFrame] = []
    for result in decoder.feed(bytes) {
        switch result {
        case .success(let frame): frames.append(frame)
        case .failure(let error): throw ResponseDecodingError(error)
        }
    }
    guard decoder.pendingByteCount == 0, let frame = frames.first else {
        throw ResponseDecodingError(.incompleteFrame)
    }
    guard frames.count == 1 else { throw ResponseDecodingError(.moreThanOneFrame) }

    var object: [String: Any] = ["status": hex(frame.sw3), "statusName": frame.status.map { "\($0)" } ?? "unknown"]
    if let error = frame.status?.error ?? (frame.status == nil ? ReaderError(.unknownStatus(frame.sw3)) : nil) {
        object["error"] = ["code": error.codeName, "zh-CN": error.messageZH, "en": error.messageEN]
    } else if frame.data.count == 16, let identifier = try? SAMIdentifier(responseData: frame.data) {
        object["samIdentifier"] = identifier.description
    } else if frame.data.count > 16 {
        let card: CardData
        do {
            card = try CardData(readResponse: frame.data)
        } catch {
            throw ResponseDecodingError(.malformedCardData, detail: error.field ?? error.code.rawValue)
        }
        object["cardType"] = card.text.kind.rawValue
        object["fields"] = fields(of: card.text)
        object["photoBytes"] = card.photo.count
        object["fingerprintBytes"] = card.fingerprint?.count ?? 0
        let failures = card.text.checkFailures(today: today)
        let applicable: [CardCheckFailure.Code] = card.text.kind == .permanentResidence2017
            ? [.notYetValid, .expired] : CardCheckFailure.Code.allCases
        object["checks"] = [
            "passed": applicable.filter { code in !failures.contains { $0.code == code } }.map(\.rawValue),
            "failed": failures.map { failure in
                ["code": failure.code.rawValue, "zh-CN": failure.messageZH, "en": failure.messageEN]
                    .merging(failure.numberError.map { ["numberError": $0.reason.rawValue] } ?? [:]) { first, _ in first }
            },
        ]
    } else if !frame.data.isEmpty {
        object["dataHex"] = frame.data.map(hex).joined()
    }
    guard let json = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
        throw ResponseDecodingError(.malformedCardData, detail: "json")
    }
    return String(decoding: json, as: UTF8.self)
}

/// Hex text as `kiosk idcard decode --hex` takes it: pairs of hex digits, with any spaces,
/// line breaks, colons or dashes between them.
public func bytes(fromHex text: String) throws(ResponseDecodingError) -> [UInt8] {
    let digits = text.unicodeScalars.filter { !" \t\r\n:-".unicodeScalars.contains($0) }.map(Character.init)
    guard digits.count.isMultiple(of: 2) else { throw ResponseDecodingError(.invalidHex) }
    var result: [UInt8] = []
    result.reserveCapacity(digits.count / 2)
    for index in stride(from: 0, to: digits.count, by: 2) {
        guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else { throw ResponseDecodingError(.invalidHex) }
        result.append(byte)
    }
    return result
}

private func fields(of text: CardText) -> [String: Any] {
    func validity(_ validity: Validity) -> [String: String] {
        let end = switch validity.end {
        case .date(let date): date.description
        case .longTerm: "长期"
        }
        return ["validFrom": validity.start.description, "validUntil": end]
    }
    func gender(_ gender: Gender) -> [String: String] { ["code": gender.rawValue, "name": gender.nameZH] }
    switch text {
    case .resident(let card):
        return [
            "name": card.name, "gender": gender(card.gender),
            "ethnicGroup": ["code": card.ethnicGroupCode, "name": card.ethnicGroup.map { $0.nameZH as Any } ?? NSNull()],
            "birthDate": card.birthDate.description, "address": card.address, "idNumber": card.idNumber,
            "issuingAuthority": card.issuingAuthority,
        ].merging(validity(card.validity)) { first, _ in first }
    case .residencePermit(let card):
        return [
            "name": card.name, "gender": gender(card.gender), "birthDate": card.birthDate.description,
            "address": card.address, "idNumber": card.idNumber, "issuingAuthority": card.issuingAuthority,
            "passNumber": card.passNumber, "issueCount": card.issueCount,
        ].merging(validity(card.validity)) { first, _ in first }
    case .permanentResidence2017(let card):
        return [
            "englishName": card.englishName, "chineseName": card.chineseName, "gender": gender(card.gender),
            "cardNumber": card.cardNumber, "nationalityCode": card.nationalityCode, "birthDate": card.birthDate.description,
            "cardVersion": card.cardVersion, "issuingAuthorityCode": card.issuingAuthorityCode,
        ].merging(validity(card.validity)) { first, _ in first }
    case .permanentResidence2023(let card):
        return [
            "chineseName": card.chineseName, "englishName": card.englishName, "gender": gender(card.gender),
            "renewalCount": card.renewalCount, "birthDate": card.birthDate.description, "cardNumber": card.cardNumber,
            "nationalityCode": card.nationalityCode, "previousCardLink": card.previousCardLink,
            "previousCardNumber": card.previousCardNumber.map { $0 as Any } ?? NSNull(),
        ].merging(validity(card.validity)) { first, _ in first }
    }
}

private func hex(_ byte: UInt8) -> String {
    let digits = String(byte, radix: 16, uppercase: true)
    return digits.count == 1 ? "0" + digits : digits
}

/// Why the input of `kiosk idcard decode` is not a decodable response. Names the problem and
/// at most a field name, never a field's content.
public struct ResponseDecodingError: KioskError, Equatable {
    public enum Kind: String, Sendable {
        case invalidHex, incompleteFrame, moreThanOneFrame, discardedBytes, frameLengthOutOfRange, frameChecksumMismatch
        case malformedCardData
    }

    public let kind: Kind
    public let detail: String?

    public init(_ kind: Kind, detail: String? = nil) {
        self.kind = kind
        self.detail = detail
    }

    init(_ error: FrameError) {
        switch error.code {
        case .discardedBytes: self.init(.discardedBytes, detail: "\(error.count)")
        case .lengthOutOfRange: self.init(.frameLengthOutOfRange, detail: "\(error.count)")
        case .checksumMismatch: self.init(.frameChecksumMismatch)
        }
    }

    public var code: String { kind.rawValue }

    public var message: LocalizedText {
        let suffix = detail.map { " (\($0))" } ?? ""
        let zhSuffix = detail.map { "（\($0)）" } ?? ""
        return switch kind {
        case .invalidHex: .init(zh: "十六进制文本无效：应为成对的十六进制数字", en: "Invalid hex text: expected pairs of hex digits")
        case .incompleteFrame: .init(zh: "输入不是完整的数据帧（缺少帧头或数据不全）", en: "The input is not a complete frame (no preamble, or truncated)")
        case .moreThanOneFrame: .init(zh: "输入包含多个数据帧，一次只能解析一个", en: "The input holds more than one frame; decode one at a time")
        case .discardedBytes: .init(zh: "帧头之前有多余字节\(zhSuffix)", en: "Unexpected bytes before the preamble\(suffix)")
        case .frameLengthOutOfRange: .init(zh: "数据帧长度超出范围\(zhSuffix)", en: "Frame length out of range\(suffix)")
        case .frameChecksumMismatch: .init(zh: "数据帧校验和错误", en: "Frame checksum mismatch")
        case .malformedCardData: .init(zh: "证件数据无法解析\(zhSuffix)", en: "The card data cannot be decoded\(suffix)")
        }
    }
}
