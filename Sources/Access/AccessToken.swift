import Crypto
import Foundation

/// What a sign-in grants: one staff member, in one role, at one terminal, for a short time.
/// `id` is what revocation records.
public struct AccessToken: Sendable, Hashable, Codable {
    public let id: String
    public let staffNumber: StaffNumber
    public let role: Role
    public let terminalID: String
    public let issuedAt: Date
    public let expiresAt: Date

    enum CodingKeys: String, CodingKey {
        case id = "jti", staffNumber = "sub", role, terminalID = "term", issuedAt = "iat", expiresAt = "exp"
    }
}

public struct IssuedToken: Sendable, Hashable {
    public let token: AccessToken
    /// What the client sends back as `Authorization: Bearer <text>`.
    public let text: String
}

/// Issues and checks sign-in tokens: `kt1.<payload>.<mac>`, both parts base64url without
/// padding, the payload JSON (times in whole seconds since 1970), the MAC HMAC-SHA256 over
/// `kt1.<payload>` with a key that never leaves the installation.
///
/// Revocation needs the database and is checked by the store; everything else is here, pure.
public struct TokenSigner: Sendable {
    static let prefix = "kt1."
    /// Far above any real token; longer input is refused before any work.
    static let longestToken = 1024

    /// Bytes rather than `SymmetricKey`, which swift-crypto 3 does not mark `Sendable`.
    private let keyBytes: [UInt8]
    public let lifetime: TimeInterval

    public init(key: SymmetricKey, lifetime: TimeInterval = 15 * 60) {
        self.keyBytes = key.withUnsafeBytes { Array($0) }
        self.lifetime = lifetime
    }

    /// Derives the signing key from the installation secret (HKDF-SHA256 with its own label),
    /// so tokens need no secret of their own and the ID-number hash key is not reused as is.
    public init(installationSecret: Data, lifetime: TimeInterval = 15 * 60) {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: installationSecret),
                                         info: Data("kiosk access token v1".utf8), outputByteCount: 32)
        self.init(key: key, lifetime: lifetime)
    }

    public func issue(staffNumber: StaffNumber, role: Role, terminalID: String, now: Date) -> IssuedToken {
        var generator = SystemRandomNumberGenerator()
        let id = Base64URL.encode((0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        let issuedAt = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let token = AccessToken(id: id, staffNumber: staffNumber, role: role, terminalID: terminalID,
                                issuedAt: issuedAt, expiresAt: issuedAt.addingTimeInterval(lifetime.rounded(.up)))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .secondsSince1970
        // Encoding a struct of strings and whole numbers cannot fail.
        let payload = (try? encoder.encode(token)) ?? Data()
        let signed = Self.prefix + Base64URL.encode(Array(payload))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: SymmetricKey(data: keyBytes))
        return IssuedToken(token: token, text: signed + "." + Base64URL.encode(Array(mac)))
    }

    /// The token in `text` if it is well formed, signed with this key, for this terminal and
    /// not expired at `now`, checked in that order.
    public func verify(_ text: String, terminalID: String, now: Date) throws(AccessError) -> AccessToken {
        guard text.utf8.count <= Self.longestToken, text.hasPrefix(Self.prefix) else { throw AccessError(.tokenMalformed) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(parts[1]), let mac = Base64URL.decode(parts[2]),
              !payload.isEmpty, mac.count == SHA256.byteCount else {
            throw AccessError(.tokenMalformed)
        }
        let signed = Data(text.utf8.prefix(Self.prefix.utf8.count + parts[1].utf8.count))
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: SymmetricKey(data: keyBytes)) else {
            throw AccessError(.tokenForged)
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let token = try? decoder.decode(AccessToken.self, from: Data(payload)) else { throw AccessError(.tokenMalformed) }
        guard token.terminalID == terminalID else { throw AccessError(.tokenOtherTerminal) }
        guard now < token.expiresAt else { throw AccessError(.tokenExpired) }
        return token
    }
}

/// RFC 4648 §5, without padding.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func decode(_ text: Substring) -> [UInt8]? {
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
