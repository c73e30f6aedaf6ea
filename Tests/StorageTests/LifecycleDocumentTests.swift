import Booking
import Filings
import FormEngine
import Foundation
import GRDB
import KioskCore
import KioskTesting
@testable import Storage
import Testing

/// The lifecycle document's own writer (`LifecycleSQL.encode`) writes what Foundation's
/// `JSONEncoder` with sorted keys wrote before it, byte for byte, for records in every state:
/// the stores hold documents of both, and a district's outbox drain and a filing sent alone
/// store the same bytes.
@Suite("Lifecycle documents")
struct LifecycleDocumentTests {
    let lifecycle = FilingLedgerFixture.lifecycle
    static let window = LifecycleActor.window(staff: "W/01")
    static let supervisor = LifecycleActor.supervisor(staff: "S01")
    /// Every character the writer escapes, and some it must not: a tab, a newline, a carriage
    /// return, a backslash, quotes, a slash, COPY's `\N`, another control character, text
    /// outside the Basic Multilingual Plane.
    static let awkward = "居\tb\nc\rd\\e \\N\u{01}\u{1F} '\"/,| 𠀋😀\u{7F}"

    /// What the stores wrote before the writer (and still decode).
    static func foundation(_ record: FilingRecord) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(record)
    }

    func after(_ record: FilingRecord, _ command: LifecycleCommand, by actor: LifecycleActor = window, at time: String) throws
        -> FilingRecord {
        try lifecycle.apply(command, to: record, by: actor, at: FilingLedgerFixture.at(time)).record
    }

    /// A filing followed from its submission to a closed follow-up, a returned one, a bundle,
    /// one with awkward texts, and one without an applicant: each state it passes through.
    func records() throws -> [FilingRecord] {
        var records: [FilingRecord] = []
        // Bytes whose base64 holds both `+` and `/` (which JSONEncoder writes as `\/`).
        let hash = Data([0xFB, 0xFF, 0xBF, 0x3E, 0x00, 0x7F, 0x80, 0x10])
        let applicant = try FilingLedgerFixture.citizen(1)
        let filing = try FilingLedgerFixture.filing(reference: "S01-20260302-0001", at: FilingLedgerFixture.at("2026-03-02 09:00"),
                                                    applicant: applicant)
        var record = lifecycle.open(filing, hall: "S01", terminal: "T01", idHash: hash, idMasked: applicant.masked).record
        records.append(record)
        let steps: [(LifecycleCommand, LifecycleActor, String)] = [
            (.handInDeferred(material: "proof"), .citizen, "2026-03-02 10:00"),
            (.receiveDeferred(material: "proof"), Self.window, "2026-03-02 11:00"),
            (.verifyCommitment(material: "residence", falseCommitment: true, note: Self.awkward), Self.window, "2026-03-02 12:00"),
            (.receive(part: nil), Self.window, "2026-03-02 13:00"),
            (.accept(part: nil, window: "A/3"), Self.window, "2026-03-02 14:00"),
            (.urge(part: nil, note: Self.awkward), Self.supervisor, "2026-03-03 09:00"),
            (.start(part: nil), Self.window, "2026-03-03 10:00"),
            (.complete(part: nil, outcome: .approved, document: Self.awkward, collectAt: "3号窗口", note: Self.awkward), Self.window,
             "2026-03-04 16:00"),
            (.collect(part: nil), Self.window, "2026-03-05 09:00"),
            (.rate(.dissatisfied, reasons: ["slowProcessing"], comment: Self.awkward), .citizen, "2026-03-05 10:00"),
            (.recordCallback(note: Self.awkward), Self.supervisor, "2026-03-06 10:00"),
            (.recordRectification(note: "整改"), Self.supervisor, "2026-03-07 10:00"),
            (.closeFollowUp(note: "结"), Self.supervisor, "2026-03-09 10:00"),
        ]
        for (command, actor, time) in steps {
            record = try after(record, command, by: actor, at: time)
            records.append(record)
        }

        let returned = try FilingLedgerFixture.filing(reference: "S01-20260302-0002", at: FilingLedgerFixture.at("2026-03-02 09:30"),
                                                      applicant: applicant)
        record = lifecycle.open(returned, hall: "S01", terminal: "T01", idHash: hash, idMasked: applicant.masked).record
        record = try after(record, .accept(part: nil, window: "A3"), at: "2026-03-02 10:00")
        record = try after(record, .returnFiling(part: nil, reasons: ["other"], note: Self.awkward), at: "2026-03-03 10:00")
        records.append(record)
        // 容缺 missed: the sweep after the due date.
        records.append(try after(record, .sweep, by: .system, at: "2026-03-20 10:00"))

        let bundle = try FilingLedgerFixture.filing(reference: "S01-20260302-0003", at: FilingLedgerFixture.at("2026-03-02 11:15").addingTimeInterval(30.25),
                                                    applicant: applicant, parts: [("seal", "police"), ("tax", "taxation")])
        record = lifecycle.open(bundle, hall: "S01", terminal: "T01", idHash: hash, idMasked: applicant.masked).record
        records.append(record)
        records.append(try after(record, .accept(part: "tax", window: "A3"), at: "2026-03-02 12:00"))

        let awkwardTexts = try Self.filing(reference: "S01-20260302-0004", title: Self.awkward)
        records.append(lifecycle.open(awkwardTexts, hall: Self.awkward, terminal: Self.awkward, idHash: nil, idMasked: nil).record)
        return records
    }

    /// A bundle without an applicant whose texts are `title`, submitted at a fractional second,
    /// with a 容缺 material and a commitment of its part.
    static func filing(reference: String, title: String) throws -> Filing {
        let quoted = String(decoding: try JSONEncoder().encode(title), as: UTF8.self)
        let text = #"{"zh-CN":\#(quoted),"en":\#(quoted)}"#
        let document = """
            {"formID":"residence-permit","formVersion":1,"reference":"\(reference)","version":1,
             "title":\(text),"department":{"zh-CN":\(quoted),"en":"Police"},"departmentID":"police",
             "timeLimitDays":15,"submittedAt":"2026-12-02T01:00:00.123Z","answers":{},
             "materials":[{"materialID":"proof","name":\(text),"status":"deferred","subFilingID":"seal"},
                          {"materialID":"residence","name":\(text),"status":"committed","subFilingID":"seal"}],
             "deferred":[{"materialID":"proof","name":\(text),"dueDate":"2026-12-10","consequence":\(text),"whenMissed":"return"}],
             "commitments":[{"materialID":"residence","name":\(text),"statement":\(text),"verification":\(text)}],
             "subFilings":[{"id":"seal","title":\(text),"department":\(text),"departmentID":"police","timeLimitDays":5,
                            "materialIDs":["proof","residence"]}],
             "overrides":[]}
            """
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Filing.self, from: Data(document.utf8))
    }

    @Test func theWriterWritesWhatJSONEncoderWroteForRecordsInEveryState() throws {
        let records = try records()
        for record in records {
            let written = try LifecycleSQL.encode(record)
            let expected = try Self.foundation(record)
            #expect(String(decoding: written, as: UTF8.self) == String(decoding: expected, as: UTF8.self))
            #expect(try LifecycleSQL.decode(written) == record)
        }
        // Every optional part of the record, its cases, 容缺 and commitments is present in one
        // of them: a part the writer forgot would show above.
        var present = Set<String>(), optional = Set<String>()
        for record in records { Self.optionals(of: record, path: "record", present: &present, all: &optional) }
        #expect(optional.subtracting(present).sorted() == [])
        #expect(optional.count >= 20)
    }

    /// A terminal's lifecycle keeps none of the indexes nothing reads (dropped by v19).
    @Test func aTerminalKeepsNoIndexNothingReads() async throws {
        let scratch = try ScratchDirectory(prefix: "kiosk-lifecycle-indexes")
        let store = try SQLiteStore(path: scratch.path + "/kiosk.sqlite", keys: BookingStoreFixture.keys)
        try store.migrate()
        let indexes = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index'") }
        #expect(indexes.contains("lifecycle_case_due"))
        #expect(Set(indexes).intersection(LifecycleSchema.unreadIndexes).isEmpty)
    }

    /// The labelled optional fields under `value` (`record.cases.clock`), and those set.
    static func optionals(of value: Any, path: String, present: inout Set<String>, all: inout Set<String>) {
        let mirror = Mirror(reflecting: value)
        if mirror.displayStyle == .collection {
            for child in mirror.children { optionals(of: child.value, path: path, present: &present, all: &all) }
            return
        }
        guard mirror.displayStyle == .struct else { return }
        for child in mirror.children {
            guard let label = child.label else { continue }
            let childPath = path + "." + label
            let childMirror = Mirror(reflecting: child.value)
            if childMirror.displayStyle == .optional {
                all.insert(childPath)
                if let wrapped = childMirror.children.first?.value {
                    present.insert(childPath)
                    optionals(of: wrapped, path: childPath, present: &present, all: &all)
                }
            } else if childPath.components(separatedBy: ".").count < 4 {
                optionals(of: child.value, path: childPath, present: &present, all: &all)
            }
        }
    }
}
