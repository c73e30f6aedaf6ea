import Crypto
import Foundation
import KioskTesting
import Secrets
import Testing

@Suite("The key directory")
struct KeyDirectoryTests {
    @Test func writesPrivateFilesAndReadsThemBack() throws {
        let scratch = try ScratchDirectory(prefix: "keys")
        let directory = KeyDirectory(path: scratch.path + "/secrets", credentials: nil)
        #expect(try directory.read(KeyDirectory.terminalKey) == nil)
        let key = SecretKey.random()
        try directory.write(key, as: KeyDirectory.terminalKey)
        let read = try #require(try directory.read(KeyDirectory.terminalKey))
        #expect(read.fingerprint == key.fingerprint)
        #expect(try Self.mode(scratch.path + "/secrets") == 0o700)
        #expect(try Self.mode(scratch.path + "/secrets/terminal.key") == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: scratch.path + "/secrets/terminal.key")).count == 32)
    }

    @Test func refusesAFileOrDirectoryOthersCanRead() throws {
        let scratch = try ScratchDirectory(prefix: "keys")
        let directory = KeyDirectory(path: scratch.path + "/secrets", credentials: nil)
        try directory.write(.random(), as: KeyDirectory.terminalKey)
        chmod(scratch.path + "/secrets/terminal.key", 0o644)
        #expect(throws: KeyError.self) { try directory.read(KeyDirectory.terminalKey) }
        do {
            _ = try directory.read(KeyDirectory.terminalKey)
        } catch {
            #expect(error.message.en == "\(scratch.path)/secrets/terminal.key is open to group or others (mode 644); "
                + "run chmod 600 \(scratch.path)/secrets/terminal.key")
        }
        chmod(scratch.path + "/secrets/terminal.key", 0o600)
        chmod(scratch.path + "/secrets", 0o755)
        #expect(throws: KeyError.self) { try directory.read(KeyDirectory.terminalKey) }
    }

    /// systemd's credentials come first; a key written as hex (openssl rand -hex 32) is read too.
    @Test func credentialsComeFirstAndHexIsRead() throws {
        let scratch = try ScratchDirectory(prefix: "keys")
        let credentials = scratch.path + "/credentials"
        mkdir(credentials, 0o700)
        let hex = String(repeating: "ab", count: 32) + "\n"
        FileManager.default.createFile(atPath: credentials + "/district-id.key", contents: Data(hex.utf8), attributes: [.posixPermissions: 0o400])
        let directory = KeyDirectory(path: scratch.path + "/secrets", credentials: credentials)
        try directory.write(.random(), as: KeyDirectory.districtKey)
        let read = try #require(try directory.read(KeyDirectory.districtKey))
        #expect(read.fingerprint == SecretKey(bytes: [UInt8](repeating: 0xAB, count: 32))?.fingerprint)
        #expect(directory.location(of: KeyDirectory.districtKey) == credentials + "/district-id.key")
    }

    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }
}

@Suite("Keys never show")
struct SecretKeyTests {
    @Test func noRenderingOfAKeyOrOfTheTerminalsKeysShowsTheBytes() throws {
        let bytes = (0..<32).map { UInt8($0 * 7 % 256) }
        let key = try #require(SecretKey(bytes: bytes))
        let keys = TerminalKeys(terminal: key, district: .random())
        var renderings = [String(describing: key), String(reflecting: key), String(describing: keys), String(reflecting: keys)]
        var dumped = ""
        dump(keys, to: &dumped)
        dump(key, to: &dumped)
        dump(Sealer(key: keys.dataAtRest), to: &dumped)
        renderings.append(dumped)
        for key in [key, keys.tokenSigning, keys.auditChain, keys.idHashing, keys.dataAtRest, keys.pseudonyms, keys.district!] {
            let raw = key.symmetricKey.withUnsafeBytes { Array($0) }
            for text in renderings {
                #expect(!text.contains(raw.map { String(format: "%02x", $0) }.joined()))
                #expect(!text.contains(Data(raw).base64EncodedString()))
                #expect(!Self.integers(in: text).containsRun(raw.prefix(4).map(Int.init)))
            }
        }
    }

    @Test func derivedKeysDifferByLabelAndTheFingerprintNamesTheKey() throws {
        let key = SecretKey.random()
        let derived = KeyLabel.allCases.map { key.derive($0).fingerprint }
        #expect(Set(derived).count == KeyLabel.allCases.count)
        #expect(key.fingerprint.count == 16)
        #expect(key.fingerprint == SecretKey(bytes: key.symmetricKey.withUnsafeBytes { Array($0) })?.fingerprint)
        #expect(key.fingerprint != SecretKey.random().fingerprint)
    }

    @Test func sealedDataOpensOnlyWithItsKeyAndInItsPlace() throws {
        let sealer = Sealer(key: .random())
        let sealed = sealer.seal(Data("王小明 13700001111".utf8), context: "filing:1")
        #expect(sealed.range(of: Data("13700001111".utf8)) == nil)
        #expect(try sealer.open(sealed, context: "filing:1") == Data("王小明 13700001111".utf8))
        #expect(throws: SealError.self) { try sealer.open(sealed, context: "filing:2") }
        #expect(throws: SealError.self) { try Sealer(key: .random()).open(sealed, context: "filing:1") }
        var changed = sealed
        changed[20] ^= 1
        #expect(throws: SealError.self) { try sealer.open(changed, context: "filing:1") }
    }

    static func integers(in text: String) -> [Int] {
        text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
    }
}

extension Array where Element == Int {
    func containsRun(_ run: [Int]) -> Bool {
        guard !run.isEmpty, count >= run.count else { return false }
        return (0...(count - run.count)).contains { Array(self[$0..<($0 + run.count)]) == run }
    }
}
