import Foundation
@testable import Hosting
@testable import KioskApp
import KioskTesting
import Logging
import Testing

/// Logs under systemd: journald's native protocol, sent to a socket the test listens on the
/// way journald listens on /run/systemd/journal/socket, and read back field by field.
@Suite("journald logging")
struct JournalLoggingTests {
    /// Parses a native-protocol datagram the way journald does.
    static func fields(_ datagram: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        var rest = datagram[...]
        while let newline = rest.firstIndex(of: 0x0A) {
            let line = rest[rest.startIndex..<newline]
            if let equals = line.firstIndex(of: UInt8(ascii: "=")) {
                fields[String(decoding: line[..<equals], as: UTF8.self)] = String(decoding: line[(equals + 1)...], as: UTF8.self)
                rest = rest[(newline + 1)...]
            } else {
                let name = String(decoding: line, as: UTF8.self)
                let lengthStart = newline + 1
                let length = rest[lengthStart..<(lengthStart + 8)].reversed().reduce(0) { $0 << 8 | Int($1) }
                let valueStart = lengthStart + 8
                fields[name] = String(decoding: rest[valueStart..<(valueStart + length)], as: UTF8.self)
                rest = rest[(valueStart + length + 1)...]
            }
        }
        return fields
    }

    @Test func eachRecordIsOneDatagramOfJournalFields() async throws {
        let directory = try ScratchDirectory(prefix: "kiosk-journal")
        let listener = try DatagramListener(directory: directory.path, name: "socket")
        let journal = try #require(JournalSocket(path: listener.address))
        var logger = Logger(label: "kiosk") { JournalLogHandler(label: $0, journal: journal) }
        logger[metadataKey: "site.id"] = "S01"
        logger.warning("printer out of paper", metadata: ["device.id": "printer-1", "http.address": "127.0.0.1:8080"])
        let fields = Self.fields(try #require(await listener.receiveOffPool(timeout: 5)))
        #expect(fields["MESSAGE"] == "printer out of paper")
        #expect(fields["PRIORITY"] == "4")
        #expect(fields["SYSLOG_IDENTIFIER"] == "kiosk")
        #expect(fields["KIOSK_LABEL"] == "kiosk")
        #expect(fields["KIOSK_DEVICE_ID"] == "printer-1")
        #expect(fields["KIOSK_HTTP_ADDRESS"] == "127.0.0.1:8080")
        #expect(fields["KIOSK_SITE_ID"] == "S01")
        #expect(fields["CODE_FILE"]?.hasSuffix("JournalLoggingTests.swift") == true)
        #expect(Int(fields["CODE_LINE"] ?? "") != nil)
    }

    @Test func aValueWithANewlineIsSentWithItsLength() async throws {
        let directory = try ScratchDirectory(prefix: "kiosk-journal")
        let listener = try DatagramListener(directory: directory.path, name: "socket")
        let journal = try #require(JournalSocket(path: listener.address))
        let logger = Logger(label: "kiosk") { JournalLogHandler(label: $0, journal: journal) }
        logger.error("form refused", metadata: ["form.problem": "a.yaml:3: bad\na.yaml:9: worse"])
        let fields = Self.fields(try #require(await listener.receiveOffPool(timeout: 5)))
        #expect(fields["KIOSK_FORM_PROBLEM"] == "a.yaml:3: bad\na.yaml:9: worse")
        #expect(fields["PRIORITY"] == "3")
        #expect(fields["MESSAGE"] == "form refused")
    }

    @Test func fieldNamesAreWhatJournaldAccepts() {
        #expect(JournalLogHandler.fieldName("device.id") == "KIOSK_DEVICE_ID")
        #expect(JournalLogHandler.fieldName("http.status-code") == "KIOSK_HTTP_STATUS_CODE")
        #expect(JournalLogHandler.fieldName("名字") == "KIOSK___")
        #expect(JournalLogHandler.fieldName(String(repeating: "x", count: 100)).count == 64)
        #expect(Logger.Level.allCases.map(JournalLogHandler.priority) == [7, 7, 6, 5, 4, 3, 2])
    }

    /// `$JOURNAL_STREAM` names the stream systemd connected; a process whose standard error
    /// goes elsewhere (a shell started from the unit, a redirection) keeps writing text.
    @Test func standardErrorIsTheJournalOnlyWhenDeviceAndInodeMatch() throws {
        let directory = try ScratchDirectory(prefix: "kiosk-journal")
        let path = directory.path + "/stream"
        FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try #require(FileHandle(forWritingAtPath: path))
        defer { try? handle.close() }
        var status = stat()
        #expect(fstat(handle.fileDescriptor, &status) == 0)
        let matching = "\(status.st_dev):\(status.st_ino)"
        #expect(JournalSocket.isStandardErrorTheJournal(["JOURNAL_STREAM": matching], descriptor: handle.fileDescriptor))
        #expect(!JournalSocket.isStandardErrorTheJournal(["JOURNAL_STREAM": "\(status.st_dev):\(status.st_ino + 1)"],
                                                         descriptor: handle.fileDescriptor))
        #expect(!JournalSocket.isStandardErrorTheJournal([:], descriptor: handle.fileDescriptor))
        #expect(!JournalSocket.isStandardErrorTheJournal(["JOURNAL_STREAM": "nonsense"], descriptor: handle.fileDescriptor))
    }

    @Test func noJournalSocketNoJournalHandler() {
        #expect(JournalSocket(path: "/nonexistent/journal/socket") == nil)
    }
}
