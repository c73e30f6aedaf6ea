import Foundation

/// A fresh directory under the temporary directory, removed with the last reference to it:
/// a test suite that keeps one in a property leaves nothing behind, without a teardown.
public final class ScratchDirectory: Sendable {
    public let path: String

    public init(prefix: String) throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
