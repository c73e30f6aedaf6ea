import Foundation

/// A scratch directory laid out like a terminal's installation: `kiosk.conf`, `Forms/`,
/// `Devices/`, and a data directory that does not exist yet. Removed by `remove()`.
public struct TestInstallation: Sendable {
    public let root: String

    public init(config: String = "") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-test-\(UUID().uuidString)").path
        for folder in ["Forms", "Devices"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        try writeConfig(config)
    }

    public var configPath: String { root + "/kiosk.conf" }
    public var dataDirectory: String { root + "/var" }

    public func writeConfig(_ text: String) throws {
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }
}
