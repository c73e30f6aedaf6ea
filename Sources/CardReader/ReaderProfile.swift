import Foundation
import KioskCore
import Yams

/// Which reader model is reached how, as `Devices/profiles/readers/*.yaml` describes it.
///
/// Keys are snake_case like the printer profiles'; numbers may be written in hex as strings:
/// ```yaml
/// id: ga467-usb-0400-c35a
/// name: {zh-CN: 身份证阅读器（USB）, en: ID card reader (USB)}
/// protocol: ga467
/// usb: {vendor_id: "0x0400", product_id: "0xc35a", interface: 0, endpoint_out: "0x02", endpoint_in: "0x81"}
/// # or
/// serial: {paths: ["/dev/ttyUSB*"], baud_rate: 115200}
/// ```
public struct ReaderProfile: Sendable, Equatable {
    public enum ProtocolName: String, Sendable, Decodable { case ga467 }

    public struct USB: Sendable, Equatable {
        public var vendorID: UInt16
        public var productID: UInt16
        public var interface: UInt8
        public var endpointOut: UInt8
        public var endpointIn: UInt8

        public init(vendorID: UInt16, productID: UInt16, interface: UInt8 = 0, endpointOut: UInt8, endpointIn: UInt8) {
            self.vendorID = vendorID
            self.productID = productID
            self.interface = interface
            self.endpointOut = endpointOut
            self.endpointIn = endpointIn
        }
    }

    public struct Serial: Sendable, Equatable {
        /// Glob patterns (`/dev/ttyUSB*`) or plain paths.
        public var paths: [String]
        public var baudRate: Int

        public init(paths: [String], baudRate: Int = 115_200) {
            self.paths = paths
            self.baudRate = baudRate
        }
    }

    public enum Connection: Sendable, Equatable {
        case usb(USB)
        case serial(Serial)
    }

    public var id: String
    public var name: LocalizedText
    public var protocolName: ProtocolName
    public var connection: Connection

    public init(id: String, name: LocalizedText, protocolName: ProtocolName = .ga467, connection: Connection) {
        self.id = id
        self.name = name
        self.protocolName = protocolName
        self.connection = connection
    }

    /// Every `*.yaml` in `directory`, sorted by file name.
    public static func load(directory: URL) throws(ReaderProfileError) -> [ReaderProfile] {
        let files: [URL]
        do {
            files = try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
                .filter { $0.pathExtension == "yaml" }
                .sorted { $0.lastPathComponent < $1.lastPathComponent }
        } catch {
            throw ReaderProfileError(file: directory.lastPathComponent, reason: "the folder cannot be read")
        }
        var profiles: [ReaderProfile] = []
        for file in files {
            let text: String
            do {
                text = try String(contentsOf: file, encoding: .utf8)
            } catch {
                throw ReaderProfileError(file: file.lastPathComponent, reason: "the file cannot be read as UTF-8")
            }
            profiles.append(try parse(text, file: file.lastPathComponent))
        }
        return profiles
    }

    public static func parse(_ yaml: String, file: String) throws(ReaderProfileError) -> ReaderProfile {
        let raw: RawProfile
        do {
            raw = try YAMLDecoder().decode(RawProfile.self, from: yaml)
        } catch {
            throw ReaderProfileError(file: file, reason: "\(error)")
        }
        let connection: Connection
        switch (raw.usb, raw.serial) {
        case (let usb?, nil):
            guard let vendor = number(usb.vendor_id, as: UInt16.self), let product = number(usb.product_id, as: UInt16.self),
                  let out = number(usb.endpoint_out, as: UInt8.self), let `in` = number(usb.endpoint_in, as: UInt8.self),
                  out & 0x80 == 0, `in` & 0x80 != 0 else {
                throw ReaderProfileError(file: file, reason: "usb needs vendor_id, product_id, an OUT endpoint_out and an IN endpoint_in")
            }
            connection = .usb(USB(vendorID: vendor, productID: product, interface: usb.interface ?? 0, endpointOut: out, endpointIn: `in`))
        case (nil, let serial?):
            guard !serial.paths.isEmpty else { throw ReaderProfileError(file: file, reason: "serial needs at least one path") }
            connection = .serial(Serial(paths: serial.paths, baudRate: serial.baud_rate ?? 115_200))
        default:
            throw ReaderProfileError(file: file, reason: "a profile has exactly one of usb and serial")
        }
        return ReaderProfile(id: raw.id, name: raw.name, protocolName: raw.protocol, connection: connection)
    }

    /// `"0x0400"` or `"1024"`.
    static func number<T: FixedWidthInteger>(_ text: String, as: T.Type) -> T? {
        let lowered = text.lowercased()
        return lowered.hasPrefix("0x") ? T(lowered.dropFirst(2), radix: 16) : T(lowered)
    }

    // The file's shape, keys as written.
    private struct RawProfile: Decodable {
        struct RawUSB: Decodable {
            var vendor_id: String
            var product_id: String
            var interface: UInt8?
            var endpoint_out: String
            var endpoint_in: String
        }

        struct RawSerial: Decodable {
            var paths: [String]
            var baud_rate: Int?
        }

        var id: String
        var name: LocalizedText
        var `protocol`: ProtocolName
        var usb: RawUSB?
        var serial: RawSerial?
    }
}

public struct ReaderProfileError: KioskError, Equatable {
    /// The file name, so a technician knows which profile to fix.
    public let file: String
    public let reason: String

    public init(file: String, reason: String) {
        self.file = file
        self.reason = reason
    }

    public var code: String { "readerProfileInvalid" }

    public var message: LocalizedText {
        .init(zh: "读卡器配置文件 \(file) 无效：\(reason)", en: "The reader profile \(file) is invalid: \(reason)")
    }
}
