import Crypto
import Foundation

/// 32 bytes that must never be seen: not in a log line, not in `description`,
/// `debugDescription` or a `Mirror` (so not in `dump`, a debugger or string interpolation), not
/// in an error. Only `KeyDirectory` reads the bytes out, to write a key file.
public struct SecretKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let byteCount = 32

    /// Bytes rather than `SymmetricKey`, which swift-crypto 3 does not mark `Sendable`.
    let bytes: [UInt8]

    /// Nil unless `bytes` is exactly 32 bytes long.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        self.bytes = Array(bytes)
    }

    /// A new key from the system's random number generator.
    public static func random() -> SecretKey {
        var generator = SystemRandomNumberGenerator()
        return SecretKey(unchecked: (0..<byteCount).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    private init(unchecked bytes: [UInt8]) {
        self.bytes = bytes
    }

    public var symmetricKey: SymmetricKey { SymmetricKey(data: bytes) }

    /// A key for one job, derived with HKDF-SHA256 under the job's label: knowing one derived
    /// key tells nothing of the others or of this one.
    public func derive(_ label: KeyLabel) -> SecretKey {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: symmetricKey, info: Data(label.rawValue.utf8),
                                             outputByteCount: Self.byteCount)
        return SecretKey(unchecked: derived.withUnsafeBytes { Array($0) })
    }

    /// HMAC-SHA256 of `message` under this key.
    public func authenticationCode(for message: some DataProtocol) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: message, using: symmetricKey))
    }

    /// Compares in constant time.
    public func isValidAuthenticationCode(_ code: some ContiguousBytes, for message: some DataProtocol) -> Bool {
        HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: message, using: symmetricKey)
    }

    /// Sixteen hex digits that name the key without revealing it: a technician compares them
    /// between a key file, a database and a district store.
    public var fingerprint: String {
        derive(.fingerprint).authenticationCode(for: Data()).prefix(8).map { byte in
            String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }

    public var description: String { "SecretKey(redacted)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// The HKDF labels of the jobs keys are derived for; changing one changes every key derived
/// with it, so each carries a version.
public enum KeyLabel: String, Sendable, CaseIterable {
    /// The MAC of sign-in token handles.
    case tokenSigning = "kiosk access token v1"
    /// The MAC chain of the audit log.
    case auditChain = "kiosk audit chain v1"
    /// ID-number hashes of a terminal on its own (a district's terminals use the district's key).
    case idHashing = "kiosk id hashing v1"
    /// AES-GCM of what the terminal's database keeps about people (filings, drafts, receipts).
    case dataAtRest = "kiosk data at rest v1"
    /// Keyed marks of what must be recognised but not kept (staff numbers typed at sign-in).
    case pseudonyms = "kiosk pseudonyms v1"
    /// The MACs a department system's API key is recognised by (the key itself is never kept).
    case departmentKeys = "kiosk department keys v1"
    /// The MACs a call display's read-only token is recognised by (the token itself is never kept).
    case displayTokens = "kiosk display tokens v1"
    /// In a district, from `district-id.key`: the MACs of department systems' API keys, which
    /// every terminal of the district recognises (the district store keeps the MAC only).
    case districtDepartmentKeys = "kiosk district department keys v1"
    /// In a district, from `district-id.key`: AES-GCM of departments' webhook secrets in the district store.
    case districtWebhookSecrets = "kiosk district webhook secrets v1"
    /// The fingerprint that names a key.
    case fingerprint = "kiosk key fingerprint v1"
}
