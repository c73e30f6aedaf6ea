/// The one shape of error every kiosk module throws to its callers.
///
/// `code` is stable and machine-readable (clients and tests match on it); `message` is for
/// people. Neither may contain personal data: an error travels into logs and HTTP responses,
/// so a conforming type describes *what* went wrong, never *whose* data it was.
public protocol KioskError: Error, Sendable, CustomStringConvertible {
    var code: String { get }
    var message: LocalizedText { get }
}

extension KioskError {
    public var description: String { "\(code): \(message.en)" }
}
