import Foundation

/// The booking slip scanned last at this terminal, held behind a handle. The `scan` event on
/// `/v1/events` (which the public screen, and anyone beside it, reads) carries the handle, never
/// the booking code; the screen checks in with the handle and the holder's card. A handle
/// checks in once, within `lifetime`, and the next scanned slip replaces it. Whoever reads the
/// stream learns that a slip was scanned, nothing they could use without the holder's card,
/// and nothing once the citizen has checked in.
public actor ScannedSlips {
    /// Long enough to find the ID card in a bag; a slip scanned and left is forgotten after it.
    public static let defaultLifetime: Duration = .seconds(180)

    private let lifetime: Duration
    private var held: (handle: String, code: String, until: ContinuousClock.Instant)?

    public init(lifetime: Duration = ScannedSlips.defaultLifetime) {
        self.lifetime = lifetime
    }

    /// Holds `code` (a slip's booking code) and returns its handle: 128 random bits, hex.
    public func hold(_ code: String) -> String {
        var generator = SystemRandomNumberGenerator()
        let handle = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
        held = (handle, code, ContinuousClock.now + lifetime)
        return handle
    }

    /// The code behind `handle` while it is the live one; nil once used, replaced or expired.
    public func code(for handle: String) -> String? {
        guard let held, held.handle == handle, ContinuousClock.now < held.until else { return nil }
        return held.code
    }

    /// The citizen checked in with `handle`: it checks in nobody else.
    public func used(_ handle: String) {
        if held?.handle == handle { held = nil }
    }
}
