import Foundation
import KioskCore
import Yams

/// Which scanners are looked for where, as `Devices/profiles/scanners/*.yaml` describes them.
///
/// ```yaml
/// id: cdc-acm
/// name: {zh-CN: 二维码扫码器（串口）, en: 2D code scanner (serial)}
/// serial: {paths: ["/dev/ttyACM*"], baud_rate: 115200}
/// # or, a scanner that types like a keyboard, by its USB ids (exact, never a whole vendor:
/// # the input device is grabbed, and a real keyboard or touch screen must never be):
/// evdev: {match: ["1eab:0d10"]}
/// ```
public struct ScannerProfile: Sendable, Equatable {
    public enum Connection: Sendable, Equatable {
        case serial(paths: [String], baudRate: Int)
        /// Input devices whose USB vendor:product is one of these.
        case evdev(match: [USBID])
    }

    public struct USBID: Sendable, Hashable, CustomStringConvertible {
        public var vendorID: UInt16
        public var productID: UInt16

        public init(vendorID: UInt16, productID: UInt16) {
            self.vendorID = vendorID
            self.productID = productID
        }

        init?(_ text: String) {
            let parts = text.split(separator: ":")
            guard parts.count == 2, parts.allSatisfy({ $0.count == 4 }),
                  let vendor = UInt16(parts[0], radix: 16), let product = UInt16(parts[1], radix: 16) else { return nil }
            self.init(vendorID: vendor, productID: product)
        }

        public var description: String { hex4(vendorID) + ":" + hex4(productID) }
    }

    public var id: String
    public var name: LocalizedText
    public var connection: Connection

    public init(id: String, name: LocalizedText, connection: Connection) {
        self.id = id
        self.name = name
        self.connection = connection
    }

    /// Every `*.yaml` of `directory`, sorted by file name; none when the folder is missing.
    public static func load(directory: URL) throws(ScannerProfileError) -> [ScannerProfile] {
        let files = ((try? FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)) ?? [])
            .filter { $0.pathExtension == "yaml" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        var profiles: [ScannerProfile] = []
        for file in files {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                throw ScannerProfileError(file: file.path, reason: "the file cannot be read as UTF-8")
            }
            profiles.append(try decode(yaml: text, file: file.path))
        }
        return profiles
    }

    public static func decode(yaml: String, file: String) throws(ScannerProfileError) -> ScannerProfile {
        let node: Any?
        do {
            node = try Yams.load(yaml: yaml)
        } catch {
            throw ScannerProfileError(file: file, reason: "not valid YAML")
        }
        guard let map = node as? [String: Any] else { throw ScannerProfileError(file: file, reason: "expected a mapping") }
        guard let id = map["id"] as? String, !id.isEmpty else { throw ScannerProfileError(file: file, reason: "id: missing") }
        let names = map["name"] as? [String: String] ?? [:]
        guard let zh = names["zh-CN"], let en = names["en"] else {
            throw ScannerProfileError(file: file, reason: "name: needs zh-CN and en")
        }
        let connection: Connection
        switch (map["serial"] as? [String: Any], map["evdev"] as? [String: Any]) {
        case (let serial?, nil):
            guard let paths = serial["paths"] as? [String], !paths.isEmpty else {
                throw ScannerProfileError(file: file, reason: "serial.paths: a list of device paths or patterns")
            }
            let baudRate = serial["baud_rate"] as? Int ?? 115_200
            guard [9600, 19_200, 38_400, 57_600, 115_200].contains(baudRate) else {
                throw ScannerProfileError(file: file, reason: "serial.baud_rate: one of 9600, 19200, 38400, 57600, 115200")
            }
            connection = .serial(paths: paths, baudRate: baudRate)
        case (nil, let evdev?):
            let texts = evdev["match"] as? [String] ?? []
            let ids = texts.compactMap(USBID.init)
            guard !ids.isEmpty, ids.count == texts.count else {
                throw ScannerProfileError(file: file, reason: "evdev.match: a list of vendor:product in hex (1eab:0d10), never a vendor alone")
            }
            connection = .evdev(match: ids)
        default:
            throw ScannerProfileError(file: file, reason: "needs serial or evdev, one of them")
        }
        return ScannerProfile(id: id, name: LocalizedText(zh: zh, en: en), connection: connection)
    }
}

public struct ScannerProfileError: KioskError, Equatable {
    public let file: String
    public let reason: String

    public var code: String { "invalidScannerProfile" }
    public var message: LocalizedText {
        .init(zh: "扫码器配置 \(file) 有误：\(reason)", en: "\(file): \(reason)")
    }
}

func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}
