/// The serial frame of the resident ID card SAM protocol (GA 467):
/// preamble `AA AA AA 96 69`, a big-endian length of everything after the length field
/// (checksum included), the payload, then the XOR of every byte after the preamble.
public enum Frame {
    public static let preamble: [UInt8] = [0xAA, 0xAA, 0xAA, 0x96, 0x69]
    /// Preamble and length field.
    public static let headerLength = 7
    /// Three status bytes and the checksum: the shortest response.
    public static let minimumResponseLength = 4

    /// Wraps `payload` (command and parameter, or status and data) into a complete frame.
    static func encode(payload: [UInt8]) -> [UInt8] {
        let length = payload.count + 1
        precondition(length <= Int(UInt16.max), "SAM frame payload too long")
        var frame = preamble
        frame.reserveCapacity(headerLength + length)
        frame.append(UInt8(length >> 8))
        frame.append(UInt8(length & 0xFF))
        frame.append(contentsOf: payload)
        frame.append(frame.withUnsafeBytes { checksum(UnsafeRawBufferPointer(rebasing: $0[5...])) })
        return frame
    }

    /// XOR of all bytes, eight at a time: the decoder checks every received byte, and a
    /// text+photo response is 1295 bytes long.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt8 {
        var wide: UInt64 = 0
        var offset = 0
        while offset + 8 <= bytes.count {
            wide ^= bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
        }
        var result = UInt8(truncatingIfNeeded: wide ^ (wide >> 32) ^ (wide >> 16) ^ (wide >> 48))
        result ^= UInt8(truncatingIfNeeded: (wide >> 8) ^ (wide >> 24) ^ (wide >> 40) ^ (wide >> 56))
        while offset < bytes.count {
            result ^= bytes[offset]
            offset += 1
        }
        return result
    }
}

/// A host-to-reader command.
public enum Command: Sendable, Hashable, CaseIterable {
    case resetSAM
    case samStatus
    case readSAMIdentifier
    case findCard
    case selectCard
    case readTextAndPhoto
    case readTextPhotoAndFingerprint
    case readAppendedAddress

    public var commandByte: UInt8 {
        switch self {
        case .resetSAM: 0x10
        case .samStatus: 0x11
        case .readSAMIdentifier: 0x12
        case .findCard, .selectCard: 0x20
        case .readTextAndPhoto, .readTextPhotoAndFingerprint, .readAppendedAddress: 0x30
        }
    }

    public var parameterByte: UInt8 {
        switch self {
        case .resetSAM, .samStatus, .readSAMIdentifier: 0xFF
        case .findCard: 0x01
        case .selectCard: 0x02
        case .readTextAndPhoto: 0x01
        case .readTextPhotoAndFingerprint: 0x10
        case .readAppendedAddress: 0x03
        }
    }

    /// The bytes to write to the reader.
    public var frame: [UInt8] { Frame.encode(payload: [commandByte, parameterByte]) }

    /// The command a complete request frame carries (a simulated reader's view), or nil if the
    /// bytes are not exactly one well-formed request of a known command.
    public init?(frame bytes: [UInt8]) {
        guard bytes.count == Frame.headerLength + 3,
              let command = Command.allCases.first(where: { $0.frame == bytes }) else { return nil }
        self = command
    }
}

/// A reader-to-host frame: three status bytes and the command's data.
public struct ResponseFrame: Sendable, Hashable {
    public let sw1: UInt8
    public let sw2: UInt8
    /// The status that matters; SW1 and SW2 are `00 00` on every reader seen.
    public let sw3: UInt8
    public let data: [UInt8]

    public init(sw1: UInt8 = 0, sw2: UInt8 = 0, sw3: UInt8, data: [UInt8] = []) {
        self.sw1 = sw1
        self.sw2 = sw2
        self.sw3 = sw3
        self.data = data
    }

    public init(status: SAMStatus, data: [UInt8] = []) {
        self.init(sw3: status.rawValue, data: data)
    }

    /// Nil for a status byte this protocol version does not define.
    public var status: SAMStatus? { SAMStatus(rawValue: sw3) }

    /// The frame as a reader sends it (simulators and tests).
    public func encoded() -> [UInt8] {
        Frame.encode(payload: [sw1, sw2, sw3] + data)
    }
}

extension ResponseFrame: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Status and size only: the data of a read response is personal.
    public var description: String {
        let hex = String(sw3, radix: 16, uppercase: true)
        return "ResponseFrame(sw3: \(hex.count == 1 ? "0" + hex : hex), \(data.count) data bytes)"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(self, children: ["sw1": sw1, "sw2": sw2, "sw3": sw3, "dataBytes": data.count], displayStyle: .struct)
    }
}
