import Foundation

/// A scratch directory laid out like a terminal's installation: `kiosk.conf`, `Forms/`,
/// `Devices/`, and a data directory that does not exist yet. Removed by `remove()`, or with
/// the last copy of the value.
public struct TestInstallation: Sendable {
    public let root: String
    private let scratch: ScratchDirectory

    /// - Parameter shippedForms: copy the repository's filings, policies and holiday calendar into
    ///   `Forms/`, so the installation is ready to serve them.
    public init(config: String = "", shippedForms: Bool = true) throws {
        CooperativePoolWatch.start()
        scratch = try ScratchDirectory(prefix: "kiosk-test")
        root = scratch.path
        for folder in ["Forms", "Devices"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(folder)", withIntermediateDirectories: true)
        }
        if shippedForms {
            let forms = Self.repository.appendingPathComponent("Forms")
            for name in try FileManager.default.contentsOfDirectory(atPath: forms.path) where name.hasSuffix(".yaml") {
                try FileManager.default.copyItem(atPath: forms.appendingPathComponent(name).path, toPath: "\(root)/Forms/\(name)")
            }
            try FileManager.default.copyItem(atPath: forms.appendingPathComponent("calendar").path, toPath: "\(root)/Forms/calendar")
            try FileManager.default.copyItem(atPath: forms.appendingPathComponent("policies").path, toPath: "\(root)/Forms/policies")
        }
        // Receipt templates are part of every installation, filings or not.
        try FileManager.default.copyItem(
            atPath: Self.repository.appendingPathComponent("Forms/receipts").path, toPath: "\(root)/Forms/receipts")
        // The simulated devices of `devices.mode = "simulated"` read their fixtures from here.
        for folder in ["cards", "profiles"] {
            try FileManager.default.copyItem(
                atPath: Self.repository.appendingPathComponent("Devices/\(folder)").path, toPath: "\(root)/Devices/\(folder)")
        }
        try writeConfig(config)
    }

    /// The checkout this file belongs to.
    public static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
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
