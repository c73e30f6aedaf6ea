import Foundation
import HummingbirdTLS
import KioskConfig
import KioskCore
import NIOSSL

/// The HTTPS settings of the listener, read and checked before anything listens.
public enum ServerTLS {
    /// A server configuration from the `[tls]` files: TLS 1.2 or newer, no client certificates.
    ///
    /// Each failure names the file and what is wrong with it in one line; nothing read from the
    /// files, and no library error text that could quote them, reaches the message.
    public static func load(_ files: Configuration.TLSFiles) throws(StartupError) -> TLSConfiguration {
        let certificateBytes = try read(files.certificateFile)
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMBytes(certificateBytes)
        } catch {
            throw .tlsFile(files.certificateFile, "it holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)")
        }
        guard !certificates.isEmpty else {
            throw .tlsFile(files.certificateFile, "it holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)")
        }

        let keyBytes = try read(files.keyFile)
        if String(decoding: keyBytes, as: UTF8.self).contains("ENCRYPTED") {
            throw .tlsFile(files.keyFile, "the private key is encrypted; kiosk needs it unencrypted (protect it with file permissions)")
        }
        let key: NIOSSLPrivateKey
        do {
            // A callback that refuses, so an encrypted key can never wait for a passphrase on stdin.
            key = try NIOSSLPrivateKey(bytes: keyBytes, format: .pem) { (_: NIOSSLPassphraseSetter<[UInt8]>) throws in
                throw EncryptedKey()
            }
        } catch {
            throw .tlsFile(files.keyFile, "it holds no PEM private key (expected -----BEGIN PRIVATE KEY-----)")
        }

        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // Building a context is where the library notices a key that does not belong to the
        // certificate; better here than on the first connection.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .tlsFile(files.keyFile, "it cannot serve with the certificate in \(files.certificateFile) (is it that certificate's key?)")
        }
        return configuration
    }

    private struct EncryptedKey: Error {}

    private static func read(_ path: String) throws(StartupError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .tlsFile(path, FileManager.default.fileExists(atPath: path) ? "it cannot be read (permissions?)" : "it does not exist")
        }
        return [UInt8](data)
    }
}

extension StartupError {
    static func tlsFile(_ path: String, _ reason: String) -> StartupError {
        StartupError(code: "tlsFileUnusable", message: .init(
            zh: "TLS 文件 \(path) 不可用：\(reason)", en: "the TLS file \(path) is unusable: \(reason)"))
    }
}
