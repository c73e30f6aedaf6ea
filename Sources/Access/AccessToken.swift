import Foundation
import Secrets

/// What a sign-in grants: one staff member, in one role, at one terminal, for a short time, as
/// the terminal's own record says. `id` is the record's key (the token's handle).
public struct AccessToken: Sendable, Hashable {
    public let id: String
    public let staffNumber: StaffNumber
    public let role: Role
    public let terminalID: String
    public let issuedAt: Date
    public let expiresAt: Date

    public init(id: String, staffNumber: StaffNumber, role: Role, terminalID: String, issuedAt: Date, expiresAt: Date) {
        self.id = id
        self.staffNumber = staffNumber
        self.role = role
        self.terminalID = terminalID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
    }
}

public struct IssuedToken: Sendable, Hashable {
    public let token: AccessToken
    /// What the client sends back as `Authorization: Bearer <text>`.
    public let text: String
}

/// Sign-in tokens as handles: `kt2.<id>.<mac>`, the id 16 random bytes and the MAC
/// HMAC-SHA256 of `kt2.<id>` under the token-signing key, both base64url without padding.
///
/// The token says nothing itself: role, terminal, expiry and revocation are read from the
/// terminal's record under `id`, so a token made up with the signing key is worth nothing
/// without a record, and changing a record needs the database. The MAC lets a handle that was
/// never issued be refused before any database work, and keeps the ids a copy of the database
/// shows from being usable as tokens.
public struct TokenHandles: Sendable {
    static let prefix = "kt2."
    /// Far above any real token; longer input is refused before any work.
    static let longestToken = 256

    let key: SecretKey
    public let lifetime: TimeInterval

    public init(key: SecretKey, lifetime: TimeInterval = 15 * 60) {
        self.key = key
        self.lifetime = lifetime
    }

    /// A new handle and the token it stands for, from `now` (whole seconds) for `lifetime`.
    public func issue(staffNumber: StaffNumber, role: Role, terminalID: String, now: Date) -> IssuedToken {
        var generator = SystemRandomNumberGenerator()
        let id = Base64URL.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let token = AccessToken(id: id, staffNumber: staffNumber, role: role, terminalID: terminalID,
                                issuedAt: issuedAt, expiresAt: issuedAt.addingTimeInterval(lifetime.rounded(.up)))
        return IssuedToken(token: token, text: text(for: id))
    }

    func text(for id: String) -> String {
        let signed = Self.prefix + id
        return signed + "." + Base64URL.encode(key.authenticationCode(for: Data(signed.utf8)))
    }

    /// The record id `text` names, if it is a well-formed handle with this key's MAC. Whether
    /// that record exists, and what it grants, is the caller's to read.
    public func id(of text: String) throws(AccessError) -> String {
        guard text.utf8.count <= Self.longestToken, text.hasPrefix(Self.prefix) else { throw AccessError(.tokenMalformed) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let id = Base64URL.decode(parts[1]), id.count == 16,
              let mac = Base64URL.decode(parts[2]), mac.count == 32 else {
            throw AccessError(.tokenMalformed)
        }
        let signed = Data(text.utf8.prefix(Self.prefix.utf8.count + parts[1].utf8.count))
        guard key.isValidAuthenticationCode(mac, for: signed) else { throw AccessError(.tokenForged) }
        return String(parts[1])
    }

    /// Checks what the record says against this terminal and time, in that order.
    public static func check(_ token: AccessToken, terminalID: String, now: Date) throws(AccessError) {
        guard token.terminalID == terminalID else { throw AccessError(.tokenOtherTerminal) }
        guard now < token.expiresAt else { throw AccessError(.tokenExpired) }
    }
}

/// RFC 4648 §5, without padding.
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    public static func decode(_ text: Substring) -> [UInt8]? {
        guard text.utf8.allSatisfy({ byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): true
            default: false
            }
        }) else { return nil }
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard).map(Array.init)
    }
}
