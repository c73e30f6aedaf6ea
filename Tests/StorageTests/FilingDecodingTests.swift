import FormEngine
import Foundation
import JSONLogic
import StoragePostgres
import Testing

/// The district reads the filings an outbox sends with `JSONValueDecoder` (the module's own
/// parser under `Decodable`): each reads as `JSONDecoder` with ISO 8601 dates reads it, what
/// it refuses is refused, and what only `JSONDecoder` reads still arrives.
@Suite("Filing decoding")
struct FilingDecodingTests {
    static func foundation(_ document: Data) throws -> Filing {
        try PostgresFilingLedger.filingDecoder.decode(Filing.self, from: document)
    }

    static func documents() throws -> [Data] {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Keys in one order, so that the edits below find what they replace.
        encoder.outputFormatting = .sortedKeys
        let applicant = try FilingLedgerFixture.citizen(3)
        let at = FilingLedgerFixture.at("2026-03-02 09:00")
        let single = try FilingLedgerFixture.filing(reference: "S01-20260302-0001", at: at, applicant: applicant)
        let bundle = try FilingLedgerFixture.filing(reference: "S01-20260302-0002", at: at, applicant: applicant,
                                                    parts: [("seal", "police"), ("tax", "taxation")])
        let awkward = try LifecycleDocumentTests.filing(reference: "S01-20260302-0003", title: LifecycleDocumentTests.awkward)
        // Answers of every kind, written by hand: escapes JSONEncoder never writes, numbers of
        // every shape, nesting, null.
        let answers = #"""
            {"formID":"residence-permit","formVersion":2,"reference":"S01-20260302-0004","version":3,
             "title":{"zh-CN":"\u5c45\u4f4f\ud83d\ude00\/","en":"a\"b\\c\td"},"department":{"zh-CN":"公安","en":"Police"},
             "departmentID":null,"timeLimitDays":15,"afterReturn":"resume","submittedAt":"2026-12-02T01:00:00Z",
             "answers":{"name":"测试","age":42,"ratio":1.5,"negativeZero":-0,"huge":1e21,"tiny":1e-7,"agreed":true,"refused":false,
                        "nothing":null,"list":[1,"two",[3,{"four":4}],null],"nested":{"a":{"b":{"c":[]}}},"empty":{}},
             "materials":[],"deferred":[],"commitments":[],"subFilings":[],"overrides":[]}
            """#
        return try [single, bundle, awkward].map { try encoder.encode($0) } + [Data(answers.utf8)]
    }

    @Test func filingsReadAsJSONDecoderReadsThem() throws {
        for document in try Self.documents() {
            let expected = try Self.foundation(document)
            #expect(try JSONValueDecoder().decode(Filing.self, from: document) == expected)
            #expect(try PostgresFilingLedger.decodeFiling(document) == expected)
        }
    }

    @Test func whatJSONDecoderRefusesIsRefused() throws {
        let base = try #require(String(data: try Self.documents()[0], encoding: .utf8))
        let broken = [
            base.replacingOccurrences(of: #""formVersion":1"#, with: #""formVersion":1.5"#),
            base.replacingOccurrences(of: #""formVersion":1"#, with: #""formVersion":"1""#),
            base.replacingOccurrences(of: #""formID":"permit","#, with: ""),
            base.replacingOccurrences(of: #""formID":"permit""#, with: #""formID":null"#),
            base.replacingOccurrences(of: "T01:00:00Z", with: "T01:00:00"),
            base.replacingOccurrences(of: #""submittedAt":""#, with: #""submittedAt":"x"#),
            String(base.dropLast()),
        ]
        for text in broken {
            #expect(text != base)
            #expect(throws: (any Error).self) { try Self.foundation(Data(text.utf8)) }
            #expect(throws: (any Error).self) { try JSONValueDecoder().decode(Filing.self, from: Data(text.utf8)) }
            #expect(throws: (any Error).self) { try PostgresFilingLedger.decodeFiling(Data(text.utf8)) }
        }
    }

    /// A key twice: the parser refuses it; the district still reads it as it always has.
    @Test func aDocumentOnlyJSONDecoderReadsStillArrives() throws {
        let base = try #require(String(data: try Self.documents()[0], encoding: .utf8))
        let twice = Data(base.replacingOccurrences(of: #""formVersion":1"#, with: #""formVersion":1,"formVersion":1"#).utf8)
        #expect(throws: (any Error).self) { try JSONValueDecoder().decode(Filing.self, from: twice) }
        #expect(try PostgresFilingLedger.decodeFiling(twice) == Self.foundation(twice))
    }
}
