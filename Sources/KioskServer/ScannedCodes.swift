import Foundation

/// The code scanned last at this terminal, held behind a handle. The `scan` event on
/// `/v1/events` (which the public screen, and anyone beside it, reads) carries the handle, never
/// the code. One rule for every kind: a handle lasts `lifetime` on a monotonic clock, and the
/// next code of this hall scanned replaces it (the screen follows the last scan).
///
/// What a handle does depends on its kind, and each is spent so that the copy a listener on
/// the stream holds is worth nothing once the screen has used it:
/// - a booking slip's handle checks in once, and only with the holder's card (`used`);
/// - a receipt's handle opens the filing's progress once: the look-up `exchange`s it for a
///   successor that only the screen that looked up learns (in its answer, never on the
///   stream), with which that screen rates or corrects the filing; a correction uses it up.
///   The next person at the screen finds neither handle usable once the citizen finished
///   (the screen forgets the successor), scanned again, or walked away for `lifetime`.
public actor ScannedCodes {
    public enum Kind: Sendable {
        case bookingSlip, receipt
    }

    /// Long enough to find the ID card in a bag or read a filing's progress; a code scanned and
    /// left is forgotten after it.
    public static let defaultLifetime: Duration = .seconds(180)

    private let lifetime: Duration
    private var held: (handle: String, kind: Kind, code: String, until: ContinuousClock.Instant)?

    public init(lifetime: Duration = ScannedCodes.defaultLifetime) {
        self.lifetime = lifetime
    }

    /// Holds `code` (a slip's booking code, a receipt's progress code) in place of whatever was
    /// held, and returns its handle.
    public func hold(_ code: String, as kind: Kind) -> String {
        let handle = Self.newHandle()
        held = (handle, kind, code, ContinuousClock.now + lifetime)
        return handle
    }

    /// The code behind `handle` while it is the live one of `kind`; nil once used, replaced or expired.
    public func code(for handle: String, kind: Kind) -> String? {
        guard let held, held.handle == handle, held.kind == kind, ContinuousClock.now < held.until else { return nil }
        return held.code
    }

    /// The handle's work is done (a check-in, a correction): it does nothing more.
    public func used(_ handle: String) {
        if held?.handle == handle { held = nil }
    }

    /// Retires the live `handle` of `kind` and holds its code under a new handle, for a new
    /// `lifetime`, which only the caller learns; nil when `handle` is not the live one.
    public func exchange(_ handle: String, kind: Kind) -> String? {
        guard let code = code(for: handle, kind: kind) else { return nil }
        return hold(code, as: kind)
    }

    /// 128 random bits, hex.
    private static func newHandle() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }
}
