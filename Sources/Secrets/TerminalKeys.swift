import Foundation

/// Every key a terminal works with, derived from its own master key (`terminal.key`) and, in a
/// district, the district's ID-hashing key (`district-id.key`), which is imported, never derived:
/// every terminal of a district must hash an ID number alike.
public struct TerminalKeys: Sendable, CustomStringConvertible, CustomReflectable {
    /// The fingerprint of `terminal.key`, recorded in the database it keys.
    public let fingerprint: String
    public let tokenSigning: SecretKey
    public let auditChain: SecretKey
    /// ID-number hashes while bookings are kept on this terminal.
    public let idHashing: SecretKey
    public let dataAtRest: SecretKey
    public let pseudonyms: SecretKey
    /// The MACs of department systems' API keys.
    public let departmentKeys: SecretKey
    /// The MACs of call displays' read-only tokens.
    public let displayTokens: SecretKey
    /// `district-id.key`, when this terminal has imported one.
    public let district: SecretKey?

    public init(terminal: SecretKey, district: SecretKey? = nil) {
        fingerprint = terminal.fingerprint
        tokenSigning = terminal.derive(.tokenSigning)
        auditChain = terminal.derive(.auditChain)
        idHashing = terminal.derive(.idHashing)
        dataAtRest = terminal.derive(.dataAtRest)
        pseudonyms = terminal.derive(.pseudonyms)
        departmentKeys = terminal.derive(.departmentKeys)
        displayTokens = terminal.derive(.displayTokens)
        self.district = district
    }

    /// Fresh random keys, for tests and for a terminal's first start.
    public static func random(district: SecretKey? = nil) -> TerminalKeys {
        TerminalKeys(terminal: .random(), district: district)
    }

    /// The same keys with another district key (imported, or none).
    public func with(district: SecretKey?) -> TerminalKeys {
        TerminalKeys(fingerprint: fingerprint, tokenSigning: tokenSigning, auditChain: auditChain, idHashing: idHashing,
                     dataAtRest: dataAtRest, pseudonyms: pseudonyms, departmentKeys: departmentKeys, displayTokens: displayTokens,
                     district: district)
    }

    private init(fingerprint: String, tokenSigning: SecretKey, auditChain: SecretKey, idHashing: SecretKey,
                 dataAtRest: SecretKey, pseudonyms: SecretKey, departmentKeys: SecretKey, displayTokens: SecretKey,
                 district: SecretKey?) {
        self.fingerprint = fingerprint
        self.tokenSigning = tokenSigning
        self.auditChain = auditChain
        self.idHashing = idHashing
        self.dataAtRest = dataAtRest
        self.pseudonyms = pseudonyms
        self.departmentKeys = departmentKeys
        self.displayTokens = displayTokens
        self.district = district
    }

    /// A keyed mark of `text` (16 letters `a`–`p`, a letter per 4 bits): the same text gives the
    /// same mark on this terminal, and nothing else can compute or reverse it. Letters, not hex
    /// digits: a mark must never look like personal data, and as hex about one in 1,850 was 16
    /// digits, which the audit log refuses as an ID number.
    public func pseudonym(_ text: String) -> String {
        let a = UInt8(ascii: "a")
        let letters = pseudonyms.authenticationCode(for: Data(text.utf8)).prefix(8).flatMap { [a + $0 >> 4, a + $0 & 0x0f] }
        return String(decoding: letters, as: UTF8.self)
    }

    public var description: String { "TerminalKeys(terminal \(fingerprint), district \(district?.fingerprint ?? "none"))" }
    public var customMirror: Mirror {
        Mirror(self, children: ["fingerprint": fingerprint, "district": district?.fingerprint ?? "none"], displayStyle: .struct)
    }
}
