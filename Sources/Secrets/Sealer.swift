import Crypto
import Foundation
import KioskCore

/// Encrypts what the terminal keeps about people (AES-256-GCM under the data-at-rest key), so
/// a copy of the database alone reads as noise. Each value is bound to where it is stored (the
/// `context`, e.g. `filing:S01-20260928-0001`): moved to another row it no longer opens.
///
/// Format: one version byte (1), the 12-byte nonce, the ciphertext, the 16-byte tag.
public struct Sealer: Sendable, CustomReflectable {
    static let version: UInt8 = 1
    let key: SecretKey

    public init(key: SecretKey) {
        self.key = key
    }

    public func seal(_ plaintext: some DataProtocol, context: String) -> Data {
        // A fresh random nonce, the right key size and no size limit reached: sealing cannot fail.
        let box = try! AES.GCM.seal(plaintext, using: key.symmetricKey, nonce: AES.GCM.Nonce(),
                                    authenticating: Data(context.utf8))
        return Data([Self.version]) + box.combined!
    }

    public func open(_ sealed: Data, context: String) throws(SealError) -> Data {
        guard sealed.first == Self.version, sealed.count >= 1 + 12 + 16,
              let box = try? AES.GCM.SealedBox(combined: sealed.dropFirst()),
              let plaintext = try? AES.GCM.open(box, using: key.symmetricKey, authenticating: Data(context.utf8)) else {
            throw SealError()
        }
        return plaintext
    }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// A stored value that this terminal's key does not open: written with another key, changed,
/// or moved from another row.
public struct SealError: KioskError, Equatable {
    public var code: String { "sealedDataUnreadable" }
    public var message: LocalizedText {
        .init(zh: "存储的数据无法用本机密钥解密（terminal.key 是否被替换？）",
              en: "stored data does not open with this terminal's key (was terminal.key replaced?)")
    }

    public init() {}
}
