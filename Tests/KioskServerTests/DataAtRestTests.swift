import Crypto
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Testing

/// The attacker who walks away with a copy of `data_dir` (a stolen disk, a backup, a
/// technician's laptop): the copy alone must not give back anyone's ID number, name or phone.
@Suite("A copy of data_dir")
struct DataAtRestTests {
    static let booked = BookingRoutesTests.idNumber
    static let filer = BookingRoutesTests.validID("31010419781123002")
    static let drafter = BookingRoutesTests.validID("44030519850615004")
    static let names = ["王小明", "赵丽颖"]
    static let phones = ["13700001111", "13600002222"]

    /// A terminal that booked, filed, drafted and rated; then its data directory is copied and
    /// searched for every number and name used, and every hash in it is attacked with the
    /// 36,500-odd birth dates the masked form leaves open, keyed with anything the copy holds.
    @Test func revealsNoIDNumberNameOrPhone() async throws {
        let terminal = try await BookingRoutesTests()
        defer { terminal.installation.remove() }
        try await terminal.withClient { client in
            try await Self.bookCheckInAndRate(terminal, client)
            try await Self.file(client)
            try await Self.saveDraft(client)
        }
        let copy = try ScratchDirectory(prefix: "stolen-data-dir")
        try FileManager.default.removeItem(atPath: copy.path)
        try FileManager.default.copyItem(atPath: terminal.installation.dataDirectory, toPath: copy.path)

        let files = try Self.files(under: copy.path)
        #expect(files.contains { $0.hasSuffix("kiosk.sqlite") })
        for file in files {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for secret in [Self.booked, Self.filer, Self.drafter] + Self.phones + Self.names {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in \(file)")
            }
        }

        let database = try Self.openCopy(copy.path + "/kiosk.sqlite")
        let attack = try BirthDateAttack(database)
        #expect(attack.maskedNumbers.contains(ResidentIDNumber.masked(Self.booked)), "the booking's masked number is the attacker's start")
        #expect(attack.datesTried >= 36_500, "a century of birth dates")
        #expect(attack.recovered().isEmpty)
        // The attack itself works: with the key from outside data_dir it finds the number.
        let terminalKey = try #require(Self.terminalKey(terminal.installation), "the terminal's key lives in its key directory")
        let idKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: terminalKey), info: Data("kiosk id hashing v1".utf8),
                                           outputByteCount: 32)
        #expect(attack.recovered(withKey: idKey.withUnsafeBytes { Data($0) }).contains(Self.booked))
    }

    /// Save a draft, resume it and end the session: the answers are in none of the database's
    /// files, the write-ahead log included.
    @Test func aResumedAndEndedDraftLeavesNoRemnant() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await application.makeHTTPServer().test(.router) { client in
            let code = try await Self.saveDraft(client)
            let resumed = try await client.execute(
                uri: "/v1/drafts/resume", method: .post,
                body: ByteBuffer(string: #"{"code":"\#(code)","idNumber":"\#(Self.drafter)"}"#))
            #expect(resumed.status == .created)
            let id = try resumed.decoded(SessionView.self).sessionId
            #expect(try await client.execute(uri: "/v1/sessions/\(id)", method: .delete).status == .noContent)
        }
        for file in try Self.files(under: installation.dataDirectory) {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: file))
            for secret in [Self.phones[1], Self.names[1]] {
                #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in \(file)")
            }
        }
    }

    /// Services are logged by description when the service group starts (at debug level): none
    /// of the types that hold a key may show it, as text or through `Mirror`.
    @Test func noTypeThatHoldsAKeyShowsIt() async throws {
        let installation = try TestInstallation(config: BookingRoutesTests.config)
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let master = try #require(Self.terminalKey(installation))
        let keys = [master] + ["kiosk access token v1", "kiosk audit chain v1", "kiosk id hashing v1", "kiosk data at rest v1",
                               "kiosk pseudonyms v1"].map {
            HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: master), info: Data($0.utf8), outputByteCount: 32)
                .withUnsafeBytes { Data($0) }
        }
        var texts = [String(describing: application.store), String(describing: application.access),
                     String(describing: application.bookings), String(describing: application.bookingMaintenance),
                     String(describing: application.auditAnchors), String(reflecting: application.access)]
        for value in [application.store, application.access, application.bookings, application.auditAnchors] as [Any] {
            var dumped = ""
            dump(value, to: &dumped, maxDepth: 12)
            texts.append(dumped)
        }
        for key in keys {
            let bytes = [UInt8](key)
            for text in texts {
                #expect(!text.contains(bytes.map { String(format: "%02x", $0) }.joined()))
                #expect(!text.contains(key.base64EncodedString()))
                let numbers = text.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                #expect(!(0...max(0, numbers.count - 4)).contains { index in
                    index + 4 <= numbers.count && Array(numbers[index..<(index + 4)]) == bytes.prefix(4).map(Int.init)
                }, "a key's bytes in a description")
            }
        }
    }

    // MARK: What the terminal did

    static func bookCheckInAndRate(_ terminal: BookingRoutesTests, _ client: any TestClientProtocol) async throws {
        _ = try await terminal.book(client, "hukou:2026-10-08T10:00+08:00", key: "rest-book")
        terminal.clock.set("2026-10-08T09:50:00+08:00")
        let checkIn = try await terminal.post(client, "/v1/check-ins", key: "rest-check-in", #"{"idNumber":"\#(booked)"}"#)
        #expect(checkIn.status == .created)
        let ratingToken = try #require(try checkIn.decoded(CheckInView.self).ticket.ratingToken)
        let called = try await terminal.post(client, "/v1/counters/A1/call-next", key: "rest-call")
        let ticketID = try #require(try called.decoded(CalledView.self).ticket?.id)
        #expect(try await terminal.post(client, "/v1/tickets/\(ticketID)/finish", key: "rest-finish").status == .ok)
        let rated = try await terminal.post(client, "/v1/tickets/\(ticketID)/rating", key: "rest-rate", #"{"score":5,"ratingToken":"\#(ratingToken)"}"#)
        #expect(rated.status == .created)
    }

    static func file(_ client: any TestClientProtocol) async throws {
        let started = try await client.execute(uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#))
        let id = try started.decoded(SessionView.self).sessionId
        func answer(_ field: String, _ value: String) async throws {
            let response = try await client.execute(uri: "/v1/sessions/\(id)/answers/\(field)", method: .put,
                                                    body: ByteBuffer(string: #"{"value":\#(value)}"#))
            #expect(response.status == .ok, "answer \(field)")
        }
        func next() async throws { _ = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post) }
        try await answer("name", "\"\(names[0])\"")
        try await answer("idNumber", "\"\(filer)\"")
        try await answer("birthDate", #""1978-11-23""#)
        try await answer("hukouAddress", #""上海市黄浦区""#)
        try await answer("mobile", "\"\(phones[0])\"")
        try await next()
        try await answer("residenceDistrict", #""chaoyang""#)
        try await answer("residenceSubdistrict", #""sanlitun""#)
        try await answer("residenceAddress", #"{"region":"110105","detail":"朝阳路1号"}"#)
        try await answer("residenceSince", #""2020-01-01""#)
        try await answer("housing", #""owned""#)
        try await next()
        try await answer("grounds", #""employment""#)
        try await answer("employerName", #""某某科技有限公司""#)
        try await next()
        try await next()
        for (material, status) in [("idCard", "provided"), ("photo", "provided"), ("propertyCertificate", "provided"), ("laborContract", "provided")] {
            _ = try await client.execute(uri: "/v1/sessions/\(id)/materials/\(material)", method: .post,
                                         body: ByteBuffer(string: #"{"status":"\#(status)"}"#))
        }
        _ = try await client.execute(uri: "/v1/sessions/\(id)/review/confirm", method: .post)
        let submitted = try await client.execute(uri: "/v1/sessions/\(id)/submit", method: .post,
                                                 body: ByteBuffer(string: #"{"acceptDeclaration":true}"#))
        #expect(submitted.status == .created)
    }

    /// Starts a session, answers name and phone, saves it under the drafter's number; the code.
    @discardableResult
    static func saveDraft(_ client: any TestClientProtocol) async throws -> String {
        let started = try await client.execute(uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#))
        let id = try started.decoded(SessionView.self).sessionId
        for (field, value) in [("name", names[1]), ("mobile", phones[1])] {
            let response = try await client.execute(uri: "/v1/sessions/\(id)/answers/\(field)", method: .put,
                                                    body: ByteBuffer(string: #"{"value":"\#(value)"}"#))
            #expect(response.status == .ok)
        }
        let saved = try await client.execute(uri: "/v1/sessions/\(id)/draft", method: .post,
                                             body: ByteBuffer(string: #"{"idNumber":"\#(drafter)"}"#))
        #expect(saved.status == .created)
        return try #require(try saved.decoded([String: String].self)["code"])
    }

    static func files(under directory: String) throws -> [String] {
        let enumerator = try #require(FileManager.default.enumerator(atPath: directory))
        return enumerator.compactMap { $0 as? String }.map { directory + "/" + $0 }.filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
    }

    static func openCopy(_ path: String) throws -> DatabaseQueue {
        try DatabaseQueue(path: path)
    }

    /// The terminal's master key as the key directory holds it (raw or hex), if it has one.
    static func terminalKey(_ installation: TestInstallation) -> Data? {
        guard let bytes = FileManager.default.contents(atPath: installation.root + "/secrets/terminal.key") else { return nil }
        if bytes.count == 32 { return bytes }
        let hex = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return Data(hexString: hex)
    }
}

/// The attack that worked on a copy of `kiosk.sqlite`: every masked number leaves only the birth
/// date open, so try each date of a century against every hash-like value, unkeyed and keyed
/// with every key-sized blob the file holds.
struct BirthDateAttack {
    var maskedNumbers: Set<String> = []
    var keys: [SymmetricKey] = []
    var targets: Set<Data> = []
    var datesTried = 0
    let candidates: [String]

    init(_ database: DatabaseQueue) throws {
        var masked: Set<String> = []
        var keys: [SymmetricKey] = []
        var targets: Set<Data> = []
        try database.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'")
            for table in tables {
                for row in try Row.fetchAll(db, sql: "SELECT * FROM \"\(table)\"") {
                    for (_, value) in row {
                        switch value.storage {
                        case .blob(let data):
                            if (16...64).contains(data.count) { keys.append(SymmetricKey(data: data)) }
                            targets.insert(data)
                            if data.count > 32 { targets.insert(data.prefix(32)) }
                        case .string(let text):
                            if text.range(of: #"^[0-9]{6}\*{8}[0-9]{3}[0-9X]$"#, options: .regularExpression) != nil { masked.insert(text) }
                            if let data = Data(hexString: text) { targets.insert(data) }
                            if let data = Data(base64Encoded: text) { targets.insert(data) }
                        default: break
                        }
                    }
                }
            }
        }
        maskedNumbers = masked
        self.keys = keys
        self.targets = targets
        var all: [String] = []
        var dates = 0
        for number in masked {
            let (numbers, tried) = Self.candidates(for: number)
            all += numbers
            dates += tried
        }
        candidates = all
        datesTried = dates
    }

    /// Every number the masked form allows: region and sequence as shown, any birth date from
    /// 1927 to 2026 whose check character matches; and how many dates were tried.
    static func candidates(for masked: String) -> ([String], Int) {
        let region = String(masked.prefix(6)), sequence = String(masked.suffix(4).prefix(3)), check = String(masked.suffix(1))
        var out: [String] = []
        var tried = 0
        for year in 1927...2026 {
            for month in 1...12 {
                let days = [31, (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
                for day in 1...days {
                    tried += 1
                    let first17 = region + String(year) + (month < 10 ? "0" : "") + String(month) + (day < 10 ? "0" : "") + String(day) + sequence
                    if let character = ResidentIDNumber.checkCharacter(forFirst17: first17), String(character) == check {
                        out.append(first17 + check)
                    }
                }
            }
        }
        return (out, tried)
    }

    /// Numbers whose hash, unkeyed or keyed with something in the copy, is stored in it.
    func recovered() -> [String] {
        candidates.filter { candidate in
            let message = Data(candidate.utf8)
            if targets.contains(Data(SHA256.hash(data: message))) { return true }
            return keys.contains { targets.contains(Data(HMAC<SHA256>.authenticationCode(for: message, using: $0))) }
        }
    }

    /// The same search with a key from elsewhere: the control that shows the attack can succeed.
    func recovered(withKey key: Data) -> [String] {
        let key = SymmetricKey(data: key)
        return candidates.filter { targets.contains(Data(HMAC<SHA256>.authenticationCode(for: Data($0.utf8), using: key))) }
    }
}

extension ResidentIDNumber {
    static func masked(_ number: String) -> String { String(number.prefix(6)) + "********" + String(number.suffix(4)) }
}

extension Data {
    init?(hexString text: String) {
        guard text.count == 64, text.allSatisfy(\.isHexDigit) else { return nil }
        var bytes: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
